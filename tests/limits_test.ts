// Resource limits of data-only loads against hand-made hostile pickles: nesting depth
// (LoadOptions.maxDepth), errors (maxErrors), objects heavier than their bytes (maxObjects),
// and the cost of every cheap tag that makes an object, measured in fresh processes of Deno
// and Bun against the goal: memory at most 64 × the input + 64 MiB, time ~1 s per MB.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import {
  dumps,
  dumpsSync,
  load,
  loads,
  loadsSync,
  PickleError,
  Unpickler,
  UnpicklingError,
} from "../mod.ts";
import { HOSTILE, varint, wrap } from "./limits/hostile.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const MB = 1e6;
const dataOnly = { allowCode: false } as const;

/** Loads `bytes` data-only, expecting an UnpicklingError that names `option`. */
function refused(bytes: Uint8Array, option: string, opts: object = {}): UnpicklingError {
  const t0 = performance.now();
  let err: unknown;
  try {
    loadsSync(bytes, { ...dataOnly, ...opts });
  } catch (e) {
    err = e;
  }
  const ms = performance.now() - t0;
  assert.ok(err instanceof UnpicklingError, `expected an UnpicklingError, got ${err}`);
  assert.match(err.message, new RegExp(`LoadOptions\\.${option}`));
  assert.ok(err.offset > 0 && err.offset < bytes.length, `offset ${err.offset}`);
  // Generous against a loaded machine; the measured numbers are in README.
  assert.ok(ms < 3000 * Math.max(1, bytes.length / MB), `took ${ms} ms`);
  return err;
}

function depthOf(v: unknown, next: (v: unknown) => unknown): number {
  let d = 0;
  for (let c = next(v); c !== undefined; c = next(c)) d++;
  return d;
}

describe("maxDepth", () => {
  it("a million nested arrays (2 MB) are refused at the default depth, with the offset", () => {
    const err = refused(HOSTILE["nested arrays"](2 * MB), "maxDepth");
    assert.match(err.message, /deeper than 100000 levels/);
    // Two bytes a level after a 9-byte header: the refusal is at level 100 001.
    assert.ok(Math.abs(err.offset - (9 + 2 * 100_001)) < 4, `offset ${err.offset}`);
  });

  it("a million nested Sets and a million nested promises are refused at the default depth", () => {
    refused(HOSTILE["nested Sets"](2 * MB), "maxDepth");
    refused(HOSTILE["nested promises"](2 * MB), "maxDepth");
  });

  it("nesting past a caller's maxDepth is refused; a raised maxDepth loads it", () => {
    let v: unknown = "leaf";
    for (let i = 0; i < 1000; i++) v = [v];
    const bytes = dumpsSync(v);
    const err = refused(bytes, "maxDepth", { maxDepth: 500 });
    assert.match(err.message, /deeper than 500 levels/);
    const out = loadsSync(bytes, { ...dataOnly, maxDepth: 1000 });
    assert.equal(depthOf(out, (a) => Array.isArray(a) ? a[0] : undefined), 1000);
    const deep = HOSTILE["nested arrays"](300_000); // 150 000 levels
    refused(deep, "maxDepth");
    const loaded = loadsSync(deep, { ...dataOnly, maxDepth: Infinity });
    assert.equal(depthOf(loaded, (a) => Array.isArray(a) ? a[0] : undefined), 150_000);
  });

  it("nesting past maxDepth is refused by every loading form", async () => {
    let v: unknown = 0;
    for (let i = 0; i < 50; i++) v = [v];
    const bytes = dumpsSync(v);
    const forms: [string, () => unknown][] = [
      ["loads", () => loads(bytes, { maxDepth: 10 })],
      ["Unpickler", () => new Unpickler({ maxDepth: 10 }).loads(bytes)],
      ["load", () => load(new Blob([bytes as Uint8Array<ArrayBuffer>]).stream(), { maxDepth: 10 })],
    ];
    for (const [name, form] of forms) {
      await assert.rejects(
        async () => await form(),
        (e: unknown) => e instanceof UnpicklingError && /LoadOptions\.maxDepth/.test(e.message),
        name,
      );
    }
  });

  it("20 000 levels of every container the library writes load under the default", () => {
    const D = 20_000;
    const kinds: [string, (inner: unknown, i: number) => unknown, (v: unknown) => unknown][] = [
      ["array", (x) => [x], (v) => Array.isArray(v) ? v[0] : undefined],
      ["object", (x) => ({ x }), (v) => (v as { x?: unknown })?.x],
      ["Map", (x) => new Map([[1, x]]), (v) => v instanceof Map ? v.get(1) : undefined],
      ["Set", (x) => new Set([x]), (v) => v instanceof Set ? [...v][0] : undefined],
      [
        "frozen object with a symbol key",
        (x) => Object.freeze({ [Symbol.for("k")]: x }),
        (v) => (v as Record<symbol, unknown>)?.[Symbol.for("k")],
      ],
      [
        "null-prototype object",
        (x) => Object.assign(Object.create(null), { x }),
        (v) => (v as { x?: unknown })?.x,
      ],
    ];
    for (const [name, wrapIn, next] of kinds) {
      let v: unknown = 0;
      for (let i = 0; i < D; i++) v = wrapIn(v, i);
      const out = loadsSync(dumpsSync(v), dataOnly);
      assert.equal(depthOf(out, next), D, name);
    }
  });

  it("a million nested prototype objects and boxed values fail cleanly (no stack overflow)", () => {
    // These tags read their inner value by recursion: the call stack, not frames, runs out.
    for (const open of [[0x8a], [0x82, 0]]) {
      const levels = 1_000_000;
      const body = new Uint8Array(levels * open.length + 1);
      for (let i = 0; i < levels; i++) body.set(open, i * open.length);
      body[body.length - 1] = 0x61;
      let err: unknown;
      try {
        loadsSync(wrap(body), dataOnly);
      } catch (e) {
        err = e;
      }
      assert.ok(err instanceof UnpicklingError, String(err));
    }
  });

  it("limits that are not positive integers are refused with a TypeError", () => {
    const bytes = dumpsSync([1]);
    for (const option of ["maxDepth", "maxErrors", "maxObjects"]) {
      for (const bad of [0, -1, 1.5, NaN, "10"]) {
        assert.throws(
          () => loadsSync(bytes, { [option]: bad } as object),
          (e: unknown) =>
            e instanceof TypeError && !(e instanceof PickleError) &&
            e.message.includes(`LoadOptions.${option}`),
        );
      }
    }
  });
});

describe("maxErrors and maxObjects", () => {
  it("a megabyte of 4-byte Error tags is refused at maxErrors", () => {
    const err = refused(HOSTILE["Error tags"](MB), "maxErrors");
    assert.match(err.message, /more than 41250 errors/); // 10 000 + 1 MB / 32
  });

  it("a megabyte of DOMException tags is refused at maxErrors", () => {
    refused(HOSTILE["DOMException tags"](MB), "maxErrors");
  });

  it("errors the library writes load under the default maxErrors; maxErrors binds", () => {
    // More than the 10 000 any pickle may hold: the rest is paid for by their bytes.
    const errors = Array.from({ length: 12_000 }, (_, i) => new RangeError(`bad ${i}`));
    const out = loadsSync(dumpsSync(errors), dataOnly) as RangeError[];
    assert.equal(out.length, 12_000);
    assert.ok(out[11_999] instanceof RangeError);
    assert.equal(out[11_999].message, "bad 11999");
    const few = dumpsSync([new Error("a"), new TypeError("b"), new Error("c")]);
    refused(few, "maxErrors", { maxErrors: 2 });
    assert.equal((loadsSync(few, { ...dataOnly, maxErrors: 3 }) as Error[]).length, 3);
  });

  it("a megabyte of empty Map, Set, null-prototype object, buffer, promise or symbol tags is refused at maxObjects", () => {
    for (
      const attack of [
        "empty Map tags",
        "empty Set tags",
        "empty null-prototype object tags",
        "empty ArrayBuffer tags",
        "fulfilled promise tags",
        "unique symbol tags",
        "50 000-deep Set chains",
      ]
    ) {
      const err = refused(HOSTILE[attack](MB), "maxObjects");
      assert.match(err.message, /objects of the kinds/, attack);
    }
  });

  it("maxObjects binds when lowered, and Infinity lifts it", () => {
    const bytes = HOSTILE["empty Map tags"](2 * MB);
    refused(dumpsSync([new Map(), new Map(), new Set()]), "maxObjects", { maxObjects: 2 });
    const all = loadsSync(bytes, { ...dataOnly, maxObjects: Infinity }) as Map<never, never>[];
    assert.equal(all.length, 1_000_000);
    assert.ok(all[999_999] instanceof Map);
  });

  it("ordinary values of the limited kinds load under the default maxObjects", async () => {
    // Each more than the 32 768 units any pickle may hold: the rest is paid for by bytes.
    const records = Array.from({ length: 40_000 }, (_, i) => ({
      id: i,
      tags: new Set(["a"]),
      extra: new Map([["k", i]]),
    }));
    const out = loadsSync(dumpsSync(records), dataOnly) as typeof records;
    assert.equal(out.length, 40_000);
    assert.equal(out[39_999].extra.get("k"), 39_999);
    assert.ok(out[5].tags.has("a"));
    const blobs = Array.from({ length: 40_000 }, (_, i) => new Blob([String(i + 1e4)]));
    assert.equal((loadsSync(await dumps(blobs), dataOnly) as Blob[])[39_999].size, 5);
    // Objects each of its own key set (one key named by an id).
    const dicts = Array.from({ length: 20_000 }, (_, i) => ({
      [`user-${i}`]: i,
      name: `name ${i}`,
      at: i,
    }));
    const back = loadsSync(dumpsSync(dicts), dataOnly) as Record<string, unknown>[];
    assert.equal(back[19_999]["user-19999"], 19_999);
    assert.equal(back[19_999].name, "name 19999");
  });

  it("short arrays are built at their size, and arrays of any length still load exactly", () => {
    for (const n of [0, 1, 2, 15, 16, 17, 100, 70_000]) {
      const a = Array.from({ length: n }, (_, i) => (i % 3 === 0 ? { i } : i % 3 === 1 ? i : [i]));
      const out = loadsSync(dumpsSync(a), dataOnly) as unknown[];
      assert.equal(out.length, n);
      assert.deepEqual(out, a);
      assert.equal(Object.keys(out).length, n);
    }
  });
});

interface Cost {
  bytes: number;
  ms: number;
  peak: number;
  error?: { name: string; message: string };
}

function measure(cmd: string, args: string[]): Promise<Cost> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { cwd: root });
    let out = "";
    let err = "";
    p.stdout.on("data", (d) => out += d);
    p.stderr.on("data", (d) => err += d);
    const timer = setTimeout(() => p.kill(), 60_000);
    p.on("close", (code) => {
      clearTimeout(timer);
      if (code !== 0) reject(new Error(`${cmd} ${args.join(" ")} exited ${code}:\n${err}`));
      else resolve(JSON.parse(out.trim().split("\n").pop()!));
    });
  });
}

// Each runtime's run of this file measures its own runtime, two attacks at a time.
describe("every cheap tag stays within the goal (fresh processes of this runtime)", () => {
  const child = "tests/limits/measure_child.ts";
  const isDeno = typeof (globalThis as { Deno?: unknown }).Deno === "object";
  const runtime = isDeno ? "deno" : "bun";
  const cmd = `${root}node_modules/.bin/${runtime}`;
  const args = isDeno ? ["run", "-A", child] : [child];
  const attacks = Object.keys(HOSTILE);
  it(`1 MB of each of ${attacks.length} attacks`, { timeout: 300_000 }, async () => {
    const costs: Record<string, Cost> = {};
    let next = 0;
    const worker = async () => {
      while (next < attacks.length) {
        const attack = attacks[next++];
        costs[attack] = await measure(cmd, [...args, attack, "1"]);
      }
    };
    await Promise.all([worker(), worker()]);
    for (const attack of attacks) {
      const c = costs[attack];
      const where = `${runtime}, ${attack}: ${JSON.stringify(c)}`;
      if (c.error !== undefined) assert.equal(c.error.name, "UnpicklingError", where);
      assert.ok(c.peak <= 64 * c.bytes + 64 * 2 ** 20, `memory over the goal on ${where}`);
      // ~1 s per MB, with room for a shared, loaded machine (two loads run at once).
      assert.ok(c.ms <= 3000 * (c.bytes / MB), `time over the goal on ${where}`);
    }
  });
});

// A pickle that declares a million-element array still costs only the bytes that arrive.
it("a declared length past the pickle is refused before anything is allocated", () => {
  const body = new Uint8Array([0x76, ...varint(1_000_000), 0]);
  assert.throws(() => loadsSync(wrap(body), dataOnly), UnpicklingError);
});
