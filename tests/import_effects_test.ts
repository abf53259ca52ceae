// Importing the library has no side effects (the preload, whose job is side effects, is the
// exception): in a fresh process of each runtime, importing mod.ts adds no own key (name or
// symbol) to globalThis, connects no inspector session (Deno with --allow-sys, where one
// could), replaces no built-in, and leaves nothing that keeps the process alive. The first use
// adds at most the library's one shared slot (lib/runtime/shared_slot.ts), non-enumerable.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const script = `${root}tests/adapters/import_effects.ts`;
const SLOT = "Symbol(cloudpickle.shared)";

interface Report {
  added: string[];
  connects: number;
  bindReplaced: boolean;
  importMs: number;
  used?: { inc?: number; v?: number; sameBox?: boolean; error?: string };
  afterUse?: string[];
  connectsAfterUse?: number;
  slotEnumerable?: boolean | null;
}

/** Runs the fixture; the process must end by itself, promptly, with nothing left to run. */
function run(label: string, cmd: string, args: string[]): Report {
  const started = performance.now();
  const r = spawnSync(`${root}node_modules/.bin/${cmd}`, [...args, script, "use"], {
    cwd: root,
    encoding: "utf8",
    timeout: 30_000,
    env: { ...process.env, NO_COLOR: "1" },
  });
  const ms = performance.now() - started;
  assert.equal(r.signal, null, `${label}: killed after ${Math.round(ms)} ms (kept alive?)`);
  assert.equal(r.status, 0, `${label}: ${r.stderr}`);
  // Startup of the runtime and of the fixture only: a timer or a session left open would
  // hold the process for as long as it runs.
  assert.ok(ms < 15_000, `${label}: took ${Math.round(ms)} ms to exit`);
  return JSON.parse(r.stdout.trim().split("\n").pop()!) as Report;
}

const RUNS: ReadonlyArray<readonly [string, string, string[]]> = [
  ["Deno -A", "deno", ["run", "-A"]],
  ["Deno without --allow-sys", "deno", ["run", "--allow-read", "--allow-env"]],
  ["Bun", "bun", []],
];

describe("importing mod.ts", () => {
  for (const [label, cmd, args] of RUNS) {
    it(`${label}: adds no global, opens no inspector session, replaces no built-in, exits`, () => {
      const r = run(label, cmd, args);
      assert.deepEqual(r.added, [], "own keys of globalThis added by importing");
      assert.equal(r.connects, 0, "inspector sessions connected by importing");
      assert.equal(r.bindReplaced, false);
    });
  }

  it("the first use adds only the shared slot, non-enumerable, where it needs one", () => {
    for (const [label, cmd, args] of RUNS) {
      const r = run(label, cmd, args);
      if (label === "Deno -A") {
        // The class is this process's own (by value, and known here): the same class back.
        assert.deepEqual(r.used, { inc: 42, v: 2, sameBox: true }, label);
        assert.ok(r.connectsAfterUse! > 0, "Deno with --allow-sys reads closures by the inspector");
      } else {
        // Without the means to read the closure: refused with a PicklingError, not a crash.
        assert.deepEqual(r.used, { error: "PicklingError" }, label);
        assert.equal(r.connectsAfterUse, 0, label);
      }
      assert.ok(r.afterUse!.every((k) => k === SLOT), `${label}: ${r.afterUse}`);
      if (r.afterUse!.length > 0) assert.equal(r.slotEnumerable, false, label);
    }
  });
});
