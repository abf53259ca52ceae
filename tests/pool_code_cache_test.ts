// The code cache on a pool: a function's definition travels once per worker, then by hash,
// while its captured values travel with every task. Counted in bytes (Pool.bytesSent) on
// thread workers and on subprocess workers of Deno and of Bun; a replaced worker starts with
// an empty cache on both ends; classes of a module by value keep their identity on return.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { registerPickleByValue, unregisterPickleByValue } from "../mod.ts";
import { createPool, type Pool, WorkerDiedError } from "../pool.ts";
import * as shapes from "./pool/shapes.ts";

const TASKS = 10_000;
// deno-lint-ignore no-explicit-any
const g = globalThis as any;

/** A function with a long source (a 4 KB literal), so that sending it is easy to see. */
function makeTask(k: { n: number }) {
  return (x: number) => {
    if (x < -1) {
      return "----------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------";
    }
    return x * k.n + 1;
  };
}

const kinds = [
  { name: "thread workers", options: { kind: "thread" as const } },
  {
    name: "deno subprocess workers",
    options: { kind: "process" as const, runtime: "deno" as const },
  },
  {
    name: "bun subprocess workers",
    options: { kind: "process" as const, runtime: "bun" as const },
  },
];

for (const { name, options } of kinds) {
  describe(`pool code cache: ${name}`, () => {
    const pool: Pool = createPool({ size: 2, ...options });
    after(() => pool.close({ cancel: true }));
    const k = { n: 2 };
    const task = makeTask(k);
    const sourceLength = String(task).length;

    it(`map of ${TASKS} items with one task each, then ${TASKS / 10} calls: the source travels once per worker`, async () => {
      assert.ok(sourceLength > 4000, `source of ${sourceLength} chars`);
      const before = pool.bytesSent;
      const items = Array.from({ length: TASKS }, (_, i) => i);
      const out = await pool.map(task, items, { chunkSize: 1 });
      assert.equal(out.length, TASKS);
      assert.equal(out[TASKS - 1], (TASKS - 1) * 2 + 1);
      // Separate calls: each pickles the function again; the cache sends its hash.
      const calls = [];
      for (let i = 0; i < TASKS / 10; i++) calls.push(pool.submit(task, i));
      const res = await Promise.all(calls);
      assert.deepEqual(res.slice(0, 3), [1, 3, 5]);
      const sent = pool.bytesSent - before;
      // Without the cache, the 1000 calls alone send 1000 × 4 KB = 4 MB; with it, the source
      // goes once per worker (2 × 4 KB) and each task sends its arguments, the hash and the
      // captured values (about 100 bytes).
      const bound = 4 * sourceLength + (TASKS + TASKS / 10) * 120;
      assert.ok(sent < bound, `${sent} bytes sent, more than ${bound}`);
      assert.ok(sent < (TASKS * sourceLength) / 25, `${sent} bytes sent`);
    });

    it("captured values that changed travel with each task", async () => {
      k.n = 5;
      assert.equal(await pool.submit(task, 2), 11);
      k.n = 7;
      assert.deepEqual(await pool.map(task, [1, 2]), [8, 15]);
      k.n = 2;
    });

    it("a replaced worker starts with an empty cache on both ends", async () => {
      const solo = createPool({ size: 1, ...options });
      try {
        assert.equal(await solo.submit(task, 1), 3);
        const first = solo.bytesSent;
        assert.equal(await solo.submit(task, 2), 5);
        const second = solo.bytesSent - first;
        assert.ok(second < sourceLength, `the second call sent ${second} bytes`);
        await assert.rejects(solo.submit(() => g.process.exit(3)), WorkerDiedError);
        const before = solo.bytesSent;
        assert.equal(await solo.submit(task, 3), 7);
        assert.ok(solo.bytesSent - before > sourceLength, "the new worker got the source");
        assert.equal(solo.started, 2);
      } finally {
        await solo.close({ cancel: true });
      }
    });

    it("classes of a module by value come back as the caller's classes, call after call", async () => {
      registerPickleByValue(shapes);
      try {
        for (let i = 1; i <= 3; i++) {
          const v = await pool.submit(shapes.scale, new shapes.Vec(1, i), 2);
          assert.ok(v instanceof shapes.Vec);
          assert.deepEqual([v.x, v.y], [2, 2 * i]);
        }
      } finally {
        unregisterPickleByValue(shapes);
      }
    });
  });
}
