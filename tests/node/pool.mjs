// ./pool on Node, from the npm build (dist/npm): thread workers are node:worker_threads Workers
// (closures, classes, errors with their class and cause, process.exit mid-task, shared and
// transferred buffers, the code cache, close), and subprocess workers of Deno, Bun and Node
// started from a Node program.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { registerPickleByValue, unregisterPickleByValue } from "../../dist/npm/mod.js";
import { createPool, ExecutorClosedError, WorkerDiedError } from "../../dist/npm/pool.js";
import * as shapes from "./fixtures/shapes.mjs";

const where = () => ({
  deno: typeof globalThis.Deno,
  bun: typeof globalThis.Bun,
  node: process.versions.node,
  thread: process.getBuiltinModule("node:worker_threads").threadId,
  pid: process.pid,
});

class Account {
  constructor(owner, balance) {
    this.owner = owner;
    this.balance = balance;
  }
  deposit(n) {
    this.balance += n;
    return this;
  }
  static open(owner) {
    return new Account(owner, 0);
  }
}

class QuotaError extends Error {
  constructor(message, quota, options) {
    super(message, options);
    this.name = "QuotaError";
    this.quota = quota;
  }
}

/** A function with a long source, so that sending it is easy to see in bytesSent. */
function makeTask(k) {
  const pad = "-".repeat(10);
  return (x) => {
    // The source of this function is long on purpose: ------------------------------------
    // -------------------------------------------------------------------------------------
    // -------------------------------------------------------------------------------------
    // -------------------------------------------------------------------------------------
    // -------------------------------------------------------------------------------------
    // -------------------------------------------------------------------------------------
    // -------------------------------------------------------------------------------------
    // -------------------------------------------------------------------------------------
    // -------------------------------------------------------------------------------------
    // -------------------------------------------------------------------------------------
    // -------------------------------------------------------------------------------------
    // -------------------------------------------------------------------------------------
    if (x < -1) return pad;
    return x * k.n + 1;
  };
}

describe("node thread pool", { timeout: 60_000 }, () => {
  const pool = createPool({ size: 2 });
  after(() => pool.close({ cancel: true }));

  it("its workers are node:worker_threads threads of this Node process", async () => {
    assert.equal(pool.kind, "thread");
    assert.equal(pool.runtime, "node");
    const w = await pool.submit(where);
    assert.deepEqual(
      { ...w, thread: w.thread > 0 },
      {
        deno: "undefined",
        bun: "undefined",
        node: process.versions.node,
        thread: true,
        pid: process.pid,
      },
    );
  });

  it("submit and map run closures over local variables", async () => {
    const rate = 3;
    const offset = { value: 10 };
    const table = new Map([["a", 2]]);
    assert.equal(await pool.submit((a, b) => a * rate + b + offset.value, 2, 1), 17);
    assert.deepEqual(await pool.map((x) => x * rate + (table.get("a") ?? 0), [1, 2, 3]), [
      5,
      8,
      11,
    ]);
    const items = Array.from({ length: 50 }, (_, i) => i);
    assert.deepEqual(
      await pool.map((x) => x * rate, items, { chunkSize: 7 }),
      items.map((x) => x * 3),
    );
  });

  it("class instances come back with their prototype; methods run in the worker", async () => {
    const a = new Account("ann", 5);
    const back = await pool.submit((acc, n) => acc.deposit(n), a, 7);
    assert.ok(back instanceof Account);
    assert.equal(back.balance, 12);
    assert.equal(a.balance, 5, "the caller's instance is not touched");
    assert.equal(back.deposit(1).balance, 13);
    const opened = await pool.submit(Account.open, "bo");
    assert.ok(opened instanceof Account);
    assert.equal(opened.owner, "bo");
    const deposit = Account.prototype.deposit;
    const viaMethod = await pool.submit((d, acc) => d.call(acc, 4), deposit, new Account("cy", 1));
    assert.ok(viaMethod instanceof Account);
    assert.equal(viaMethod.balance, 5);
  });

  it("a task's error is rethrown with its class, message, cause and worker-side stack", async () => {
    const err = await pool.submit(() => {
      throw new QuotaError("over quota", 3, { cause: new RangeError("too many") });
    }).then(() => null, (e) => e);
    assert.ok(err instanceof QuotaError, String(err));
    assert.ok(err instanceof Error);
    assert.equal(err.message, "over quota");
    assert.equal(err.quota, 3);
    assert.ok(err.cause instanceof RangeError);
    assert.equal(err.cause.message, "too many");
    assert.match(String(err.stack), /runner\.js/, "the worker-side stack is kept");
  });

  it("a closure made by a task (pickled there through node:inspector) runs here and in the next task", async () => {
    const counter = await pool.submit((start) => {
      let n = start;
      return { inc: () => ++n, get: () => n };
    }, 5);
    assert.equal(counter.inc(), 6);
    assert.equal(counter.get(), 6, "its two functions share one scope here");
    assert.deepEqual(await pool.submit((c) => [c.inc(), c.inc(), c.get()], counter), [7, 8, 8]);
  });

  it("SharedArrayBuffers are shared with the workers", async () => {
    const view = new Int32Array(new SharedArrayBuffer(16));
    const back = await pool.submit((v) => {
      Atomics.add(v, 0, 41);
      return v;
    }, view);
    assert.equal(view[0], 41, "the worker wrote to the caller's memory");
    back[1] = 5;
    assert.equal(view[1], 5, "the result is a view of the same memory");
  });

  it("ArrayBuffers are copied by default", async () => {
    const bytes = new Uint8Array([1, 2, 3]);
    const out = await pool.submit((b) => {
      b[0] = 9;
      return b;
    }, bytes);
    assert.deepEqual([...out], [9, 2, 3]);
    assert.deepEqual([...bytes], [1, 2, 3]);
    assert.equal(bytes.buffer.byteLength, 3, "not detached");
  });

  it("a worker that calls process.exit mid-task is reported and replaced", async () => {
    const before = pool.started;
    const err = await pool.submit(() => process.exit(3)).then(() => null, (e) => e);
    assert.ok(err instanceof WorkerDiedError, String(err));
    assert.match(
      err.message,
      /a node thread worker died while running the task: it exited \(code 3\)/,
    );
    assert.deepEqual(await pool.map((x) => x + 1, [1, 2, 3, 4]), [2, 3, 4, 5]);
    assert.ok(pool.started > before, "a new worker was started");
  });

  it("an error thrown outside the task (a timer) kills the worker: reported, not hung on", async () => {
    const err = await pool.submit(() => {
      setTimeout(() => {
        throw new Error("thrown outside the task");
      }, 1);
      return new Promise(() => {});
    }).then(() => null, (e) => e);
    assert.ok(err instanceof WorkerDiedError, String(err));
    assert.match(err.message, /top level: thrown outside the task/);
    assert.equal(await pool.submit(() => "alive"), "alive");
  });

  it('a thread pool of another runtime is refused with a TypeError naming kind: "process"', () => {
    assert.throws(() => createPool({ runtime: "deno" }), /kind: "process"/);
  });
});

describe("node thread pool: transfer, retries, code cache, close", { timeout: 60_000 }, () => {
  it("transfer: an argument's buffer is detached in the caller; results come back", async () => {
    const pool = createPool({ size: 1, transfer: true });
    try {
      const bytes = new Uint8Array([1, 2, 3]);
      const out = await pool.submit((b) => b.map((x) => x * 2), bytes);
      assert.deepEqual([...out], [2, 4, 6]);
      assert.equal(bytes.buffer.byteLength, 0, "the input was transferred, not copied");
      assert.ok(bytes.buffer.detached);
    } finally {
      await pool.close();
    }
  });

  it("retries: 1 runs a task again on a new worker after its worker died", async () => {
    const pool = createPool({ size: 1, retries: 1 });
    try {
      const runs = new Int32Array(new SharedArrayBuffer(4));
      const r = await pool.submit((n) => {
        if (Atomics.add(n, 0, 1) === 0) process.exit(1);
        return "second time";
      }, runs);
      assert.equal(r, "second time");
      assert.equal(runs[0], 2);
      assert.equal(pool.started, 2);
    } finally {
      await pool.close();
    }
  });

  it("the function's source travels once per worker, then by hash", async () => {
    const pool = createPool({ size: 2 });
    try {
      const k = { n: 2 };
      const task = makeTask(k);
      const sourceLength = String(task).length;
      assert.ok(sourceLength > 1000, `source of ${sourceLength} chars`);
      const n = 400;
      const out = await pool.map(task, Array.from({ length: n }, (_, i) => i), { chunkSize: 1 });
      assert.equal(out[n - 1], (n - 1) * 2 + 1);
      const sent = pool.bytesSent;
      assert.ok(sent < 4 * sourceLength + n * 150, `${sent} bytes sent for ${n} tasks`);
      k.n = 5;
      assert.equal(await pool.submit(task, 2), 11, "changed captured values travel");
    } finally {
      await pool.close();
    }
  });

  it("a module registered by value: its classes come back as the caller's", async () => {
    registerPickleByValue(shapes);
    const pool = createPool({ size: 1 });
    try {
      const v = await pool.submit(shapes.scale, new shapes.Vec(1, 2), 3);
      assert.ok(v instanceof shapes.Vec);
      assert.equal(v.norm2(), 45);
    } finally {
      unregisterPickleByValue(shapes);
      await pool.close();
    }
  });

  it("await using closes the pool at the end of the block; close() waits for running tasks", async () => {
    let pool;
    {
      await using p = createPool({ size: 1 });
      pool = p;
      const k = 4;
      assert.equal(await p.submit(() => k * k), 16);
    }
    await assert.rejects(pool.submit(() => 1), ExecutorClosedError);
    const other = createPool({ size: 1 });
    const late = other.submit(() => new Promise((r) => setTimeout(() => r("late"), 100)));
    await new Promise((r) => setTimeout(r, 20));
    await other.close();
    assert.equal(await late, "late");
    await assert.rejects(other.submit(() => 1), ExecutorClosedError);
  });
});

for (const runtime of ["deno", "bun", "node"]) {
  describe(`process pool started from Node: ${runtime} workers`, { timeout: 60_000 }, () => {
    const pool = createPool({ size: 1, kind: "process", runtime });
    after(() => pool.close({ cancel: true }));

    it("runs closures in a subprocess of that runtime; buffers are copied", async () => {
      assert.equal(pool.runtime, runtime);
      const w = await pool.submit(where);
      const is = w.deno === "object" ? "deno" : w.bun === "object" ? "bun" : "node";
      assert.equal(is, runtime);
      assert.notEqual(w.pid, process.pid);
      const base = 100;
      assert.deepEqual(await pool.map((x) => x + base, [1, 2, 3]), [101, 102, 103]);
      const view = new Int32Array(new SharedArrayBuffer(4));
      await pool.submit((v) => (v[0] = 9), view);
      assert.equal(view[0], 0, "a SharedArrayBuffer is copied to a subprocess");
    });

    it("classes and errors come back with their class and cause", async () => {
      const back = await pool.submit((acc) => acc.deposit(1), new Account("dee", 1));
      assert.ok(back instanceof Account);
      assert.equal(back.balance, 2);
      const err = await pool.submit(() => {
        throw new QuotaError("no luck", 42, { cause: new RangeError("deep") });
      }).then(() => null, (e) => e);
      assert.ok(err instanceof QuotaError, String(err));
      assert.equal(err.quota, 42);
      assert.ok(err.cause instanceof RangeError);
    });

    it("a worker that exits mid-task is reported and replaced", async () => {
      const err = await pool.submit(() => process.exit(4)).then(() => null, (e) => e);
      assert.ok(err instanceof WorkerDiedError, String(err));
      assert.match(err.message, new RegExp(`a ${runtime} process worker died .*code 4`));
      assert.equal(await pool.submit(() => "again"), "again");
    });
  });
}
