// Golden bytes: for every tag of the format, a value whose pickle is fixed here byte for byte
// (on Deno and Bun alike), and which loads back from those very bytes. A change of the writer
// or the reader that moves a byte fails here, naming the tag; a deliberate format change
// updates tests/fixtures/golden.json (run this file with GOLDEN_UPDATE=1 set to print it) and
// bumps FORMAT_VERSION.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { closure, CodeCache, dumps, FORMAT_VERSION, loads, loadsSync, reduce } from "../mod.ts";
import * as shapes from "./modules/shapes.ts";
import { symbolOf } from "../lib/values/symbol_identity.ts";

const here = fileURLToPath(new URL(".", import.meta.url));
const golden = JSON.parse(readFileSync(`${here}fixtures/golden.json`, "utf8")) as Record<
  string,
  string
>;
const update = (globalThis as { process?: { env: Record<string, string | undefined> } }).process
  ?.env.GOLDEN_UPDATE === "1";

/** Code from eval: its source text is the same on every runtime (no transpiler touches it). */
const indirect = eval;
const cachedSource = indirect("((x) => x + 1)");
// (Strict: a sloppy-mode function has a form of its own, FUNCTION_SLOPPY below.)
const fnSource = indirect('"use strict"; (function add(a, b) { return a + b + k; })');
const ClassSource = indirect(
  "(class Point { constructor(x) { this.x = x; } norm() { return this.x; } })",
);
const MapSub = indirect("(class Bag extends Map { size2() { return this.size * 2; } })");
const Private = indirect("(class Secret { #v = 1; get() { return this.#v; } })");
/** Pickled only to make golden.INSTANCE_CLASS, which INSTANCE loads as a class of its own. */
const Private2 = indirect("(class Hidden { #w = 1; get() { return this.#w; } })");

/**
 * A WeakMap and a WeakSet known by the ids given (a weak collection's id is drawn per process:
 * ones loaded under an id keep it), so that their pickles are the same bytes everywhere.
 */
function weakPair(mapId: string, setId: string): [WeakMap<object, unknown>, WeakSet<object>] {
  const id = (s: string) => [0x40 + s.length, ...new TextEncoder().encode(s)];
  const body = [0x76, 0x02, 0x97, 0x00, ...id(mapId), 0x97, 0x01, ...id(setId)];
  return loadsSync(
    new Uint8Array([0x4a, 0x53, 0x50, 0x4b, FORMAT_VERSION, 0, body.length, ...body]),
  );
}

const shared = { s: 1 };
const buffer = new Uint8Array([1, 2, 3]).buffer;

interface Case {
  /** The value to pickle (made afresh per call). */
  make(): unknown | Promise<unknown>;
  /** Checks the value loaded from the golden bytes. */
  check(v: unknown): void;
  /** Out-of-band buffers handed out while pickling, given back when loading. */
  oob?: boolean;
  /** The second pickle of a channel with a code cache (the first one carried the definition). */
  cached?: boolean;
}

const eq = (expected: unknown) => (v: unknown) => assert.deepEqual(v, expected);

/** One case per tag of the format (see lib/format/tags.ts), named by the tag. */
const CASES: Record<string, Case> = {
  "small int": { make: () => 5, check: eq(5) },
  "short string": { make: () => "abc", check: eq("abc") },
  UNDEFINED: { make: () => undefined, check: eq(undefined) },
  NULL: { make: () => null, check: eq(null) },
  FALSE: { make: () => false, check: eq(false) },
  TRUE: { make: () => true, check: eq(true) },
  INT_POS: { make: () => 1000, check: eq(1000) },
  INT_NEG: { make: () => -5, check: eq(-5) },
  FLOAT64: { make: () => 1.5, check: eq(1.5) },
  NAN: { make: () => NaN, check: (v) => assert.ok(Number.isNaN(v)) },
  NEG_ZERO: { make: () => -0, check: (v) => assert.ok(Object.is(v, -0)) },
  BIGINT_POS: { make: () => 2n ** 70n, check: eq(2n ** 70n) },
  BIGINT_NEG: { make: () => -(2n ** 70n), check: eq(-(2n ** 70n)) },
  STR8: { make: () => "héllo ✓", check: eq("héllo ✓") },
  STR32: { make: () => "✓ ok ".repeat(20), check: eq("✓ ok ".repeat(20)) },
  STR16: { make: () => "a\ud800b", check: eq("a\ud800b") },
  SYMBOL_FOR: { make: () => Symbol.for("golden"), check: eq(Symbol.for("golden")) },
  SYMBOL_WELL_KNOWN: { make: () => Symbol.iterator, check: eq(Symbol.iterator) },
  SYMBOL_UNIQUE: {
    // A symbol's id is random where it is made: this one is known by a fixed id.
    make: () => symbolOf("golden-symbol", "d"),
    check: (v) => assert.equal((v as symbol).description, "d"),
  },
  REF: {
    make: () => [shared, shared],
    check: (v) => {
      const [a, b] = v as object[];
      assert.equal(a, b);
      assert.deepEqual(a, shared);
    },
  },
  OBJECT_NEW_SHAPE: { make: () => ({ a: 1, b: "x" }), check: eq({ a: 1, b: "x" }) },
  OBJECT: { make: () => [{ a: 1 }, { a: 2 }], check: eq([{ a: 1 }, { a: 2 }]) },
  NULL_OBJECT_NEW_SHAPE: {
    make: () => Object.assign(Object.create(null), { a: 1 }),
    check: (v) => {
      assert.equal(Object.getPrototypeOf(v), null);
      assert.equal((v as { a: number }).a, 1);
    },
  },
  NULL_OBJECT: {
    make: () => [1, 2].map((a) => Object.assign(Object.create(null), { a })),
    check: (v) => {
      for (const [i, o] of (v as { a: number }[]).entries()) {
        assert.equal(Object.getPrototypeOf(o), null);
        assert.equal(o.a, i + 1);
      }
    },
  },
  ARRAY: { make: () => [1, "two", [3]], check: eq([1, "two", [3]]) },
  SPARSE_ARRAY: {
    make: () => {
      const a: number[] = [];
      a[50] = 1;
      return a;
    },
    check: (v) => {
      const a = v as number[];
      assert.equal(a.length, 51);
      assert.equal(a[50], 1);
      assert.equal(Object.keys(a).length, 1);
    },
  },
  WITH_PROPS: {
    make: () => Object.defineProperty({ a: 1 }, "hidden", { value: 2, enumerable: false }),
    check: (v) => {
      assert.equal((v as { hidden: number }).hidden, 2);
      assert.deepEqual(Object.keys(v as object), ["a"]);
    },
  },
  MAP: { make: () => new Map([[1, "a"]]), check: eq(new Map([[1, "a"]])) },
  WEAK_COLLECTION: {
    make: () => weakPair("golden.0", "golden.1"),
    check: (v) => {
      const [m, s] = v as [WeakMap<object, unknown>, WeakSet<object>];
      assert.ok(m instanceof WeakMap && s instanceof WeakSet);
    },
  },
  WEAK_ENTRIES: {
    make: () => {
      const [m, s] = weakPair("golden.2", "golden.3");
      const key = { k: 1 };
      m.set(key, "v");
      s.add(key).add(m);
      return [key, m, s];
    },
    check: (v) => {
      const [key, m, s] = v as [object, WeakMap<object, unknown>, WeakSet<object>];
      assert.equal(m.get(key), "v");
      assert.ok(s.has(key) && s.has(m));
      assert.ok(!s.has({}));
    },
  },
  SET: { make: () => new Set([1, "a"]), check: eq(new Set([1, "a"])) },
  DATE: { make: () => new Date(86400000), check: eq(new Date(86400000)) },
  REGEXP: { make: () => /a+b/gi, check: eq(/a+b/gi) },
  ERROR: {
    make: () => {
      // The same own properties on every runtime (Bun adds line, column, sourceURL…).
      const e = new TypeError("bad");
      for (const k of Reflect.ownKeys(e)) delete (e as unknown as Record<PropertyKey, unknown>)[k];
      const own = { writable: true, enumerable: false, configurable: true };
      Object.defineProperty(e, "stack", { ...own, value: "TypeError: bad\n    at golden" });
      Object.defineProperty(e, "message", { ...own, value: "bad" });
      return e;
    },
    check: (v) => {
      assert.ok(v instanceof TypeError);
      assert.equal(v.message, "bad");
      assert.equal(v.stack, "TypeError: bad\n    at golden");
    },
  },
  ARRAY_BUFFER: {
    make: () => buffer.slice(0),
    check: (v) => assert.deepEqual(new Uint8Array(v as ArrayBuffer), new Uint8Array([1, 2, 3])),
  },
  SHARED_ARRAY_BUFFER: {
    make: () => {
      const s = new SharedArrayBuffer(2);
      new Uint8Array(s).set([7, 8]);
      return s;
    },
    check: (v) => {
      assert.ok(v instanceof SharedArrayBuffer);
      assert.deepEqual([...new Uint8Array(v)], [7, 8]);
    },
  },
  OOB_BUFFER: {
    oob: true,
    make: () => buffer.slice(0),
    check: (v) => assert.deepEqual(new Uint8Array(v as ArrayBuffer), new Uint8Array([1, 2, 3])),
  },
  VIEW: {
    make: () => new Uint16Array([1, 2]),
    check: (v) => {
      assert.ok(v instanceof Uint16Array);
      assert.deepEqual([...v], [1, 2]);
    },
  },
  BOXED: {
    make: () => Object(5),
    check: (v) => {
      assert.ok(v instanceof Number);
      assert.equal(Number(v), 5);
    },
  },
  URL_TAG: {
    make: () => new URL("https://example.com/a?b=1"),
    check: eq(new URL("https://example.com/a?b=1")),
  },
  URL_SEARCH_PARAMS: {
    make: () => new URLSearchParams("a=1&b=2"),
    check: (v) => assert.equal(String(v), "a=1&b=2"),
  },
  BLOB: {
    make: () => new Blob(["hi"], { type: "application/x-golden" }),
    check: (v) => {
      assert.ok(v instanceof Blob);
      assert.equal((v as Blob).size, 2);
      assert.equal((v as Blob).type, "application/x-golden");
    },
  },
  FILE: {
    make: () => new File(["hi"], "a.txt", { type: "application/x-golden", lastModified: 1000 }),
    check: (v) => {
      assert.ok(v instanceof File);
      assert.equal(v.name, "a.txt");
      assert.equal(v.lastModified, 1000);
    },
  },
  PROMISE: {
    make: () => [Promise.resolve(7)],
    check: (v) => assert.ok((v as unknown[])[0] instanceof Promise),
  },
  GLOBAL: { make: () => Math.max, check: eq(Math.max) },
  REDUCE: {
    make: () => ({ [reduce]: () => [Array.of, [1, 2]] }),
    check: eq([1, 2]),
  },
  OBJECT_WITH_PROTO: {
    // A property that is not a default data property: instance shapes cannot carry it.
    make: () => Object.defineProperty(Object.create({ inherited: 1 }), "fixed", { value: 2 }),
    check: (v) => {
      assert.equal((v as { inherited: number }).inherited, 1);
      assert.deepEqual(Object.getOwnPropertyDescriptor(v, "fixed"), {
        value: 2,
        writable: false,
        enumerable: false,
        configurable: false,
      });
    },
  },
  FUNCTION: {
    make: () => closure({ k: 0 }, fnSource),
    check: (v) => assert.equal((v as (a: number, b: number) => number)(1, 2), 3),
  },
  FUNCTION_SLOPPY: {
    make: () => indirect("(function loose(a) { return this === globalThis ? a : -a; })"),
    check: (v) => assert.equal((v as (a: number) => number)(2), 2),
  },
  SCOPE: {
    make: () => closure({ k: 10 }, fnSource),
    check: (v) => assert.equal((v as (a: number, b: number) => number)(1, 2), 13),
  },
  PROTOTYPE_OF: {
    make: () => new ClassSource(3),
    check: (v) => assert.equal((v as { norm(): number }).norm(), 3),
  },
  SET_PROTO: {
    make: () => new MapSub([[1, 2]]),
    check: (v) => {
      assert.ok(v instanceof Map);
      assert.equal((v as unknown as { size2(): number }).size2(), 2);
    },
  },
  INSTANCE: {
    // A class this process loaded (so the loader can read its private fields on every runtime).
    make: async () =>
      new (await loads<new () => object>(Uint8Array.fromHex(golden.INSTANCE_CLASS)))(),
    check: (v) => assert.equal((v as { get(): number }).get(), 1),
  },
  MODULE: {
    make: () => shapes,
    check: (v) => assert.equal(v, shapes),
  },
  EXPORT: {
    make: () => shapes.area,
    check: (v) => assert.equal(v, shapes.area),
  },
  LATIN1: { make: () => "x".repeat(40), check: eq("x".repeat(40)) },
  PROTOTYPES: {
    make: () =>
      Object.setPrototypeOf(indirect('"use strict"; (function orphan() { return 2; })'), null),
    check: (v) => {
      assert.equal(Object.getPrototypeOf(v), null);
      assert.equal(Reflect.apply(v as () => number, undefined, []), 2);
    },
  },
  INSTANCE_NEW_SHAPE: {
    make: () => new ClassSource(3),
    check: (v) => {
      assert.equal((v as { norm(): number }).norm(), 3);
      assert.deepEqual(Object.keys(v as object), ["x"]);
    },
  },
  INSTANCE_SHAPED: {
    make: () => [new ClassSource(1), new ClassSource(2)],
    check: (v) => {
      const [a, b] = v as { norm(): number }[];
      assert.equal(Object.getPrototypeOf(a), Object.getPrototypeOf(b));
      assert.equal(a.norm() + b.norm(), 3);
    },
  },
  FUNCTION_CACHED: {
    make: () => closure({}, cachedSource),
    cached: true,
    check: (v) => assert.equal((v as (x: number) => number)(1), 2),
  },
  // Not a tag: a class with a private field, as the class of INSTANCE is written.
  CLASS: {
    make: () => Private,
    check: (v) => assert.equal(typeof v, "function"),
  },
};

async function pickle(c: Case): Promise<Uint8Array> {
  const buffers: ArrayBuffer[] = [];
  if (c.cached) {
    const codeCache = new CodeCache();
    await dumps(await c.make(), { codeCache });
    return await dumps(await c.make(), { codeCache });
  }
  return await dumps(await c.make(), c.oob ? { bufferCallback: (b) => void buffers.push(b) } : {});
}

/** The receiving cache of a `cached` case: it loaded the channel's first pickle. */
async function receiver(c: Case): Promise<CodeCache | undefined> {
  if (!c.cached) return undefined;
  const codeCache = new CodeCache();
  await loads(await dumps(await c.make(), { codeCache: new CodeCache() }), { codeCache });
  return codeCache;
}

describe("golden bytes, one case per tag", () => {
  it("covers every tag of the format", () => {
    const doc = readFileSync(`${here}../lib/format/tags.ts`, "utf8");
    const names = [
      ...doc.matchAll(/^ \* \| 0x[0-9A-F]{2}(?:\.\.0x[0-9A-F]{2})?\s+\| ([A-Za-z_ ]+?)\s+\|/gm),
    ]
      .map((m) => m[1] === "URL" ? "URL_TAG" : m[1]);
    assert.ok(names.length > 40);
    for (const n of names) assert.ok(n in CASES, `no golden case for tag ${n}`);
  });

  if (update) {
    it("prints the golden bytes (GOLDEN_UPDATE=1)", async () => {
      const out: Record<string, string> = {};
      // The class INSTANCE loads, first.
      golden.INSTANCE_CLASS = out.INSTANCE_CLASS = (await dumps(Private2)).toHex();
      for (const [name, c] of Object.entries(CASES)) {
        try {
          out[name] ??= (await pickle(c)).toHex();
        } catch (e) {
          // INSTANCE on Bun: the class it loads is this process's own here.
          out[name] = `(not pickled here: ${(e as Error).message})`;
        }
      }
      console.log(JSON.stringify(out, null, 2));
    });
    return;
  }

  for (const [name, c] of Object.entries(CASES)) {
    it(`${name}: pickles to its golden bytes and loads from them`, async () => {
      const expected = golden[name];
      assert.ok(expected !== undefined, `tests/fixtures/golden.json has no entry ${name}`);
      assert.equal((await pickle(c)).toHex(), expected);
      const bytes = Uint8Array.fromHex(expected);
      const buffers = c.oob ? [new Uint8Array([1, 2, 3]).buffer] : undefined;
      c.check(await loads(bytes, { buffers, codeCache: await receiver(c) }));
    });
  }
});
