// Subprocess pools (./pool, kind "process"): workers of Deno and of Bun, started from either
// runtime (so Deno → Bun and Bun → Deno both run), speak length-prefixed pickles over
// stdin/stdout. Closures, classes of a module registered by value, errors, a closure made by
// a previous task, `kill -9` of a worker mid-task, process.exit and retries.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import { registerPickleByValue, unregisterPickleByValue } from "../mod.ts";
import { createPool, type Pool, WorkerDiedError } from "../pool.ts";
import * as shapes from "./pool/shapes.ts";

// deno-lint-ignore no-explicit-any
const g = globalThis as any;

for (const runtime of ["deno", "bun"] as const) {
  describe(`process pool: ${runtime} workers`, () => {
    const pool: Pool = createPool({ size: 1, kind: "process", runtime });
    after(() => pool.close({ cancel: true }));

    it("runs closures and returns values; the worker is the other runtime when asked", async () => {
      const base = 100;
      const where = await pool.submit(() =>
        typeof g.Deno === "object" ? "deno" : typeof g.Bun === "object" ? "bun" : "?"
      );
      assert.equal(where, runtime);
      assert.deepEqual(await pool.map((x: number) => x + base, [1, 2, 3]), [101, 102, 103]);
      const bytes = new Uint8Array([5, 6]);
      const back = await pool.submit((b: Uint8Array) => b.map((x) => x * 2), bytes);
      assert.ok(back instanceof Uint8Array);
      assert.deepEqual([...back], [10, 12]);
      assert.deepEqual([...bytes], [5, 6], "subprocess workers copy");
      const sab = new SharedArrayBuffer(4);
      await pool.submit((v: Int32Array) => (v[0] = 9), new Int32Array(sab));
      assert.equal(new Int32Array(sab)[0], 0, "a SharedArrayBuffer is copied to a subprocess");
    });

    it("a module registered by value: its class and functions run there, instances come back", async () => {
      registerPickleByValue(shapes);
      try {
        const v = await pool.submit(shapes.scale, new shapes.Vec(1, 2), 3);
        assert.ok(v instanceof shapes.Vec);
        assert.equal(v.norm2(), 45);
        const err = await pool.submit(() => {
          throw new shapes.TaskFailure("no luck", 42, { cause: new RangeError("deep") });
        }).then(() => null, (e) => e);
        assert.ok(err instanceof shapes.TaskFailure, String(err));
        assert.equal(err.code, 42);
        assert.equal(err.message, "no luck");
        assert.ok(err.cause instanceof RangeError);
        assert.match(String(err.stack), /runner\.ts/, "the worker-side stack is kept");
      } finally {
        unregisterPickleByValue(shapes);
      }
    });

    it("a closure made by a task runs in the next task and here", async () => {
      const counter = await pool.submit((start: number) => {
        let n = start;
        return { inc: () => ++n, get: () => n };
      }, 1);
      assert.deepEqual(
        await pool.submit((c: typeof counter) => [c.inc(), c.inc(), c.get()], counter),
        [2, 3, 3],
      );
      assert.equal(counter.inc(), 2);
      assert.equal(counter.get(), 2, "its two functions share one scope here");
    });

    it("a task's console.log goes to stderr and does not break the frames", async () => {
      assert.equal(
        await pool.submit(() => {
          console.log("\x00\x00\x00\x10 noise from a task");
          return "frames intact";
        }),
        "frames intact",
      );
    });

    it("timeout: the subprocess running the task is replaced", async () => {
      const pid = await pool.submit(() => g.process.pid as number);
      await assert.rejects(
        pool.submitWith({ timeout: 100 }, () => new Promise(() => {})),
        (e: DOMException) => e.name === "TimeoutError",
      );
      assert.notEqual(await pool.submit(() => g.process.pid as number), pid);
    });

    it("kill -9 of the worker mid-task: reported, the worker replaced", async () => {
      const pid = await pool.submit(() => g.process.pid as number);
      const running = pool.submit(() => new Promise(() => {}));
      setTimeout(() => process.kill(pid, "SIGKILL"), 100);
      await assert.rejects(
        running,
        (e: Error) => e instanceof WorkerDiedError && /killed \(SIGKILL\)/.test(e.message),
      );
      const pid2 = await pool.submit(() => g.process.pid as number);
      assert.notEqual(pid2, pid);
    });

    it("process.exit in a task with retries: 1 runs it again on a new worker", async () => {
      const p = createPool({ size: 1, kind: "process", runtime, retries: 1 });
      try {
        const first = await p.submit(() => g.process.pid as number);
        const r = await p.submit((firstPid: number) => {
          if (g.process.pid === firstPid) g.process.exit(5);
          return "ran on the replacement";
        }, first);
        assert.equal(r, "ran on the replacement");
      } finally {
        await p.close();
      }
    });
  });
}
