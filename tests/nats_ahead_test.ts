// Tasks sent ahead: while tasks are short, a NATS worker gives a thread its next task while
// it runs one. The thread still runs one at a time; a task sent ahead and cancelled never
// runs, and the task running is not touched; a task behind one whose thread stopped or died
// runs on the next thread. Workers of both runtimes, one thread each.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { appendFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect, type NatsExecutor, WorkerDiedError } from "../nats.ts";
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
  type WorkerProc,
} from "./nats/helpers.ts";

type G = { process: { pid: number; exit(code: number): never } };
const proc = () => (globalThis as unknown as G).process;

for (const runtime of [HERE, OTHER]) {
  describe(`nats: tasks sent ahead (${HERE} client, a ${runtime} worker of one thread)`, {
    skip: SKIP,
  }, () => {
    let servers: Servers;
    let worker: WorkerProc;
    let ex: NatsExecutor;
    const dir = mkdtempSync(join(tmpdir(), "cloudpickle-nats-ahead-"));
    before(async () => {
      servers = await startServers(`ahead-${runtime}`);
      worker = startWorker(runtime, servers.urls, ["--queue", "ahead"], {
        CLOUDPICKLE_NATS_KEY: KEY,
      });
      await worker.ready;
      ex = await connect({ servers: servers.urls, signingKey: KEY, queue: "ahead" });
    });
    after(async () => {
      await ex?.close({ cancel: true });
      await worker?.stop();
      await servers?.stop();
      rmSync(dir, { recursive: true, force: true });
    });
    /** Short tasks, so that the worker sends tasks ahead again (a long one stops it). */
    const short = async () => {
      const items = Array.from({ length: 30 }, (_, i) => i);
      const out = await ex.map((x: number) => x * 3, items, { chunkSize: 1 });
      assert.deepEqual(out, items.map((x) => x * 3));
    };
    /** (Every call has a timeout: a task lost fails the test rather than hanging it.) */
    /** Starts `first`, waits until it runs, then submits `second` (sent ahead behind it). */
    const behind = async <A, B>(
      file: string,
      first: () => Promise<A>,
      second: () => Promise<B>,
    ): Promise<[Promise<A>, Promise<B>]> => {
      await short();
      const a = first();
      a.catch(() => {});
      await until(() => lines(file).length === 1, 10_000, "the first task's start");
      const b = second();
      b.catch(() => {});
      return [a, b];
    };

    it("a task sent ahead and cancelled never runs; the one running finishes", async () => {
      const file = join(dir, "skip.txt");
      const [a, b] = await behind(
        file,
        () =>
          ex.submitWith({ timeout: 10_000 }, async (path: string) => {
            appendFileSync(path, "start first\n");
            await new Promise((r) => setTimeout(r, 1500));
            appendFileSync(path, "end first\n");
            return "first";
          }, file),
        () =>
          ex.submitWith({ timeout: 400 }, (path: string) => {
            appendFileSync(path, "start second\n");
            return "second";
          }, file),
      );
      await assert.rejects(b, (e: Error) => e.name === "TimeoutError");
      assert.equal(await a, "first");
      assert.equal(await ex.submit((x: number) => x + 1, 41), 42);
      assert.deepEqual(lines(file), ["start first", "end first"]);
    });

    it("the task running cancelled: the one sent ahead runs at once on a new thread", async () => {
      const file = join(dir, "stop.txt");
      const t0 = Date.now();
      const [a, b] = await behind(
        file,
        () =>
          ex.submitWith({ timeout: 800 }, (path: string) => {
            appendFileSync(path, "start first\n");
            const end = Date.now() + 5000; // busy: only the thread's end stops it
            while (Date.now() < end) { /* spin */ }
            return "first";
          }, file),
        () =>
          ex.submitWith({ timeout: 10_000 }, (path: string) => {
            appendFileSync(path, "start second\n");
            return "second";
          }, file),
      );
      await assert.rejects(a, (e: Error) => e.name === "TimeoutError");
      assert.equal(await b, "second");
      assert.ok(Date.now() - t0 < 4500, `the second task waited ${Date.now() - t0} ms`);
      assert.deepEqual(lines(file), ["start first", "start second"]);
    });

    it("a thread that dies: its task fails, the one sent ahead runs on the next thread", async () => {
      const file = join(dir, "die.txt");
      const [a, b] = await behind(
        file,
        () =>
          ex.submitWith({ timeout: 10_000 }, async function dies(path: string) {
            appendFileSync(path, `start first\n`);
            await new Promise((r) => setTimeout(r, 500));
            proc().exit(3);
          }, file),
        () =>
          ex.submitWith({ timeout: 10_000 }, (path: string) => {
            appendFileSync(path, "start second\n");
            return proc().pid;
          }, file),
      );
      await assert.rejects(
        a,
        (e: Error) => e instanceof WorkerDiedError && /dies/.test(e.message),
      );
      assert.equal(await b, worker.pid); // (the worker process lives on)
      assert.deepEqual(lines(file), ["start first", "start second"]);
      await short();
    });
  });
}
