// Thread pools send a worker the tasks queued for it in one message (a flat list) while tasks
// are short: a map of 1000 small tasks crosses to the workers in far fewer messages than
// tasks, and a task of a batch that fails or is cancelled fails alone.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createPool, type Pool } from "../pool.ts";

const busy = (ms: number) => {
  const end = Date.now() + ms;
  while (Date.now() < end) { /* a task that holds its worker */ }
  return ms;
};
const items = (n: number) => Array.from({ length: n }, (_, i) => i);

describe("thread pool: tasks in batches", () => {
  const pool: Pool = createPool({ size: 2 });
  after(() => pool.close({ cancel: true }));

  it("a map of 1000 short tasks crosses to the workers in batches", async () => {
    const k = 3;
    const fn = (x: number) => x * k + 1;
    await pool.map(fn, items(300), { chunkSize: 1 }); // workers up, the function sent
    const sent = pool.messagesSent, received = pool.messagesReceived;
    const out = await pool.map(fn, items(1000), { chunkSize: 1 });
    assert.deepEqual(out, items(1000).map(fn));
    const n = pool.messagesSent - sent;
    // One message per task without batches; at least 4 tasks a message on average here.
    assert.ok(n <= 250, `${n} messages carried 1000 tasks`);
    // Replies leave one by one (a reply held for the next task would wait behind it); a
    // worker still starting says it is ready meanwhile.
    const r = pool.messagesReceived - received;
    assert.ok(r >= 1000 && r <= 1002, `${r} replies`);
  });

  it("a failing task and a cancelled call in a batch fail alone", async () => {
    const pool1 = createPool({ size: 1 });
    try {
      const ran = new Int32Array(new SharedArrayBuffer(4 * 60));
      const fn = (x: number, log: Int32Array) => {
        Atomics.add(log, x, 1);
        if (x === 7) throw new RangeError(`item ${x} is not welcome`);
        return x * 2;
      };
      await pool1.submit(busy, 0);
      // Short tasks: batches from now on.
      await pool1.map((x: number) => x + 1, items(300), { chunkSize: 1 });
      const sent = pool1.messagesSent, started = pool1.started;
      // The worker is held while three maps queue behind: their tasks leave together.
      const held = pool1.submit(busy, 150);
      const c = new AbortController();
      const opts = { chunkSize: 1, maxInFlight: 10 };
      // (Item 7 ends the failing map: none of its tasks is left to cancel.)
      const a = pool1.map((x: number) => fn(x, ran), items(8), opts);
      const b = pool1.map((x: number) => fn(x + 20, ran), items(10), opts);
      const cc = pool1.map((x: number) => fn(x + 40, ran), items(3), { ...opts, signal: c.signal });
      await new Promise((r) => setTimeout(r, 20));
      c.abort(new Error("not needed"));
      await assert.rejects(a, (e: unknown) => {
        assert.ok(e instanceof RangeError, String(e));
        assert.equal(e.message, "item 7 is not welcome");
        return true;
      });
      assert.deepEqual(await b, items(10).map((x) => (x + 20) * 2));
      await assert.rejects(cc, /not needed/);
      assert.equal(await held, 150);
      // Items 0 to 7 of the failing map ran once; the cancelled map's never ran.
      assert.deepEqual(Array.from(ran.subarray(0, 8)), [1, 1, 1, 1, 1, 1, 1, 1]);
      assert.deepEqual(Array.from(ran.subarray(20, 30)), new Array(10).fill(1));
      assert.deepEqual(Array.from(ran.subarray(40, 43)), [0, 0, 0]);
      assert.equal(pool1.started, started, "no worker was stopped or started");
      // The task holding the worker; each map's first task, with its function; the others in
      // a batch or two; the skips of the cancelled map's 3 tasks (one message a task: 22).
      const n = pool1.messagesSent - sent;
      assert.ok(n <= 10, `${n} messages`);
      assert.equal(await pool1.submit(fn, 21, ran), 42);
    } finally {
      await pool1.close({ cancel: true });
    }
  });

  it("tasks that are not short go two at a time, so an idle worker takes the next", async () => {
    const pool1 = createPool({ size: 2 });
    try {
      const where = (ms: number) => {
        const g = globalThis as { workerTag?: number };
        g.workerTag ??= Math.random();
        busy(ms);
        return g.workerTag;
      };
      await pool1.map(where, [30, 30, 30, 30], { chunkSize: 1 }); // long tasks: no batches
      const ms = [600, 30, 30, 30, 30, 30, 30, 30, 30, 30];
      const out = await pool1.map(where, ms, { chunkSize: 1, maxInFlight: ms.length });
      // Behind the 600 ms task, at most the one sent ahead (in a batch, half the 30 ms tasks
      // would wait there while the other worker idles).
      const behind = out.slice(1).filter((w) => w === out[0]).length;
      assert.ok(behind <= 1, `${behind} tasks ran behind the long one`);
    } finally {
      await pool1.close({ cancel: true });
    }
  });
});
