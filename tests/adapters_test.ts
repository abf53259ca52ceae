// The runtime adapters' cost and readiness, in fresh processes as a program meets them:
// importing the library starts nothing, plain Workers start as fast after it was used,
// dumpsSync reads closures from the start (or says precisely what to wait for), and ready().
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { ready } from "../mod.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const deno = `${root}node_modules/.bin/deno`;
const bun = `${root}node_modules/.bin/bun`;
const dir = `${root}tests/adapters/`;

function run(cmd: string, args: string[]): Record<string, unknown> {
  const r = spawnSync(cmd, args, { cwd: root, encoding: "utf8", timeout: 60_000 });
  assert.equal(r.status, 0, `${cmd} ${args.join(" ")} failed:\n${r.stderr}`);
  return JSON.parse(r.stdout.trim().split("\n").pop()!);
}

const withSys = (script: string, ...args: string[]) =>
  run(deno, ["run", "-A", dir + script, ...args]);
const withoutSys = (script: string, ...args: string[]) =>
  run(deno, ["run", "--allow-read", "--allow-env", dir + script, ...args]);
const bunPreload = (script: string, ...args: string[]) =>
  run(bun, ["--preload", `${root}preload.ts`, dir + script, ...args]);
const bunPlain = (script: string, ...args: string[]) => run(bun, [dir + script, ...args]);

describe("readiness of the sync forms", () => {
  for (const mode of ["now", "turn", "ready"]) {
    it(`dumpsSync of a closure works ${mode === "now" ? "right after import" : `after ${mode === "turn" ? "one turn of the event loop" : "await ready()"}`} (Deno -A, Bun with the preload)`, () => {
      const expected = { ok: true, value: 42, byReference: true };
      assert.deepEqual(withSys("sync_ready.ts", mode), expected);
      assert.deepEqual(bunPreload("sync_ready.ts", mode), expected);
    });
  }

  it("without the means to read scopes, the error names this runtime's remedy", () => {
    const d = withoutSys("sync_ready.ts", "turn");
    assert.equal(d.ok, false);
    assert.equal(d.pickling, true);
    assert.match(d.message as string, /'n'/);
    assert.match(d.message as string, /--allow-sys/);
    assert.match(d.message as string, /closure\(\{ n \}/);
    assert.doesNotMatch(d.message as string, /async dumps/, "dumps() would not help either");
    const b = bunPlain("sync_ready.ts", "turn");
    assert.equal(b.ok, false);
    assert.equal(b.pickling, true);
    assert.match(b.message as string, /preload/);
    assert.doesNotMatch(b.message as string, /async dumps/);
  });

  it("a module pickling its own export while it evaluates is told to wait one turn (Deno)", () => {
    const r = withSys("own_export_entry.ts");
    assert.match(r.duringEvaluation as string, /^PicklingError: /);
    assert.match(r.duringEvaluation as string, /own_export\.ts/);
    assert.match(r.duringEvaluation as string, /await one turn of the event loop/);
    assert.match(r.duringEvaluation as string, /await ready\(\)/);
    assert.equal(r.afterTurnSame, true, "one turn later it is pickled by reference");
    assert.equal(r.byReference, true);
  });

  it("a closure of a module still evaluating (top-level await): one turn, then by value", () => {
    const d = withSys("tla_entry.ts").results as string[];
    // Deno: listed in that turn, the module's namespace may still be on its way.
    assert.match(d[0], /^error .*tla_module\.ts.*await one turn of the event loop/);
    assert.equal(d[1], "ok 11");
    assert.deepEqual(bunPreload("tla_entry.ts").results, ["ok 11", "ok 11"]);
  });

  it("Bun: a module that pickled during its evaluation is found one turn later", () => {
    for (const r of [bunPreload("own_export_entry.ts"), bunPlain("own_export_entry.ts")]) {
      assert.equal(r.afterTurnSame, true);
      assert.equal(r.byReference, true);
    }
  });

  it("ready() resolves, at once where nothing is pending", async () => {
    await ready();
    const t = performance.now();
    await ready();
    assert.ok(performance.now() - t < 50);
  });
});

describe("scope sameness: two counters of one factory, in the same state", () => {
  it("Deno by default takes them as one scope (documented); exactScopes keeps them apart", () => {
    const byDefault = withSys("sameness.ts", "default");
    // V8 shows no scope identity: equal scopes are merged by content.
    assert.deepEqual(byDefault.asyncForm, { a: 2, b: 2, aIncGetShared: true });
    assert.deepEqual(byDefault.syncForm, { a: 2, b: 2, aIncGetShared: true });
    assert.deepEqual(byDefault.blocks, [1, 2, 2]);
    const exact = withSys("sameness.ts", "exact");
    assert.deepEqual(exact.asyncForm, { a: 2, b: 0, aIncGetShared: true });
    // Block scopes of a loop body too, though a context holding only a small integer shows
    // no variable in a heap snapshot.
    assert.deepEqual(exact.blocks, [1, 2, 0]);
    const refused = exact.syncForm as { error?: string };
    assert.match(refused.error ?? "", /exactScopes needs the async form/);
  });

  it("Bun with the preload keeps them apart, with or without exactScopes", () => {
    for (const mode of ["default", "exact"]) {
      const r = bunPreload("sameness.ts", mode);
      assert.deepEqual(r.asyncForm, { a: 2, b: 0, aIncGetShared: true }, mode);
      assert.deepEqual(r.syncForm, { a: 2, b: 0, aIncGetShared: true }, mode);
      assert.deepEqual(r.blocks, [1, 2, 0], mode);
    }
  });
});

describe("the library costs nothing elsewhere", () => {
  it("plain Workers start as fast after the library was imported and used (Deno -A)", () => {
    const r = withSys("workers.ts");
    const before = r.before as number;
    const after = r.afterUse as number;
    assert.equal(r.copyType, "object");
    // A connected inspector session made each start wait ~500 ms; noise is tens of ms.
    assert.ok(after < Math.max(2 * before, before + 60), `before ${before} ms, after ${after} ms`);
  });
});
