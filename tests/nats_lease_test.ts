// A worker follows the queue as it was made: a worker started without --ack-wait on a queue
// whose client chose a shorter lease keeps its tasks by heartbeats at that lease (a task runs
// once); and a task sent ahead to a worker's thread and then cancelled leaves its function
// with the thread, so later tasks of that function run there.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { appendFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type process from "node:process";
import { connect, type NatsExecutor } from "../nats.ts";
import {
  HERE,
  KEY,
  lines,
  OTHER,
  type Servers,
  SKIP,
  startServers,
  startWorker,
  type WorkerProc,
} from "./nats/helpers.ts";

const ACK_WAIT = 1000;
const proc = () => (globalThis as unknown as { process: typeof process }).process;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe(`nats: leases and cancelled tasks (${HERE} client)`, { skip: SKIP }, () => {
  let servers: Servers;
  const workers: WorkerProc[] = [];
  const pools: NatsExecutor[] = [];
  const dir = mkdtempSync(join(tmpdir(), "cloudpickle-nats-lease-"));
  const env = { CLOUDPICKLE_NATS_KEY: KEY };
  before(async () => {
    servers = await startServers("lease");
  });
  after(async () => {
    for (const p of pools) await p.close({ cancel: true });
    await Promise.all(workers.map((w) => w.stop()));
    await servers?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("a worker without --ack-wait heartbeats at the lease of the queue it joins", async () => {
    // The client makes the queue with a 1 s lease; the worker would default to 30 s.
    const ex = await connect({
      servers: servers.urls,
      signingKey: KEY,
      queue: "lease",
      ackWait: ACK_WAIT,
    });
    pools.push(ex);
    const w = startWorker(OTHER, servers.urls, ["--queue", "lease"], env);
    workers.push(w);
    await w.ready;
    const file = join(dir, "lease.txt");
    const r = await ex.submit(
      (path: string, ms: number) => {
        appendFileSync(path, `start ${proc().pid}\n`);
        const end = Date.now() + ms;
        while (Date.now() < end) { /* spin: its thread answers nothing meanwhile */ }
        return "done";
      },
      file,
      3 * ACK_WAIT,
    );
    assert.equal(r, "done");
    // A redelivered copy would start once the first run frees the thread.
    await sleep(2 * ACK_WAIT);
    assert.equal(lines(file).length, 1, "the task ran once");
  });

  it("a task sent ahead to a busy thread and cancelled: its function still runs later", async () => {
    const w = startWorker(
      HERE,
      servers.urls,
      ["--queue", "ahead", "--ack-wait", String(ACK_WAIT)],
      env,
    );
    workers.push(w);
    await w.ready;
    const ex = await connect({
      servers: servers.urls,
      signingKey: KEY,
      queue: "ahead",
      ackWait: ACK_WAIT,
    });
    pools.push(ex);
    const k = 7;
    const times = (x: number) => x * k;
    assert.equal(await ex.submit((x: number) => x, 1), 1);
    const running = ex.submit((ms: number) => {
      const end = Date.now() + ms;
      while (Date.now() < end) { /* spin */ }
      return "long";
    }, 1500);
    await sleep(300);
    const ac = new AbortController();
    const ahead = ex.submitWith({ signal: ac.signal }, times, 2);
    await sleep(300);
    ac.abort();
    await assert.rejects(ahead, (e: Error) => e.name === "AbortError");
    assert.equal(await running, "long");
    assert.equal(await ex.submit(times, 3), 21);
    assert.equal(await ex.submit((x: number) => x * k, 4), 28);
  });
});
