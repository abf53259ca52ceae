// Adversarial input and surroundings, one test per attack, named for what it stages:
// hand-made pickles holding promises, input in shared memory, deleted or replaced web-class
// globals, views whose buffer shrank under them. Attacks on signing: adversarial_signing_test.ts;
// on the bytes of the format: adversarial_input_test.ts.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import {
  dumps,
  dumpsSync,
  FORMAT_VERSION,
  load,
  loads,
  loadsSync,
  PickleError,
  PicklingError,
  UnpicklingError,
} from "../mod.ts";
import {
  pickleOf,
  PROMISE_ATTACKS,
  PROMISE_OUTCOMES,
  SELF_FULFILLED_ROOT,
} from "./hostile/attacks.ts";
import { streamOf } from "./helpers.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const RUNTIMES = {
  deno: [`${root}node_modules/.bin/deno`, "run", "-A"],
  bun: [`${root}node_modules/.bin/bun`],
} as const;

function runChild(runtime: keyof typeof RUNTIMES, script: string) {
  const [cmd, ...args] = RUNTIMES[runtime];
  const r = spawnSync(cmd, [...args, `${root}tests/hostile/${script}`], {
    cwd: root,
    encoding: "utf8",
    timeout: 60_000,
  });
  return r;
}

/**
 * Runs `fn`, then a few turns of the event loop, counting the unhandled rejections the
 * runtime reports meanwhile (Deno: the `unhandledrejection` event; Bun: the process event).
 */
async function unhandledDuring(fn: () => Promise<void>): Promise<unknown[]> {
  const seen: unknown[] = [];
  const onEvent = (e: Event) => {
    e.preventDefault();
    seen.push((e as PromiseRejectionEvent).reason);
  };
  const onProcess = (reason: unknown) => seen.push(reason);
  globalThis.addEventListener?.("unhandledrejection", onEvent as EventListener);
  process.on("unhandledRejection", onProcess);
  try {
    await fn();
    for (let i = 0; i < 5; i++) await new Promise((r) => setTimeout(r, 10));
  } finally {
    globalThis.removeEventListener?.("unhandledrejection", onEvent as EventListener);
    process.off("unhandledRejection", onProcess);
  }
  return seen;
}

async function outcome(f: () => unknown): Promise<string> {
  try {
    await f();
    return "loaded";
  } catch (e) {
    return (e as Error).name;
  }
}

describe("promises in a pickle never reject unhandled", () => {
  for (const [name, body] of Object.entries(PROMISE_ATTACKS)) {
    it(`a promise ${name}: ${PROMISE_OUTCOMES[name]}, no unhandled rejection`, async () => {
      const bytes = pickleOf(body, FORMAT_VERSION);
      const got: string[] = [];
      const seen = await unhandledDuring(async () => {
        got.push(await outcome(() => loadsSync(bytes, { allowCode: false })));
        got.push(await outcome(() => loads(bytes, { allowCode: false })));
        got.push(await outcome(() => load(streamOf([bytes]))));
      });
      assert.deepEqual(got, Array(3).fill(PROMISE_OUTCOMES[name]));
      assert.deepEqual(seen, []);
    });
  }

  it("the 4-byte pickle of a promise fulfilled with itself is an UnpicklingError", async () => {
    const bytes = pickleOf(SELF_FULFILLED_ROOT, FORMAT_VERSION);
    const seen = await unhandledDuring(async () => {
      assert.throws(() => loadsSync(bytes, { allowCode: false }), UnpicklingError);
      await assert.rejects(loads(bytes), /a fulfilled promise cannot hold a promise/);
    });
    assert.deepEqual(seen, []);
  });

  it("a loaded rejected promise still rejects with its reason when awaited", async () => {
    const [p] = loadsSync<[Promise<unknown>]>(
      pickleOf(PROMISE_ATTACKS["rejected and never awaited"], FORMAT_VERSION),
    );
    await assert.rejects(p, (e) => e === 5);
  });

  for (const runtime of ["deno", "bun"] as const) {
    it(`hostile promise pickles in a fresh ${runtime} process: exit 0, nothing reported`, () => {
      const r = runChild(runtime, "promises_child.ts");
      assert.equal(r.status, 0, `exit ${r.status}:\n${r.stderr}`);
      assert.doesNotMatch(r.stdout + r.stderr, /unhandled|uncaught/i);
      const outcomes = JSON.parse(r.stdout.trim().split("\n").pop()!);
      for (const [name, got] of Object.entries(outcomes)) {
        assert.deepEqual(got, [PROMISE_OUTCOMES[name], PROMISE_OUTCOMES[name]], name);
      }
      assert.equal(Object.keys(outcomes).length, Object.keys(PROMISE_OUTCOMES).length);
    });
  }
});

describe("input in shared memory", () => {
  const value = { s: "héllo ✓", n: [1, 2n, -0], bytes: new Uint8Array([1, 2, 3]) };
  const shared = (p: Uint8Array) => {
    const sab = new SharedArrayBuffer(p.length + 8);
    const view = new Uint8Array(sab, 4, p.length);
    view.set(p);
    return { sab, view };
  };

  it("a pickle in a view over a SharedArrayBuffer loads (sync and async)", async () => {
    const { view } = shared(dumpsSync(value));
    assert.deepEqual(loadsSync(view), value);
    assert.deepEqual(await loads(view), value);
  });

  it("a whole SharedArrayBuffer holding a pickle loads", async () => {
    const p = dumpsSync(value);
    const sab = new SharedArrayBuffer(p.length);
    new Uint8Array(sab).set(p);
    assert.deepEqual(loadsSync(sab), value);
    assert.deepEqual(await loads(sab), value);
  });

  it("a signed pickle in shared memory verifies and loads", async () => {
    const key = crypto.getRandomValues(new Uint8Array(32));
    const { view } = shared(await dumps(value, { signingKey: key }));
    assert.deepEqual(await loads(view, { signingKey: key }), value);
    view[view.length - 1] ^= 1;
    await assert.rejects(loads(view, { signingKey: key }), /signature does not match/);
  });

  it("a signed pickle a Worker wrote into shared memory loads here", async () => {
    const key = crypto.getRandomValues(new Uint8Array(32));
    const sab = new SharedArrayBuffer(4096);
    const worker = new Worker(new URL("./hostile/shared_worker.ts", import.meta.url), {
      type: "module",
    });
    try {
      const length = await new Promise<number>((resolve, reject) => {
        worker.onmessage = (e) => resolve(e.data);
        worker.onerror = (e) => reject(e);
        worker.postMessage({ sab, key });
      });
      assert.equal(new DataView(sab).getUint32(0, true), length);
      const out = await loads<{ from: string; items: [bigint, Map<string, number>] }>(
        new Uint8Array(sab, 4, length),
        { signingKey: key, allowCode: false },
      );
      assert.equal(out.from, "worker");
      assert.equal(out.items[0], 1n);
      assert.ok(Object.is(out.items[1].get("k"), -0));
    } finally {
      worker.terminate();
    }
  });

  it("a view of another type over shared memory is a TypeError naming what loads takes", () => {
    const { sab } = shared(dumpsSync(value));
    const takes = (e: unknown) =>
      e instanceof TypeError && !(e instanceof PickleError) && /give a Uint8Array/.test(e.message);
    assert.throws(() => loadsSync(new Int8Array(sab) as never), takes);
    assert.throws(() => loadsSync(new DataView(sab) as never), takes);
  });
});

describe("web classes do not depend on their globals", () => {
  const NAMES = ["Blob", "File", "URL", "URLSearchParams", "DOMException"] as const;
  const g = globalThis as Record<string, unknown>;
  const real = Object.fromEntries(NAMES.map((n) => [n, g[n]])) as Record<
    typeof NAMES[number],
    // deno-lint-ignore no-explicit-any
    any
  >;

  function sample() {
    return {
      blob: new Blob(["blob bytes"], { type: "text/plain" }),
      file: new File(["file bytes"], "f.txt", { lastModified: 1234 }),
      url: new URL("https://example.com/a?b=c#d"),
      params: new URLSearchParams("x=1&y=2"),
      dom: new DOMException("stopped", "AbortError"),
    };
  }

  async function check(out: ReturnType<typeof sample>, v: ReturnType<typeof sample>) {
    assert.ok(out.blob instanceof real.Blob);
    assert.equal(await out.blob.text(), "blob bytes");
    assert.equal(out.blob.type, v.blob.type);
    assert.ok(out.file instanceof real.File);
    assert.equal(out.file.name, "f.txt");
    assert.equal(out.file.lastModified, 1234);
    assert.equal(await out.file.text(), "file bytes");
    assert.ok(out.url instanceof real.URL);
    assert.equal(out.url.href, "https://example.com/a?b=c#d");
    assert.ok(out.params instanceof real.URLSearchParams);
    assert.equal(out.params.get("y"), "2");
    assert.ok(out.dom instanceof real.DOMException);
    assert.equal(out.dom.name, "AbortError");
    assert.equal(out.dom.message, "stopped");
    assert.equal(out.dom.code, 20);
  }

  async function withGlobals(replace: (name: string) => unknown, fn: () => Promise<void>) {
    for (const n of NAMES) {
      const by = replace(n);
      if (by === undefined) delete g[n];
      else g[n] = by;
    }
    try {
      await fn();
    } finally {
      for (const n of NAMES) g[n] = real[n];
    }
  }

  it("deleting globalThis.Blob, File, URL, URLSearchParams and DOMException", async () => {
    const v = sample();
    let out: ReturnType<typeof sample> | undefined;
    await withGlobals(() => undefined, async () => {
      out = await loads(await dumps(v));
      assert.equal(typeof g.Blob, "undefined");
    });
    await check(out!, v);
  });

  it("replacing the web-class globals with impostor classes", async () => {
    const v = sample();
    let out: ReturnType<typeof sample> | undefined;
    await withGlobals(
      (n) =>
        class Impostor {
          constructor() {
            throw new Error(`impostor ${n} called`);
          }
        },
      async () => {
        out = await loads(await dumps(v));
      },
    );
    await check(out!, v);
  });

  it("pickles made with the globals gone load the same once they are back, and vice versa", async () => {
    const v = sample();
    let made: Uint8Array | undefined;
    await withGlobals(() => undefined, async () => {
      made = await dumps(v);
    });
    await check(await loads(made!), v);
    const madeBefore = await dumps(v);
    let out: ReturnType<typeof sample> | undefined;
    await withGlobals(() => undefined, async () => {
      out = await loads(madeBefore);
    });
    await check(out!, v);
  });

  for (const runtime of ["deno", "bun"] as const) {
    it(`a first File pickled without globalThis.File does not spoil later Files (${runtime})`, () => {
      const r = runChild(runtime, "first_file_child.ts");
      assert.equal(r.status, 0, r.stderr);
      const out = JSON.parse(r.stdout.trim().split("\n").pop()!);
      for (const label of ["without File", "File back", "File replaced"]) {
        const [isFile, name, type, lastModified, text] = out[label];
        assert.deepEqual([isFile, name, lastModified, text], [true, "a.txt", 7, "abc"], label);
        assert.match(type, /^text\/plain/);
      }
    });
  }
});

describe("views whose buffer shrank under them are refused", () => {
  function shrunk<T>(make: (b: ArrayBuffer) => T, to = 6): T {
    const b = new ArrayBuffer(16, { maxByteLength: 32 });
    const v = make(b);
    b.resize(to);
    return v;
  }

  async function refusedAt(value: unknown, path: string, pattern: RegExp): Promise<void> {
    const check = (e: unknown) => {
      assert.ok(e instanceof PicklingError, String(e));
      assert.equal(e.path, path);
      assert.match(e.message, pattern);
      return true;
    };
    assert.throws(() => dumpsSync(value), check);
    await assert.rejects(dumps(value), check);
  }

  it("a typed array past the end of its shrunk resizable buffer", () =>
    refusedAt(
      { x: [shrunk((b) => new Float64Array(b, 0, 2))] },
      "root.x[0]",
      /a Float64Array out of the bounds of its buffer/,
    ));

  it("a DataView past the end of its shrunk resizable buffer", () =>
    refusedAt(
      { dv: shrunk((b) => new DataView(b, 4, 8)) },
      "root.dv",
      /a DataView out of the bounds of its buffer/,
    ));

  it("a length-tracking view whose offset is past the shrunk buffer's end", () =>
    refusedAt(
      [shrunk((b) => new Uint16Array(b, 8))],
      "root[0]",
      /a Uint16Array out of the bounds/,
    ));

  it("views over a detached (transferred) buffer come back detached, not refused", async () => {
    const b = new ArrayBuffer(8);
    const r = new ArrayBuffer(8, { maxByteLength: 16 });
    const value = { a: new Uint8Array(b, 2, 4), d: new DataView(b, 1), t: new Int16Array(r) };
    b.transfer();
    r.transfer();
    for (
      const out of [
        loadsSync<typeof value>(dumpsSync(value)),
        await loads<typeof value>(await dumps(value)),
      ]
    ) {
      assert.ok(out.a instanceof Uint8Array && out.d instanceof DataView);
      assert.ok(out.t instanceof Int16Array);
      assert.equal(out.a.buffer, out.d.buffer, "one buffer still");
      assert.equal((out.a.buffer as ArrayBuffer).detached, true);
      assert.equal((out.t.buffer as ArrayBuffer).detached, true);
      assert.equal(out.a.length, 0);
      assert.throws(() => out.d.byteLength, TypeError);
    }
  });

  it("views still in bounds after a shrink keep pickling (empty ones included)", () => {
    const b = new ArrayBuffer(16, { maxByteLength: 32 });
    const tracking = new Uint8Array(b, 8);
    const fixed = new Uint8Array(b, 0, 4);
    const dv = new DataView(b, 8);
    b.resize(8);
    const out = loadsSync<Uint8Array[]>(dumpsSync([tracking, fixed, dv]));
    assert.equal(out[0].length, 0);
    assert.equal(out[0].byteOffset, 8);
    assert.equal(out[1].length, 4);
    assert.equal((out[2] as unknown as DataView).byteLength, 0);
    (out[0].buffer as ArrayBuffer).resize(12);
    assert.equal(out[0].length, 4, "still length-tracking");
  });
});

describe("a promise at the root of a pickle", () => {
  it("a rejected one makes loads reject with an UnpicklingError whose cause is the reason", async () => {
    // PROMISE rejected with the small int 18, at the root.
    const bytes = pickleOf([0x87, 1, 0x12], FORMAT_VERSION);
    await assert.rejects(loads(bytes, { allowCode: false }), (e: unknown) => {
      assert.ok(e instanceof UnpicklingError);
      assert.equal((e as Error).cause, 18);
      return true;
    });
    // loadsSync hands the promise over as such.
    const p = loadsSync(bytes, { allowCode: false });
    assert.ok(p instanceof Promise);
    await assert.rejects(p as Promise<unknown>, (e) => e === 18);
  });
});
