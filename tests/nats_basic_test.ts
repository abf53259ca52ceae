// The NATS executor on one server: map, submit, errors, both runtimes on either side,
// pickles above the server's payload limit, timeouts, and starting without a key.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { connect, type NatsExecutor, TaskRefusedError } from "../nats.ts";
import {
  HERE,
  KEY,
  OTHER,
  type Servers,
  SKIP,
  startServers,
  startWorker,
  type WorkerProc,
} from "./nats/helpers.ts";

describe("nats: options", () => {
  it("a client without a key refuses to start unless insecure", async () => {
    await assert.rejects(
      connect({ servers: "nats://127.0.0.1:1" }),
      (e: Error) =>
        e instanceof TypeError && /CLOUDPICKLE_NATS_KEY/.test(e.message) &&
        /insecure: true/.test(e.message),
    );
    await assert.rejects(
      connect({ servers: "nats://127.0.0.1:1", signingKey: "short" }),
      /16 or more/,
    );
  });

  it("a worker without a key refuses to start (the command users type)", async () => {
    const w = startWorker(HERE, ["nats://127.0.0.1:1"]);
    assert.equal(await w.exited, "1");
    assert.match(w.stderr(), /needs the key that signs tasks and results/);
    assert.match(w.stderr(), /--insecure/);
  });
});

describe(`nats: one server, a ${HERE} client and a ${OTHER} worker`, { skip: SKIP }, () => {
  let servers: Servers;
  let worker: WorkerProc;
  let pool: NatsExecutor;
  before(async () => {
    servers = await startServers("basic", 1, { maxPayload: 256 * 1024 });
    worker = startWorker(OTHER, servers.urls, ["--concurrency", "2", "--queue", "basic"], {
      CLOUDPICKLE_NATS_KEY: KEY,
    });
    await worker.ready;
    pool = await connect({ servers: servers.urls, signingKey: KEY, queue: "basic" });
  });
  after(async () => {
    await pool?.close({ cancel: true });
    await worker?.stop();
    await servers?.stop();
  });

  it("map runs a closure on the other runtime, results in order", async () => {
    const rate = 3;
    const where = () => (globalThis as { Deno?: unknown }).Deno !== undefined ? "deno" : "bun";
    const out = await pool.map((x: number) => [x * rate, where()], [1, 2, 3, 4, 5, 6, 7]);
    assert.deepEqual(out, [1, 2, 3, 4, 5, 6, 7].map((x) => [x * rate, OTHER]));
  });

  it("submit with arguments; imap unordered yields every result", async () => {
    assert.equal(await pool.submit((a: number, b: string) => `${b}${a + 1}`, 41, "n="), "n=42");
    const seen: number[] = [];
    for await (
      const r of pool.imap(
        async (x: number) => {
          await new Promise((r) => setTimeout(r, (5 - x) * 20));
          return x * x;
        },
        [1, 2, 3, 4],
        { ordered: false, chunkSize: 1 },
      )
    ) seen.push(r);
    assert.deepEqual(seen.sort((a, b) => a - b), [1, 4, 9, 16]);
  });

  it("a task's error is rethrown with its class, message, stack and cause", async () => {
    class QuotaError extends Error {
      constructor(message: string, options?: ErrorOptions) {
        super(message, options);
        this.name = "QuotaError";
      }
    }
    const err = await pool.submit(() => {
      throw new QuotaError("over quota", { cause: new RangeError("limit 3") });
    }).then(() => undefined, (e) => e as Error & { cause: Error; stack: string });
    assert.ok(err instanceof Error);
    assert.equal(err.constructor.name, "QuotaError");
    assert.equal(err.name, "QuotaError");
    assert.equal(err.message, "over quota");
    assert.ok(err.cause instanceof RangeError);
    assert.equal(err.cause.message, "limit 3");
    assert.match(err.stack, /over quota/);
    assert.match(err.stack, /runner\.ts/); // the worker's frames are kept
  });

  it("pickles above the server's payload limit travel through the object store", async () => {
    const big = new Uint8Array(600 * 1024).map((_, i) => i % 251);
    const [sum, back] = await pool.submit((b: Uint8Array) => {
      let s = 0;
      for (const x of b) s += x;
      return [s, b.map((x) => 255 - x)] as const;
    }, big);
    let expect = 0;
    for (const x of big) expect += x;
    assert.equal(sum, expect);
    assert.ok(back instanceof Uint8Array);
    assert.equal(back.length, big.length);
    assert.equal(back[1000], 255 - big[1000]);
  });

  it("a timeout fails the call and frees the worker's thread", async () => {
    await assert.rejects(
      pool.submitWith({ timeout: 300 }, () => new Promise(() => {})),
      (e: Error) => e.name === "TimeoutError",
    );
    await assert.rejects(
      pool.submitWith({ timeout: 300 }, () => new Promise(() => {})),
      (e: Error) => e.name === "TimeoutError",
    );
    // Both threads were stopped by the cancellation: new tasks still run.
    assert.deepEqual(await pool.map((x: number) => x + 1, [1, 2, 3], { timeout: 10_000 }), [
      2,
      3,
      4,
    ]);
  });

  it("an insecure client's tasks are refused by a worker with a key", async () => {
    const bare = await connect({ servers: servers.urls, insecure: true, queue: "basic" });
    try {
      await assert.rejects(
        bare.submit(() => 1),
        (e: Error) => e instanceof TaskRefusedError && /signature/.test(e.message),
      );
    } finally {
      await bare.close();
    }
  });
});
