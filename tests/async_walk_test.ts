// The async forms (dumps, dump) walk a value once: what must be awaited (promises, Blobs,
// closure scopes, private fields, bound functions) is found in one pass over newly found
// values, and one walk writes the pickle. Linear time, bufferCallback once per buffer.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { dump, dumps, dumpsSync, loads, loadsSync, reduce } from "../mod.ts";
import { lastAsyncWork } from "../lib/pickle/prefetch.ts";
import { scopeAdapter } from "../lib/runtime/detect.ts";
import { sharedSlot } from "../lib/runtime/shared_slot.ts";
import { expectPicklingErrorAsync, streamRoundTrip } from "./helpers.ts";

type Cb = (b: ArrayBuffer) => unknown;
type Dumper = (value: unknown, options?: { bufferCallback?: Cb }) => Promise<Uint8Array>;

/** dump() into a stream, read the bytes back: the stream form as a Dumper. */
async function viaStream(value: unknown, options?: { bufferCallback?: Cb }): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  await dump(value, new WritableStream({ write: (c) => void chunks.push(c) }), options);
  assert.equal(chunks.length, 1);
  return chunks[0];
}

const FORMS: [string, Dumper][] = [["dumps", dumps], ["dump", viaStream]];

/** `{ root }`: a Promise at the top would be flattened by `await loads(…)`. */
function nestedPromises(n: number): { root: unknown } {
  let v: unknown = { end: true };
  for (let i = 0; i < n; i++) v = Promise.resolve({ i, v });
  return { root: v };
}

/** Awaits the loaded chain of nested promises down to its end; returns how deep it was. */
async function unwrapPromises(loaded: unknown): Promise<number> {
  let v = (loaded as { root: unknown }).root;
  let depth = 0;
  let last = Infinity;
  while (v instanceof Promise) {
    const got = await v as { i: number; v: unknown };
    assert.equal(got.i, depth === 0 ? got.i : last - 1, "levels in order");
    last = got.i;
    depth++;
    v = got.v;
  }
  assert.deepEqual(v, { end: true });
  return depth;
}

/** A closure capturing a promise that resolves to a closure capturing the next promise… */
function closureChain(n: number): () => unknown {
  const blob = new Blob([`tail of ${n}`]);
  let fn: () => unknown = () => blob;
  for (let i = 0; i < n; i++) {
    const p = Promise.resolve(fn);
    const level = i;
    fn = () => [level, p];
  }
  return fn;
}

async function runChain(fn: unknown, n: number): Promise<string> {
  for (let i = n - 1; i >= 0; i--) {
    assert.equal(typeof fn, "function");
    const [level, p] = (fn as () => [number, Promise<unknown>])();
    assert.equal(level, i);
    assert.ok(p instanceof Promise);
    fn = await p;
  }
  const blob = (fn as () => Blob)();
  assert.ok(blob instanceof Blob);
  return await blob.text();
}

/** Smallest time of `runs` calls of f. */
async function minTime(runs: number, f: () => Promise<unknown>): Promise<number> {
  let best = Infinity;
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await f();
    best = Math.min(best, performance.now() - t);
  }
  return best;
}

describe("async forms walk once", () => {
  it("nested promises: the work grows linearly with the depth", async () => {
    await dumps(nestedPromises(200));
    const small = lastAsyncWork();
    const bytes = await dumps(nestedPromises(1600));
    const large = lastAsyncWork();
    // One discovery pass plus one write: about twice the pickle, 8x for 8x the depth (a
    // walk again from the root after each await made it 64x).
    assert.ok(large / small < 10, `work 200 -> 1600: ${small} -> ${large} bytes`);
    assert.ok(large < 3 * bytes.length, `work ${large} for a pickle of ${bytes.length}`);
    assert.equal(await unwrapPromises(await loads(bytes)), 1600);
  });

  it("nested promises: the time grows linearly with the depth", async () => {
    // 8 pickles of depth 200 against one of depth 1600: the same time when linear, 8x
    // more for the deep one when quadratic (as walking again from the root after each await).
    const small = async () => {
      for (let i = 0; i < 8; i++) await dumps(nestedPromises(200));
    };
    const t8x200 = await minTime(7, small);
    const t1600 = await minTime(7, () => dumps(nestedPromises(1600)));
    assert.ok(t1600 / t8x200 < 4, `8 x 200: ${t8x200.toFixed(1)} ms, 1600: ${t1600.toFixed(1)} ms`);
    const t2000 = await minTime(1, async () => {
      const out = await loads(await dumps(nestedPromises(2000)));
      assert.equal(await unwrapPromises(out), 2000);
    });
    assert.ok(t2000 < 5000, `2000 nested promises took ${t2000.toFixed(0)} ms`);
  });

  it("closures capturing promises of closures: linear work, and they load and run", async () => {
    await dumps(closureChain(50));
    const small = lastAsyncWork();
    const bytes = await dumps(closureChain(400));
    const large = lastAsyncWork();
    assert.ok(large / small < 12, `work 50 -> 400: ${small} -> ${large} bytes`);
    assert.equal(await runChain(await loads(bytes), 400), "tail of 400");
  });

  for (const [name, dumper] of FORMS) {
    it(`${name}: bufferCallback is called once per buffer, in the pickle's order`, async () => {
      const bufs = [1, 2, 3, 4, 5].map((n) => new Uint8Array([n, n, n]).buffer);
      const captured = new Uint8Array(bufs[2]);
      const inPromise = Promise.resolve(new Uint8Array(bufs[3]));
      const make = () => {
        const local = captured;
        const later = inPromise;
        return () => [local, later];
      };
      const value = {
        first: Promise.resolve({ view: new Uint8Array(bufs[0]) }),
        blob: new Blob(["blob"]),
        second: new Uint8Array(bufs[1]),
        fn: make(),
        deep: Promise.resolve(Promise.resolve(new DataView(bufs[4]))),
        again: new Uint8Array(bufs[1], 1),
      };
      const seen: ArrayBuffer[] = [];
      const bytes = await dumper(value, { bufferCallback: (b) => void seen.push(b) });
      assert.equal(seen.length, 5, "each buffer once");
      assert.equal(new Set(seen).size, 5);
      for (const b of seen) assert.ok(bufs.includes(b), "only the value's buffers");
      const supplied = seen.map((b) => b.slice(0));
      const out = await loads(bytes, { buffers: supplied }) as {
        first: Promise<{ view: Uint8Array }>;
        blob: Blob;
        second: Uint8Array;
        fn: () => [Uint8Array, Promise<Uint8Array>];
        deep: Promise<DataView>;
        again: Uint8Array;
      };
      const backing = (b: ArrayBuffer) => supplied[seen.indexOf(b)];
      assert.equal((await out.first).view.buffer, backing(bufs[0]));
      assert.equal(out.second.buffer, backing(bufs[1]));
      assert.equal(out.again.buffer, out.second.buffer, "two views of one buffer share it");
      const [local, later] = out.fn();
      assert.equal(local.buffer, backing(bufs[2]));
      assert.equal((await later).buffer, backing(bufs[3]));
      assert.equal((await out.deep).buffer, backing(bufs[4]));
      assert.deepEqual([...(await out.first).view], [1, 1, 1]);
      assert.deepEqual([...local], [3, 3, 3]);
      assert.equal(await out.blob.text(), "blob");
      // In the pickle's order: the buffers are numbered as the loader meets them.
      assert.deepEqual(seen.map((b) => new Uint8Array(b)[0]), [1, 2, 3, 4, 5]);
    });
  }

  it("dumpsSync: once per buffer when a shared scope's record grows during the walk", () => {
    // Variables assigned again: instrumented code (Bun) shares one record per scope, which
    // grows when g is met after f's record was written.
    const make = () => {
      let x = 0;
      let y = { buf: new Uint8Array([9, 8]) };
      x++;
      y = { buf: y.buf };
      return { f: () => x, g: () => [x, y], buf: y.buf };
    };
    const { f, g, buf } = make();
    const seen: ArrayBuffer[] = [];
    const bytes = dumpsSync({ buf, f, g }, { bufferCallback: (b) => void seen.push(b) });
    assert.equal(seen.length, 1);
    const out = loadsSync(bytes, { buffers: [seen[0].slice(0)] }) as {
      buf: Uint8Array;
      f: () => number;
      g: () => [number, { buf: Uint8Array }];
    };
    assert.equal(out.f(), 1);
    assert.equal(out.g()[1].buf, out.buf);
    assert.deepEqual([...out.buf], [9, 8]);
  });

  it("a scope record that grows after an await: what it gains is awaited too", async () => {
    const make = () => {
      let x = 0;
      let y = { later: Promise.resolve(new Blob(["y"])) };
      x++;
      y = { later: y.later };
      return { f: () => x, g: () => [x, y] };
    };
    const { f, g } = make();
    for (const [name, dumper] of FORMS) {
      const out = await loads(await dumper({ f, g: Promise.resolve(g) })) as {
        f: () => number;
        g: Promise<() => [number, { later: Promise<Blob> }]>;
      };
      const [x, y] = (await out.g)();
      assert.equal(x, 1, name);
      assert.equal(await (await y.later).text(), "y", name);
      assert.equal(out.f(), 1, name);
    }
  });

  for (const [name, dumper] of FORMS) {
    it(`${name}: closures inside promises and promises inside closures load and run`, async () => {
      const make = (base: number) => {
        const blob = new Blob([`b${base}`]);
        const read = () => blob;
        const pending = Promise.resolve({ read, add: (n: number) => n + base });
        return () => pending;
      };
      const value = { outer: make(10), list: Promise.resolve([make(20), make(30)]) };
      const out = await loads(await dumper(value)) as {
        outer: () => Promise<{ read: () => Blob; add: (n: number) => number }>;
        list: Promise<(() => Promise<{ read: () => Blob; add: (n: number) => number }>)[]>;
      };
      const inner = await out.outer();
      assert.equal(inner.add(1), 11);
      assert.equal(await inner.read().text(), "b10");
      const list = await out.list;
      assert.equal((await list[1]()).add(2), 32);
      assert.equal(await (await list[0]()).read().text(), "b20");
      assert.equal(await runChain(await loads(await dumper(closureChain(5))), 5), "tail of 5");
    });

    it(`${name}: a rejected promise inside loads as a rejected promise`, async () => {
      const reason = new TypeError("nope");
      const rejected = Promise.reject(reason);
      rejected.catch(() => {});
      const make = () => {
        const p = rejected;
        return () => p;
      };
      const value = { p: rejected, fn: make(), ok: Promise.resolve(1) };
      const out = await loads(await dumper(value)) as {
        p: Promise<unknown>;
        fn: () => Promise<unknown>;
        ok: Promise<number>;
      };
      await assert.rejects(out.p, (e: unknown) => e instanceof TypeError && e.message === "nope");
      assert.equal(out.fn(), out.p, "one promise, shared");
      assert.equal(await out.ok, 1);
    });

    it(`${name}: shared references between settled values and the rest stay shared`, async () => {
      const shared = { n: 1, list: [1, 2] };
      const make = () => {
        const s = shared;
        return () => s;
      };
      const fn = make();
      const value = {
        s: shared,
        p: Promise.resolve({ s: shared, fn }),
        fn,
        deeper: Promise.resolve(Promise.resolve([shared.list, fn])),
      };
      const out = await loads(await dumper(value)) as {
        s: typeof shared;
        p: Promise<{ s: typeof shared; fn: () => typeof shared }>;
        fn: () => typeof shared;
        deeper: Promise<[number[], () => typeof shared]>;
      };
      const p = await out.p;
      const [list, fn2] = await out.deeper;
      assert.equal(p.s, out.s);
      assert.equal(p.fn, out.fn);
      assert.equal(out.fn(), out.s);
      assert.equal(list, out.s.list);
      assert.equal(fn2, out.fn);
    });

    it(`${name}: an error inside a settled value names its whole path`, async () => {
      const value = { a: Promise.resolve({ b: [1, new WeakRef({})] }) };
      const e = await expectPicklingErrorAsync(() => dumper(value), "root.a<promise value>.b[1]");
      assert.match(e.message, /cannot pickle a WeakRef/);
    });
  }

  it("the same value pickles to the same bytes; settled values stay shared through streams", async () => {
    const shared = { k: "v" };
    const value = { a: Promise.resolve(shared), b: shared, c: Promise.resolve([shared]) };
    const bytes = await dumps(value);
    assert.deepEqual(await dumps(value), bytes, "deterministic");
    const [viaStreams] = await streamRoundTrip([value]) as [typeof value];
    assert.equal(await viaStreams.a, viaStreams.b);
    assert.equal((await viaStreams.c)[0], viaStreams.b);
  });

  it("a value that changes while awaited: what appeared is awaited too, buffers asked once", async () => {
    const buf = new Uint8Array([7]).buffer;
    const obj: Record<string, unknown> = { buf };
    obj.p = new Promise((resolve) =>
      setTimeout(() => {
        obj.late = Promise.resolve({ buf, n: 5 });
        resolve(1);
      }, 5)
    );
    const seen: ArrayBuffer[] = [];
    const bytes = await dumps(obj, { bufferCallback: (b) => void seen.push(b) });
    assert.deepEqual(seen, [buf], "asked once, though the pickle was written twice");
    const supplied = [buf.slice(0)];
    const out = await loads(bytes, { buffers: supplied }) as {
      buf: ArrayBuffer;
      p: Promise<number>;
      late: Promise<{ buf: ArrayBuffer; n: number }>;
    };
    assert.equal(out.buf, supplied[0]);
    assert.equal(await out.p, 1);
    const late = await out.late;
    assert.equal(late.n, 5);
    assert.equal(late.buf, out.buf);
  });

  it("a reducer that returns a new promise on every call: a PicklingError, not a hang", async () => {
    class Fresh {
      [reduce]() {
        return [Number, [Promise.resolve(1)]];
      }
    }
    const e = await expectPicklingErrorAsync(() => dumps({ f: new Fresh() }), "root");
    assert.match(e.message, /kept changing/);
  });

  it("closure scopes read by the runtime's async adapter: once per function", async () => {
    // Without a synchronous reader, the walk asks the async adapter (the inspector's
    // protocol on Deno), then goes on from each function read.
    // (A reader in the global slot takes the place of the inspector's own.)
    const shared = sharedSlot();
    const slot = shared.scopeReader;
    shared.scopeReader = () => undefined;
    const adapter = await scopeAdapter();
    const read = adapter.read;
    const reads: object[] = [];
    adapter.read = (fn, names) => {
      reads.push(fn);
      return read.call(adapter, fn, names);
    };
    try {
      const value = { chain: closureChain(20) };
      if (adapter.unavailable !== undefined) {
        // Bun: no scope protocol, and none needed: closures the preload instrumented carry
        // their scope records, which the pickler reads itself.
        const out = await loads(await dumps(value)) as { chain: () => unknown };
        assert.equal(await runChain(out.chain, 20), "tail of 20");
        assert.equal(reads.length, 0);
        return;
      }
      const bytes = await dumps(value);
      assert.equal(reads.length, 21, "each function of the chain read once");
      assert.equal(new Set(reads).size, 21);
      const out = await loads(bytes) as { chain: () => unknown };
      assert.equal(await runChain(out.chain, 20), "tail of 20");
    } finally {
      adapter.read = read;
      shared.scopeReader = slot;
    }
  });

  it("async pickles (buffers, private fields, bound functions) load in Deno and Bun subprocesses", () => {
    const root = fileURLToPath(new URL("..", import.meta.url));
    const script = `${root}tests/cross/async_produce.ts`;
    const runs = {
      deno: [`${root}node_modules/.bin/deno`, ["run", "-A", script]],
      bun: [`${root}node_modules/.bin/bun`, ["--preload", `${root}preload.ts`, script]],
    } as const;
    for (const [from, [cmd, args]] of Object.entries(runs)) {
      const r = spawnSync(cmd, [...args], { cwd: root, encoding: "utf8", timeout: 60_000 });
      assert.equal(r.status, 0, `${from}: ${r.stderr}`);
      const { pickle, buffers } = JSON.parse(r.stdout) as { pickle: string; buffers: string[] };
      const loadIn = (to: "deno" | "bun") => {
        const consumer = `${root}tests/cross/async_consume.ts`;
        const [c, a] = to === "deno"
          ? [runs.deno[0], ["run", "-A", consumer]]
          : [runs.bun[0], [consumer]];
        const out = spawnSync(c, a, { cwd: root, encoding: "utf8", input: r.stdout });
        assert.equal(out.status, 0, `${from} -> ${to}: ${out.stderr}`);
        return JSON.parse(out.stdout);
      };
      const expected = {
        sum: 15,
        text: "blob!",
        bytes: [1, 2, 3, 4, 5],
        sharedKept: true,
        balance: 150,
        sameClass: true,
        opened: 2,
        fresh: 7,
        bound: 42,
      };
      assert.equal(buffers.length, 2, `${from}: one callback per buffer`);
      assert.deepEqual(loadIn("deno"), expected, `${from} -> deno`);
      assert.deepEqual(loadIn("bun"), expected, `${from} -> bun`);
      assert.ok(pickle.length > 0);
    }
  });
});
