// A task the pool sent ahead to a busy worker (behind the one that runs) and then cancelled
// carried its function's definition, which the pool counts as sent: the worker keeps it
// without running the task, so later tasks of that function (and of its source) still run.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createPool, type PoolOptions } from "../pool.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const kinds: [string, PoolOptions][] = [
  ["thread", { size: 1 }],
  ["process (deno)", { size: 1, kind: "process", runtime: "deno" }],
  ["process (bun)", { size: 1, kind: "process", runtime: "bun" }],
];

describe("a task sent ahead and cancelled", () => {
  for (const [name, options] of kinds) {
    it(`${name}: later tasks of its function run`, async () => {
      await using pool = createPool(options);
      const k = 7;
      const times = (x: number) => x * k;
      assert.equal(await pool.submit((x: number) => x, 1), 1); // the worker is up
      const running = pool.submit(() => new Promise((r) => setTimeout(() => r("done"), 600)));
      await sleep(100);
      const ac = new AbortController();
      const ahead = pool.submitWith({ signal: ac.signal }, times, 2);
      await sleep(100);
      ac.abort();
      await assert.rejects(ahead, (e: Error) => e.name === "AbortError");
      assert.equal(await running, "done");
      assert.equal(await pool.submit(times, 3), 21);
      const same = (x: number) => x * k; // another function of the same source
      assert.equal(await pool.submit(same, 4), 28);
      assert.deepEqual(await pool.map(times, [1, 2]), [7, 14]);
    });
  }
});
