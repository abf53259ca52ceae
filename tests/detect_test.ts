// The runtime detector (lib/runtime/detect.ts), in fresh processes of each runtime and
// permission: which adapter answers each question of the one adapter interface, that each is
// chosen once, that choosing creates no global, and that the reasons given name the remedy
// for the runtime in question.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { runJSON } from "./helpers.ts";

const FIXTURE = "tests/adapters/detect_choices.ts";

interface Choices {
  slotBefore: boolean;
  slotAfterChoosing: boolean;
  modules: "inspector" | "require.cache" | "none";
  sameModules: boolean;
  sameScopes: boolean;
  sameInterface: boolean;
  n: number | null;
  bound: [boolean, unknown[]] | null;
  fields: [string[], unknown[]] | null;
  syncUnavailable: string | null;
  asyncUnavailable: string | null;
  entry: boolean;
}

const READ_ALL = {
  n: 5,
  bound: [true, ["hello"]],
  fields: [["balance"], [7]],
};
const READ_NONE = { n: null, bound: null, fields: null };

function check(r: Choices, expected: Partial<Choices>): void {
  assert.equal(r.sameModules, true, "the module source is chosen once");
  assert.equal(r.sameScopes, true, "the async reader is chosen once");
  assert.equal(r.sameInterface, true);
  assert.equal(r.entry, true, "the entry module is the program's");
  assert.equal(r.slotAfterChoosing, r.slotBefore, "choosing creates no global slot");
  for (const [k, v] of Object.entries(expected)) {
    assert.deepEqual(r[k as keyof Choices], v, k);
  }
}

describe("the runtime detector chooses", () => {
  it("on Deno with --allow-sys: the inspector for everything", () => {
    const r = runJSON<Choices>("deno", ["run", "-A", FIXTURE]);
    check(r, {
      ...READ_ALL,
      modules: "inspector",
      slotBefore: false,
      syncUnavailable: null,
      asyncUnavailable: null,
    } as Partial<Choices>);
  });

  it("on Deno without --allow-sys: nothing, and says to allow sys", () => {
    const r = runJSON<Choices>("deno", ["run", "--allow-read", "--allow-env", FIXTURE]);
    check(r, { ...READ_NONE, modules: "none", slotBefore: false } as Partial<Choices>);
    assert.match(r.syncUnavailable!, /--allow-sys \(or -A\)/);
    assert.match(r.asyncUnavailable!, /--allow-sys \(or -A\)/);
  });

  it("on Bun without the preload: require.cache for modules, and says to load the preload", () => {
    const r = runJSON<Choices>("bun", [FIXTURE]);
    check(r, { ...READ_NONE, modules: "require.cache", slotBefore: false } as Partial<Choices>);
    assert.match(r.syncUnavailable!, /bun --preload/);
    assert.match(r.asyncUnavailable!, /bun --preload/);
  });

  it("on Bun with the preload: the preload's readers, through the shared slot", () => {
    const r = runJSON<Choices>("bun", ["--preload", "./preload.ts", FIXTURE]);
    check(r, {
      ...READ_ALL,
      modules: "require.cache",
      slotBefore: true,
      syncUnavailable: null,
    } as Partial<Choices>);
    // The async forms read nothing more on Bun: they say why, for code the preload missed.
    assert.match(r.asyncUnavailable!, /the preload did not instrument/);
  });
});
