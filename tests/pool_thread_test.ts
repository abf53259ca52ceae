// Thread pools (./pool, kind "thread"): real Workers of the running runtime run pickled
// closures; results, errors, shared and transferred buffers come back; dead workers are
// replaced; signals, timeouts and close behave as the executor interface says.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  CancelledError,
  createPool,
  ExecutorClosedError,
  type Pool,
  WorkerDiedError,
} from "../pool.ts";
import { runJSON } from "./helpers.ts";
import { PicklingError } from "../mod.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
// deno-lint-ignore no-explicit-any
const g = globalThis as any;

class Account {
  constructor(public owner: string, public balance: number) {}
  deposit(n: number): this {
    this.balance += n;
    return this;
  }
}

class QuotaError extends Error {
  constructor(message: string, readonly quota: number, options?: ErrorOptions) {
    super(message, options);
    this.name = "QuotaError";
  }
}

describe("thread pool", () => {
  const pool: Pool = createPool({ size: 2 });
  after(() => pool.close({ cancel: true }));

  it("runs closures over local variables (submit and map)", async () => {
    const rate = 3;
    const offset = { value: 10 };
    assert.equal(
      await pool.submit((a: number, b: number) => a * rate + b + offset.value, 2, 1),
      17,
    );
    const items = Array.from({ length: 50 }, (_, i) => i);
    assert.deepEqual(await pool.map((x: number) => x * rate, items), items.map((x) => x * 3));
    assert.deepEqual(
      await pool.map(
        async (x: number) => {
          await sleep(1);
          return x + offset.value;
        },
        [1, 2, 3],
        { chunkSize: 2 },
      ),
      [11, 12, 13],
    );
  });

  it("primitives travel exactly (-0, NaN, undefined, BigInt, lone surrogates)", async () => {
    const odd = [-0, NaN, undefined, null, 2n ** 70n, "\ud800x", true, 1.5];
    const back = await pool.map((v: unknown) => v, odd, { chunkSize: 3 });
    assert.equal(back.length, odd.length);
    for (let i = 0; i < odd.length; i++) assert.ok(Object.is(back[i], odd[i]), `item ${i}`);
    assert.ok(Object.is(await pool.submit((a: number) => a, -0), -0));
  });

  it("class instances come back with their prototype; methods run in the worker", async () => {
    const a = new Account("ann", 5);
    const back = await pool.submit((acc: Account, n: number) => acc.deposit(n), a, 7);
    assert.ok(back instanceof Account);
    assert.equal(back.balance, 12);
    assert.equal(a.balance, 5, "the caller's object is a copy");
    assert.equal(back.deposit(1).balance, 13);
    const made = await pool.submit((o: string) => new Account(o, 1), "bo");
    assert.equal(Object.getPrototypeOf(made), Account.prototype);
  });

  it("a task's error is rethrown with its class, message, cause, properties and worker stack", async () => {
    const err = await pool.submit(() => {
      throw new QuotaError("over quota", 3, { cause: new TypeError("inner") });
    }).then(() => null, (e) => e);
    assert.ok(err instanceof QuotaError, String(err));
    assert.equal(err.message, "over quota");
    assert.equal(err.quota, 3);
    assert.ok(err.cause instanceof TypeError);
    assert.equal(err.cause.message, "inner");
    assert.match(String(err.stack), /runner\.ts/, "the worker-side stack is kept");
    const plain = await pool.submit(() => {
      throw "a string";
    }).then(() => null, (e) => e);
    assert.equal(plain, "a string");
  });

  it("what cannot be pickled is a PicklingError: an argument here, a result there", async () => {
    await assert.rejects(
      pool.submit((w: WeakRef<object>) => w, new WeakRef({})),
      PicklingError,
    );
    const err = await pool.submit(() => new WeakRef({})).then(() => null, (e) => e);
    assert.ok(err instanceof PicklingError, String(err));
    assert.match(err.message, /WeakRef/);
    assert.equal(await pool.submit(() => "still here"), "still here");
  });

  it("a closure returned by a task runs in the next task, and here", async () => {
    const counter = await pool.submit((start: number) => {
      let n = start;
      return () => ++n;
    }, 5);
    assert.deepEqual(await pool.submit((f: () => number) => [f(), f()], counter), [6, 7]);
    assert.equal(counter(), 6, "the worker ran a copy");
    // Made by loaded code in the worker, pickled again there, loaded here.
    const twice = await pool.submit((f: () => number) => () => f() * 2, counter);
    assert.equal(twice(), 14);
  });

  it("SharedArrayBuffers are shared with the workers", async () => {
    const sab = new SharedArrayBuffer(16);
    const view = new Int32Array(sab);
    const back = await pool.submit((v: Int32Array) => {
      Atomics.add(v, 0, 41);
      return { v, sub: new Uint8Array(v.buffer, 4, 4) };
    }, view);
    assert.equal(view[0], 41, "the worker wrote to the caller's memory");
    // The same memory comes back (postMessage gives a new SharedArrayBuffer object over it).
    back.v[1] = 5;
    assert.equal(view[1], 5);
    assert.equal(back.sub.buffer, back.v.buffer, "views of one buffer share it after loading");
    assert.equal(back.sub.byteOffset, 4);
    back.sub[0] = 7;
    assert.equal(view[1], 7);
  });

  it("ArrayBuffers are copied by default", async () => {
    const bytes = new Uint8Array([1, 2, 3]);
    const out = await pool.submit((b: Uint8Array) => {
      b[0] = 9;
      return b;
    }, bytes);
    assert.deepEqual([...out], [9, 2, 3]);
    assert.deepEqual([...bytes], [1, 2, 3]);
    assert.equal(bytes.buffer.byteLength, 3, "not detached");
  });

  it("a worker that exits mid-task is reported and replaced", async () => {
    const before = pool.started;
    const err = await pool.submit(() => g.process.exit(3)).then(() => null, (e) => e);
    assert.ok(err instanceof WorkerDiedError, String(err));
    assert.match(err.message, /died while running the task: it exited \(code 3\)/);
    assert.deepEqual(await pool.map((x: number) => x + 1, [1, 2, 3, 4]), [2, 3, 4, 5]);
    assert.ok(pool.started > before, "a new worker was started");
  });

  it("an error thrown at a Worker's top level kills the worker: reported, not hung on", async () => {
    const err = await pool.submit(() => {
      setTimeout(() => {
        throw new Error("thrown outside the task");
      }, 1);
      return new Promise(() => {});
    }).then(() => null, (e) => e);
    assert.ok(err instanceof WorkerDiedError, String(err));
    assert.match(err.message, /top level[\s\S]*thrown outside the task/);
    assert.equal(await pool.submit(() => "alive"), "alive");
  });

  it("AbortSignal: a running task is stopped (its worker replaced), a queued one dropped", async () => {
    const ac = new AbortController();
    const running = pool.submitWith({ signal: ac.signal }, () => new Promise(() => {}));
    const t0 = performance.now();
    setTimeout(() => ac.abort(), 30);
    await assert.rejects(running, (e: Error) => e.name === "AbortError");
    assert.ok(performance.now() - t0 < 3000);
    const pre = new AbortController();
    pre.abort(new Error("never mind"));
    await assert.rejects(pool.submitWith({ signal: pre.signal }, () => 1), /never mind/);
    assert.equal(await pool.submit(() => 2), 2);
  });

  it("timeout: the call fails with a TimeoutError", async () => {
    const p = pool.submitWith({ timeout: 50 }, () => new Promise((r) => setTimeout(r, 10_000)));
    await assert.rejects(p, (e: DOMException) => e.name === "TimeoutError");
    await assert.rejects(
      pool.map(() => new Promise(() => {}), [1, 2, 3], { timeout: 50 }),
      (e: DOMException) => e.name === "TimeoutError",
    );
    assert.equal(await pool.submit(() => 3), 3);
  });

  it("imap yields in input order, or as completed with ordered: false", async () => {
    const delays = [300, 200, 100, 0];
    const fn = async (i: number) => {
      await new Promise((r) => setTimeout(r, delays[i]));
      return i;
    };
    const p4 = createPool({ size: 4 });
    try {
      const ordered: number[] = [];
      for await (const r of p4.imap(fn, [0, 1, 2, 3], { chunkSize: 1 })) ordered.push(r);
      assert.deepEqual(ordered, [0, 1, 2, 3]);
      const unordered: number[] = [];
      for await (const r of p4.imap(fn, [0, 1, 2, 3], { chunkSize: 1, ordered: false })) {
        unordered.push(r);
      }
      assert.equal(unordered[0], 3, `fastest first: ${unordered}`);
      assert.deepEqual([...unordered].sort(), [0, 1, 2, 3]);
    } finally {
      await p4.close();
    }
  });

  it("backpressure: no more than maxInFlight chunks are read ahead of the consumer", async () => {
    let pulled = 0;
    async function* source() {
      for (let i = 0; i < 30; i++) {
        pulled++;
        yield i;
      }
    }
    let received = 0;
    let most = 0;
    const seen: number[] = [];
    for await (
      const r of pool.imap((x: number) => x * 2, source(), { chunkSize: 2, maxInFlight: 3 })
    ) {
      received++;
      seen.push(r);
      most = Math.max(most, pulled - received);
      await sleep(2);
    }
    assert.deepEqual(seen, Array.from({ length: 30 }, (_, i) => i * 2));
    assert.ok(most <= 3 * 2, `read ${most} items ahead of the consumer`);
    assert.ok(most >= 2, "it did read ahead");
  });

  it("leaving an imap loop early stops reading the input", async () => {
    let pulled = 0;
    function* source() {
      for (let i = 0; i < 1000; i++) {
        pulled++;
        yield i;
      }
    }
    for await (const r of pool.imap((x: number) => x, source(), { maxInFlight: 2 })) {
      if (r === 3) break;
    }
    assert.ok(pulled < 10, `pulled ${pulled}`);
  });

  it("map rejects with the first failing item's error", async () => {
    await assert.rejects(
      pool.map(
        (x: number) => {
          if (x === 7) throw new RangeError(`bad item ${x}`);
          return x;
        },
        Array.from({ length: 20 }, (_, i) => i),
        { chunkSize: 3 },
      ),
      (e: Error) => e instanceof RangeError && e.message === "bad item 7",
    );
  });
});

describe("thread pool: options, transfer, retries, close", () => {
  it("transfer: an argument's buffer is detached in the caller; results come back", async () => {
    const pool = createPool({ size: 1, transfer: true });
    try {
      const bytes = new Uint8Array([1, 2, 3, 4]);
      const out = await pool.submit((b: Uint8Array) => b.map((x) => x * 2), bytes);
      assert.deepEqual([...out], [2, 4, 6, 8]);
      assert.equal(bytes.buffer.byteLength, 0, "the caller's buffer is detached");
      assert.equal(bytes.length, 0);
    } finally {
      await pool.close();
    }
  });

  it("transfer: results are copied, so a worker keeps the buffers it returns views of", async () => {
    const pool = createPool({ size: 1, transfer: true });
    try {
      const table = new Uint8Array([10, 11, 12, 13, 14, 15]);
      const views = await pool.map((i: number) => table.subarray(i, i + 1), [0, 1, 2, 3], {
        chunkSize: 1,
      });
      assert.deepEqual(views.map((v) => v[0]), [10, 11, 12, 13]);
      const kept = (n: number) => {
        const held = g.heldByTheWorker ??= new Uint8Array(32);
        return held.subarray(0, n);
      };
      const lengths = [];
      for (const n of [32, 16, 8]) lengths.push((await pool.submit(kept, n)).length);
      assert.deepEqual(lengths, [32, 16, 8]);
      assert.equal(await pool.submit(() => g.heldByTheWorker.byteLength), 32);
    } finally {
      await pool.close();
    }
  });

  it("transfer with retries is refused with a TypeError", () => {
    assert.throws(
      () => createPool({ transfer: true, retries: 1 }),
      (e: Error) =>
        e instanceof TypeError && /transfer and retries exclude each other/.test(e.message),
    );
    assert.throws(() => createPool({ size: 0 }), TypeError);
    assert.throws(() => createPool({ retries: 2 }), TypeError);
    assert.throws(() => createPool({ kind: "thread", runtime: "node" as "deno" }), TypeError);
  });

  it("retries: 1 runs a task again on a new worker after its worker died", async () => {
    const pool = createPool({ size: 1, retries: 1 });
    try {
      const runs = new Int32Array(new SharedArrayBuffer(4));
      const r = await pool.submit((n: Int32Array) => {
        if (Atomics.add(n, 0, 1) === 0) g.process.exit(1);
        return "second run";
      }, runs);
      assert.equal(r, "second run");
      assert.equal(runs[0], 2);
      // Twice dead: fails, naming the attempts.
      await assert.rejects(
        pool.submit(() => g.process.exit(2)),
        (e: Error) => e instanceof WorkerDiedError && /ran 2 times/.test(e.message),
      );
    } finally {
      await pool.close();
    }
  });

  it("close() waits for running tasks, then refuses new ones", async () => {
    const pool = createPool({ size: 1 });
    let done = false;
    const p = pool.submit(() => new Promise((r) => setTimeout(() => r("late"), 150))).then(
      (v) => {
        done = true;
        return v;
      },
    );
    await sleep(10);
    await pool.close();
    assert.ok(done, "the task finished before close() resolved");
    assert.equal(await p, "late");
    await assert.rejects(pool.submit(() => 1), ExecutorClosedError);
    assert.throws(() => pool.imap((x: number) => x, [1]), ExecutorClosedError);
  });

  it("close({ cancel: true }) fails running and queued tasks at once", async () => {
    const pool = createPool({ size: 1 });
    const running = pool.submit(() => new Promise(() => {}));
    const queued = pool.submit(() => 1);
    await sleep(20);
    const t0 = performance.now();
    await pool.close({ cancel: true });
    await assert.rejects(running, CancelledError);
    await assert.rejects(queued, CancelledError);
    assert.ok(performance.now() - t0 < 2000);
  });

  it("await using closes the pool at the end of the block", async () => {
    let pool: Pool;
    {
      await using p = createPool({ size: 1 });
      pool = p;
      const k = 4;
      assert.equal(await p.submit(() => k * k), 16);
    }
    assert.ok(pool.closed);
    await assert.rejects(pool.submit(() => 1), ExecutorClosedError);
  });
});

describe("thread pool on Deno without --allow-sys", () => {
  const isDeno = typeof g.Deno === "object";
  it("plain functions and closures made by tasks work; a closure over locals names closure()", {
    skip: !isDeno && "a Deno permission",
  }, () => {
    const out = runJSON("deno", ["run", "--allow-read", "--allow-env", "tests/pool/no_sys.ts"]);
    assert.equal(out.plain, 3);
    assert.equal(out.ret, 2);
    assert.match(
      String(out.closure),
      /^PicklingError: .*free variable 'k'.*--allow-sys.*closure\(\{ k \}, fn\)/,
    );
  });
});

describe("imap that is never iterated", () => {
  it("does not hold close() up", async () => {
    const pool = createPool({ size: 1 });
    pool.imap((x: number) => x, [1, 2]);
    await pool.close();
    assert.ok(pool.closed);
  });
});
