// Redelivery: a worker killed (kill -9) mid-task, a long task that keeps its lease by
// heartbeats (also on a worker started without --ack-wait: it follows the queue's lease), a
// task sent ahead to a busy thread and cancelled (its function stays with the thread), and a
// task that kills every worker it reaches (it fails after maxDeliver).
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { appendFileSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { connect, type NatsExecutor, TaskLostError } from "../nats.ts";
import {
  HERE,
  KEY,
  lines,
  OTHER,
  type Servers,
  SKIP,
  startServers,
  startWorker,
  until,
  within,
  type WorkerProc,
} from "./nats/helpers.ts";

const ACK_WAIT = 1000;
/** The worker's process object (a global on both runtimes, looked up where the task runs). */
const proc = () => (globalThis as unknown as { process: typeof process }).process;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe(`nats: redelivery (${HERE} client)`, { skip: SKIP }, () => {
  let servers: Servers;
  const workers: WorkerProc[] = [];
  const pools: NatsExecutor[] = [];
  const dir = mkdtempSync(join(tmpdir(), "cloudpickle-nats-redelivery-"));
  const env = { CLOUDPICKLE_NATS_KEY: KEY };
  const worker = (runtime: "deno" | "bun", queue: string, maxDeliver: number) => {
    const w = startWorker(runtime, servers.urls, [
      "--queue",
      queue,
      "--ack-wait",
      String(ACK_WAIT),
      "--max-deliver",
      String(maxDeliver),
    ], env);
    workers.push(w);
    return w;
  };
  const pool = async (queue: string, maxDeliver: number) => {
    const p = await connect({
      servers: servers.urls,
      signingKey: KEY,
      queue,
      ackWait: ACK_WAIT,
      maxDeliver,
    });
    pools.push(p);
    return p;
  };
  before(async () => {
    servers = await startServers("redelivery");
  });
  after(async () => {
    for (const p of pools) await p.close({ cancel: true });
    await Promise.all(workers.map((w) => w.stop()));
    await servers?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("kill -9 of a worker mid-task: the task completes once, on another worker", async () => {
    const a = worker(HERE, "kill", 5);
    const b = worker(OTHER, "kill", 5);
    await Promise.all([a.ready, b.ready]);
    const ex = await pool("kill", 5);
    const file = join(dir, "kill.txt");
    const call = ex.submit(async (path: string) => {
      appendFileSync(path, `start ${proc().pid}\n`);
      await new Promise((r) => setTimeout(r, 1500));
      appendFileSync(path, `end ${proc().pid}\n`);
      return proc().pid;
    }, file);
    await until(() => lines(file).length === 1, 10_000, "the task's start");
    const victim = Number(lines(file)[0].split(" ")[1]);
    assert.ok(victim === a.pid || victim === b.pid);
    process.kill(victim, "SIGKILL");
    const pid = await call;
    const other = victim === a.pid ? b.pid : a.pid;
    assert.equal(pid, other);
    assert.deepEqual(lines(file), [`start ${victim}`, `start ${other}`, `end ${other}`]);
  });

  it("a task longer than ackWait keeps its lease by heartbeats (runs once)", async () => {
    const a = worker(HERE, "long", 5);
    const b = worker(OTHER, "long", 5);
    await Promise.all([a.ready, b.ready]);
    const ex = await pool("long", 5);
    const file = join(dir, "long.txt");
    const ms = 3 * ACK_WAIT;
    const r = await ex.submit(
      (path: string, ms: number) => {
        appendFileSync(path, `start ${proc().pid}\n`);
        const end = Date.now() + ms; // busy: its thread answers nothing meanwhile
        while (Date.now() < end) { /* spin */ }
        return "done";
      },
      file,
      ms,
    );
    assert.equal(r, "done");
    assert.equal(lines(file).length, 1);
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

  it("a task that kills every worker fails after maxDeliver, naming it", async () => {
    const ws = [worker(HERE, "poison", 2), worker(OTHER, "poison", 2), worker(HERE, "poison", 2)];
    await Promise.all(ws.map((w) => w.ready));
    const ex = await pool("poison", 2);
    const file = join(dir, "poison.txt");
    const started = Date.now();
    await assert.rejects(
      ex.submit(function poison(path: string) {
        appendFileSync(path, `start ${proc().pid}\n`);
        proc().kill(proc().pid, "SIGKILL");
      }, file),
      (e: Error) =>
        e instanceof TaskLostError && /poison/.test(e.message) &&
        /delivered 2 times/.test(e.message),
    );
    assert.equal(lines(file).length, 2);
    assert.ok(Date.now() - started < 15_000);
    // The survivor still runs tasks.
    assert.equal(await ex.submit(() => "alive"), "alive");
  });

  it("a client away when the server gave up on its task finds out once it reconnects", async () => {
    const ws = [worker(HERE, "lost", 2), worker(OTHER, "lost", 2), worker(HERE, "lost", 2)];
    await Promise.all(ws.map((w) => w.ready));
    const ex = await pool("lost", 2);
    // Away: the advisory of maximum deliveries is not heard (as while disconnected).
    (ex as unknown as { advisories: { unsubscribe(): void } }).advisories.unsubscribe();
    const file = join(dir, "lost.txt");
    const call = ex.submit(function lost(path: string) {
      appendFileSync(path, `start ${proc().pid}\n`);
      proc().kill(proc().pid, "SIGKILL");
    }, file);
    call.catch(() => {});
    await until(() => existsSync(file) && lines(file).length === 2, 15_000, "two deliveries");
    await new Promise((r) => setTimeout(r, 2 * ACK_WAIT + 500)); // the server gives up
    await (ex as unknown as { nc: { reconnect(): Promise<void> } }).nc.reconnect();
    await within(
      15_000,
      "the lost task's error after the reconnection",
      assert.rejects(
        call,
        (e: Error) =>
          e instanceof TaskLostError && /lost/.test(e.message) &&
          /delivered 2 times/.test(e.message),
      ),
    );
    assert.equal(await ex.submit(() => "alive"), "alive");
  });
});
