// A NATS worker gives a task thread the tasks that are ready for it in one message, and gets
// its results back in flat lists: a map of 1000 tasks crosses to the threads in fewer
// messages than tasks, and a task of a batch that fails or is cancelled fails alone. The
// worker runs in this process (of the runtime running the file), so its count can be read.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { connect, type NatsExecutor, type NatsWorker, startWorker } from "../nats.ts";
import { HERE, KEY, type Servers, SKIP, startServers } from "./nats/helpers.ts";

const items = (n: number) => Array.from({ length: n }, (_, i) => i);

describe(`nats: tasks in batches (a ${HERE} worker of one thread)`, { skip: SKIP }, () => {
  let servers: Servers;
  let worker: NatsWorker;
  let ex: NatsExecutor;
  before(async () => {
    servers = await startServers("batch");
    worker = await startWorker({
      servers: servers.urls,
      queue: "batch",
      signingKey: KEY,
      concurrency: 1,
      log: () => {},
    });
    ex = await connect({ servers: servers.urls, signingKey: KEY, queue: "batch" });
  });
  after(async () => {
    await ex?.close({ cancel: true });
    await worker?.stop();
    await servers?.stop();
  });

  it("a map of 1000 tasks crosses to the thread in fewer messages than tasks", async () => {
    const k = 3;
    const fn = (x: number) => x * k + 1;
    await ex.map(fn, items(50), { chunkSize: 1, maxInFlight: 64, timeout: 20_000 });
    const before = worker.threadMessages;
    const out = await ex.map(fn, items(1000), { chunkSize: 1, maxInFlight: 64, timeout: 30_000 });
    assert.deepEqual(out, items(1000).map(fn));
    // One message a task each way without batches (2000); tasks that arrive together leave
    // together (results leave one by one).
    const n = worker.threadMessages - before;
    assert.ok(n < 1800, `${n} messages for 1000 tasks`);
  });

  it("a failing task and a cancelled one in a batch fail alone", async () => {
    const fn = (x: number) => {
      if (x === 7) throw new RangeError(`item ${x} is not welcome`);
      return x * 2;
    };
    const busy = (ms: number) => {
      const end = Date.now() + ms;
      while (Date.now() < end) { /* holds the thread */ }
      return ms;
    };
    await ex.submitWith({ timeout: 20_000 }, fn, 1); // the thread holds the functions
    await ex.submitWith({ timeout: 20_000 }, busy, 0);
    // The thread is held while 20 tasks arrive; one is cancelled while it waits.
    const held = ex.submitWith({ timeout: 20_000 }, busy, 400);
    await new Promise((r) => setTimeout(r, 50));
    const c = new AbortController();
    const calls = items(20).map((i) =>
      ex.submitWith({ timeout: 20_000, signal: i === 12 ? c.signal : undefined }, fn, i)
    );
    await new Promise((r) => setTimeout(r, 150));
    c.abort(new Error("twelve is not needed"));
    const out = await Promise.allSettled(calls);
    assert.equal(await held, 400);
    for (const [i, r] of out.entries()) {
      if (i === 7) {
        assert.equal(r.status, "rejected");
        const e = (r as PromiseRejectedResult).reason;
        assert.ok(e instanceof RangeError, String(e));
        assert.equal(e.message, "item 7 is not welcome");
      } else if (i === 12) {
        assert.equal(r.status, "rejected");
        assert.match(String((r as PromiseRejectedResult).reason), /twelve is not needed/);
      } else {
        assert.deepEqual(r, { status: "fulfilled", value: i * 2 }, `task ${i}`);
      }
    }
    assert.equal(await ex.submitWith({ timeout: 20_000 }, fn, 21), 42);
  });
});
