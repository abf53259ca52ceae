// Property-based round trips with fast-check: arbitrary values (objects,
// arrays with holes, null-prototype objects, Maps, Sets, Dates, typed arrays,
// boxed values, symbols, bigints, -0/NaN) with extra shared references and
// cycles wired in; compared with the graph comparator of equal.ts.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { dumps, dumpsSync, loads, loadsSync } from "../mod.ts";
import { bytesEqual, streamRoundTrip } from "./helpers.ts";
import { assertGraphEqual, graphDiff } from "./equal.ts";

const SEED = 424242;

const leaf: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(
    undefined,
    null,
    true,
    false,
    0,
    -0,
    NaN,
    Infinity,
    -Infinity,
    Number.MIN_VALUE,
    Symbol.iterator,
    Symbol.for("prop.reg"),
  ),
  fc.double(),
  fc.integer(),
  fc.bigInt(),
  fc.string({ unit: "binary" }),
  fc.string({ unit: "grapheme" }),
  fc.string(),
  fc.date({ noInvalidDate: false }),
  fc.string({ maxLength: 3 }).map((d) => Symbol(d)),
  fc.tuple(fc.uint8Array({ maxLength: 24 }), fc.nat(3)).map(([bytes, off]) => {
    // a few views over one buffer
    const buf = bytes.buffer;
    const o = Math.min(off, bytes.length);
    return [bytes, new DataView(buf, o), new Uint8Array(buf, o)];
  }),
  fc.float64Array({ maxLength: 5 }),
  fc.int16Array({ maxLength: 5 }),
  fc.bigInt64Array({ maxLength: 3 }),
  fc.constantFrom("g", "gi", "y", "su", "dm").map((f) => new RegExp("a|b(c)", f)),
  fc.string().map((m) => new RangeError(m)),
);

const anything = fc.anything({
  key: fc.oneof(fc.string(), fc.constantFrom("__proto__", "0", "1", "length", "constructor")),
  values: [leaf],
  maxDepth: 4,
  maxKeys: 5,
  withBigInt: true,
  withBoxedValues: true,
  withDate: true,
  withMap: true,
  withSet: true,
  withNullPrototype: true,
  withObjectString: true,
  withSparseArray: true,
  withTypedArray: true,
  withUnicodeString: true,
});

type Container = Record<string, unknown> | unknown[] | Map<unknown, unknown> | Set<unknown>;

/** All arrays, plain/null-prototype objects, Maps and Sets of a graph. */
function containers(root: unknown): Container[] {
  const out: Container[] = [];
  const seen = new Set<unknown>();
  const stack = [root];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v !== "object" || v === null || seen.has(v)) continue;
    seen.add(v);
    if (ArrayBuffer.isView(v) || v instanceof Date || v instanceof Error) continue;
    const proto = Object.getPrototypeOf(v);
    if (v instanceof Map) {
      out.push(v);
      for (const [k, x] of v) stack.push(k, x);
    } else if (v instanceof Set) {
      out.push(v);
      for (const x of v) stack.push(x);
    } else if (Array.isArray(v) || proto === Object.prototype || proto === null) {
      out.push(v as Container);
      for (const k of Reflect.ownKeys(v)) {
        stack.push((v as Record<string | symbol, unknown>)[k]);
      }
    }
  }
  return out;
}

/** A value with extra edges between its containers (sharing and cycles). */
const graph = fc.tuple(anything, fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: 6 })).map(
  ([root, links]) => {
    const top = { root };
    const cs = containers(top);
    links.forEach(([from, to], i) => {
      const a = cs[from % cs.length];
      const b = cs[to % cs.length];
      if (a instanceof Map) a.set(`link${i}`, b);
      else if (a instanceof Set) a.add(b);
      else if (Array.isArray(a)) a.push(b);
      else {Object.defineProperty(a, `link${i}`, {
          value: b,
          writable: true,
          enumerable: true,
          configurable: true,
        });}
    });
    return top;
  },
);

describe("property-based round trips", () => {
  it("the comparator accepts every generated value compared with itself", () => {
    fc.assert(
      fc.property(graph, (v) => {
        assert.equal(graphDiff(v, v), undefined);
      }),
      { seed: SEED, numRuns: 100 },
    );
  });

  it("dumpsSync/loadsSync round-trips arbitrary graphs", () => {
    fc.assert(
      fc.property(graph, (v) => {
        assertGraphEqual(loadsSync(dumpsSync(v)), v);
      }),
      { seed: SEED, numRuns: 400 },
    );
  });

  it("dumps/loads round-trips arbitrary graphs", async () => {
    await fc.assert(
      fc.asyncProperty(graph, async (v) => {
        assertGraphEqual(await loads(await dumps(v)), v);
      }),
      { seed: SEED + 1, numRuns: 150 },
    );
  });

  it("dump/load over a stream round-trips several arbitrary graphs", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(graph, { minLength: 1, maxLength: 3 }), async (vs) => {
        const out = await streamRoundTrip(vs);
        assertGraphEqual(out, vs);
      }),
      { seed: SEED + 2, numRuns: 60 },
    );
  });

  it("pickling is deterministic", () => {
    fc.assert(
      fc.property(graph, (v) => {
        assert.ok(bytesEqual(dumpsSync(v), dumpsSync(v)));
      }),
      { seed: SEED + 3, numRuns: 200 },
    );
  });

  it("strings of any code units round-trip exactly", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: "binary", maxLength: 300 }),
        fc.array(fc.nat(0xffff)),
        (s, units) => {
          const t = s + String.fromCharCode(...units);
          assert.ok(loadsSync(dumpsSync(t)) === t);
        },
      ),
      { seed: SEED + 4, numRuns: 300 },
    );
  });

  it("numbers and bigints round-trip exactly", () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.double(), fc.integer(), fc.maxSafeInteger()),
        fc.bigInt({ min: -(2n ** 2000n), max: 2n ** 2000n }),
        (n, b) => {
          const [n2, b2] = loadsSync(dumpsSync([n, b])) as [number, bigint];
          assert.ok(Object.is(n2, n), `${n2} vs ${n}`);
          assert.equal(b2, b);
        },
      ),
      { seed: SEED + 5, numRuns: 300 },
    );
  });
});
