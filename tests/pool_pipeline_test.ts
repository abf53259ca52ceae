// Thread pools send a worker its next task while it runs one (a task sent ahead): the worker
// still runs one task at a time, a task sent ahead and cancelled never runs (and the running
// one is not stopped for it), a worker that dies gives its tasks sent ahead to another, and
// primitives travel in flat lists (the fast path) while anything else still round-trips.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createPool, type Pool, WorkerDiedError } from "../pool.ts";

// deno-lint-ignore no-explicit-any
const g = globalThis as any;

describe("thread pool: tasks sent ahead", () => {
  const pool: Pool = createPool({ size: 1 });
  after(() => pool.close({ cancel: true }));

  it("a worker runs its tasks one at a time, async ones included", async () => {
    const log = new Int32Array(new SharedArrayBuffer(4 * 64));
    const task = async (i: number) => {
      log[1 + Atomics.add(log, 0, 1)] = i; // start
      await new Promise((r) => setTimeout(r, 20));
      log[1 + Atomics.add(log, 0, 1)] = -i; // end
      return i;
    };
    const out = await Promise.all([1, 2, 3, 4].map((i) => pool.submit(task, i)));
    assert.deepEqual(out, [1, 2, 3, 4]);
    // Each start is followed by its own end: no task began while another ran.
    const events = Array.from(log.subarray(1, 1 + log[0]));
    assert.deepEqual(events, [1, -1, 2, -2, 3, -3, 4, -4]);
  });

  it("a task sent ahead and cancelled does not run, and the running one goes on", async () => {
    const ran = new Int32Array(new SharedArrayBuffer(8));
    const started = pool.started;
    const slow = pool.submit(async (r: Int32Array) => {
      await new Promise((res) => setTimeout(res, 300));
      Atomics.add(r, 0, 1);
      return "slow done";
    }, ran);
    const c = new AbortController();
    const ahead = pool.submitWith({ signal: c.signal }, (r: Int32Array) => {
      Atomics.add(r, 1, 1);
      return "ahead ran";
    }, ran);
    await new Promise((r) => setTimeout(r, 50));
    c.abort(new Error("not needed"));
    await assert.rejects(ahead, /not needed/);
    assert.equal(await slow, "slow done");
    assert.equal(await pool.submit((x: number) => x + 1, 1), 2);
    assert.equal(ran[0], 1);
    assert.equal(ran[1], 0, "the cancelled task never ran");
    assert.equal(pool.started, started, "no worker was stopped or started");
  });

  it("a worker that dies gives the task sent ahead to its replacement", async () => {
    const dies = pool.submit(() => {
      setTimeout(() => g.process.exit(5), 50);
      return new Promise(() => {}); // never settles: the exit ends it
    });
    const next = pool.submit((s: string) => s.toUpperCase(), "after");
    const err = await dies.then(() => null, (e) => e);
    assert.ok(err instanceof WorkerDiedError, String(err));
    assert.equal(await next, "AFTER");
  });

  it("primitives travel in flat lists, other values as pickles, in one map", async () => {
    const items: unknown[] = [1, "two", null, undefined, -0, 2n ** 70n, NaN, { a: 1 }, [3], true];
    const out = await pool.map((x: unknown) => x, items, { chunkSize: 1 });
    assert.equal(out.length, items.length);
    assert.ok(Object.is(out[4], -0));
    assert.ok(Number.isNaN(out[6]));
    assert.equal(out[5], 2n ** 70n);
    assert.deepEqual(out[7], { a: 1 });
    assert.deepEqual(out[8], [3]);
    assert.deepEqual(out.slice(0, 4), [1, "two", null, undefined]);
    // A result that is not a primitive comes back as a pickle (its class kept).
    const d = await pool.map((x: number) => new Date(x), [0, 1], { chunkSize: 1 });
    assert.ok(d[1] instanceof Date && d[1].getTime() === 1);
  });

  it("map over generators keeps input order, and a failure stops reading the input", async () => {
    function* gen() {
      for (let i = 0; i < 25; i++) yield i;
    }
    async function* agen() {
      for (let i = 0; i < 25; i++) yield i;
    }
    const want = Array.from({ length: 25 }, (_, i) => i * 3);
    assert.deepEqual(await pool.map((x: number) => x * 3, gen(), { chunkSize: 2 }), want);
    assert.deepEqual(await pool.map((x: number) => x * 3, agen(), { chunkSize: 1 }), want);
    let pulled = 0;
    function* many() {
      for (let i = 0; i < 10_000; i++) {
        pulled++;
        yield i;
      }
    }
    await assert.rejects(
      pool.map(
        (x: number) => {
          if (x === 5) throw new RangeError("item 5");
          return x;
        },
        many(),
        { chunkSize: 1, maxInFlight: 2 },
      ),
      (e: unknown) => e instanceof RangeError && e.message === "item 5",
    );
    assert.ok(pulled < 20, `pulled ${pulled}`);
  });
});
