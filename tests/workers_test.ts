// Closures and Workers: a closure built inside a Worker pickles and runs in the main thread,
// and one built in the main thread runs in a Worker. On Bun the Worker must be started with the
// preload (`new Worker(url, { preload: [...] })`): Workers do not inherit it, and without it
// the error says so. Deno reads the Worker's closures through the Worker's own inspector.
// The program (tests/instrumented/workers_main.mjs) runs in a subprocess of each runtime.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { runJSON } from "./helpers.ts";

const script = "tests/instrumented/workers_main.mjs";

const run = (cmd: string, args: string[]) => runJSON<Record<string, unknown>>(cmd, args);

describe("closures across Workers", () => {
  it("Bun: built in a Worker started with the preload, run here; built here, run there and back", () => {
    const out = run("bun", ["--preload", "./preload.ts", script]);
    assert.deepEqual(out.fromWorker, [11, 12, 12]);
    assert.equal(out.toWorker, 7);
    assert.equal(out.original, 6);
    assert.deepEqual(out.repickled, [8, 8]);
  });

  it("Bun: a Worker started without the preload says to start it with `preload`", () => {
    const msg = run("bun", ["--preload", "./preload.ts", script]).withoutPreload as string;
    assert.match(msg, /^PicklingError: cannot pickle function 'inc'/);
    assert.match(msg, /start the Worker with `new Worker\(url, \{ preload: \[\.\.\.\] \}\)`/);
    assert.match(msg, /bunfig\.toml/);
    assert.match(msg, /closure\(\{ n \}, fn\)/);
    assert.doesNotMatch(msg, /inspector/);
  });

  it("Deno: the same program; a closure loaded in the Worker pickles again there", () => {
    const out = run("deno", ["run", "-A", script]);
    assert.deepEqual(out.fromWorker, [11, 12, 12]);
    assert.equal(out.toWorker, 7);
    assert.equal(out.original, 6);
    assert.deepEqual(out.repickled, [8, 8]);
  });
});
