// Self-tests for the graph comparator in equal.ts: it must accept equal
// graphs and reject every kind of difference the round-trip tests rely on.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { assertGraphEqual, graphDiff } from "./equal.ts";

function same(a: unknown, b: unknown): void {
  const d = graphDiff(a, b);
  assert.equal(d, undefined, `expected equal, got: ${d}`);
}

function differ(a: unknown, b: unknown, includes?: string): void {
  const d = graphDiff(a, b);
  assert.notEqual(d, undefined, "expected a difference");
  if (includes) assert.ok(d!.includes(includes), `diff ${d} lacks ${includes}`);
}

describe("equal.ts comparator", () => {
  it("primitives: -0, NaN, bigint, strings", () => {
    same(NaN, NaN);
    same(-0, -0);
    differ(-0, 0);
    differ(0, -0);
    same(2n ** 100n, 2n ** 100n);
    differ(1n, 1);
    differ("a", "b");
    differ(undefined, null);
    same("\uD800", "\uD800");
    differ("\uD800", "\uFFFD");
  });

  it("holes differ from undefined", () => {
    // deno-lint-ignore no-sparse-arrays
    differ([1, , 3], [1, undefined, 3]);
    // deno-lint-ignore no-sparse-arrays
    same([1, , 3], [1, , 3]);
    const a: unknown[] = [];
    a.length = 1e6;
    const b: unknown[] = [];
    b.length = 1e6 - 1;
    differ(a, b, "length");
  });

  it("shared references must stay shared and distinct ones distinct", () => {
    const o = { x: 1 };
    same([o, o], [{ x: 1 }, { x: 1 }].map((_v, _i, arr) => arr[0]));
    differ([{ x: 1 }, { x: 1 }], [o, o], "sharing");
    differ([o, o], [{ x: 1 }, { x: 1 }], "sharing");
  });

  it("cycles terminate and are compared", () => {
    const a: Record<string, unknown> = { n: 1 };
    a.self = a;
    const b: Record<string, unknown> = { n: 1 };
    b.self = b;
    same(a, b);
    const c: Record<string, unknown> = { n: 1 };
    c.self = { n: 1, self: c };
    differ(a, c);
  });

  it("prototypes", () => {
    differ(Object.create(null), {}, "prototype");
    same(Object.create(null), Object.create(null));
    same(Object.create({ p: 1 }), Object.create({ p: 1 }));
    differ(Object.create({ p: 1 }), Object.create({ p: 2 }));
    differ(new Uint8Array(2), new Int8Array(2));
    class A {}
    differ(new A(), {}, "prototype");
  });

  it("key order and symbol keys", () => {
    differ({ a: 1, b: 2 }, { b: 2, a: 1 });
    same({ 2: 0, 1: 0, z: 0 }, { 1: 0, z: 0, 2: 0 });
    const s = Symbol("k");
    same({ [s]: 1 }, { [Symbol("k")]: 1 });
    differ({ [s]: 1 }, { [Symbol("j")]: 1 });
    differ({ [Symbol.for("k")]: 1 }, { [Symbol("k")]: 1 });
    differ({ [s]: 1 }, { [s]: 2 });
  });

  it("property descriptors and integrity levels", () => {
    const a = {};
    Object.defineProperty(a, "x", { value: 1, enumerable: true });
    differ(a, { x: 1 }, "root.x");
    differ(Object.freeze({ x: 1 }), { x: 1 });
    differ(Object.seal({ x: 1 }), { x: 1 });
    differ(Object.preventExtensions({ x: 1 }), { x: 1 });
    same(Object.freeze([1]), Object.freeze([1]));
    const g = {
      get x() {
        return 1;
      },
    };
    differ(g, { x: 1 }, "accessor");
  });

  it("unique symbols: description and identity mapping", () => {
    const s = Symbol("s");
    const t = Symbol("s");
    same(s, t);
    same([s, s], [t, t]);
    differ([s, s], [t, Symbol("s")]);
    differ([s, t], [t, t]);
    differ(Symbol(), Symbol(""));
    differ(Symbol.iterator, Symbol("Symbol.iterator"));
    same(Symbol.iterator, Symbol.iterator);
  });

  it("Map and Set contents in order, keys by identity", () => {
    same(new Map([[1, 2], [3, 4]]), new Map([[1, 2], [3, 4]]));
    differ(new Map([[1, 2], [3, 4]]), new Map([[3, 4], [1, 2]]));
    differ(new Set([1, 2]), new Set([2, 1]));
    differ(new Set([1]), new Map([[1, 1]]));
    const k = {};
    differ(new Map([[k, k]]), new Map([[{}, {}]]), "sharing");
    const m = new Map<unknown, unknown>();
    m.set(m, m);
    const m2 = new Map<unknown, unknown>();
    m2.set(m2, m2);
    same(m, m2);
  });

  it("Date, RegExp, boxed primitives", () => {
    same(new Date(NaN), new Date(NaN));
    differ(new Date(1), new Date(2));
    differ(/a/g, /a/i);
    const r = /a/g;
    r.lastIndex = 3;
    differ(r, /a/g, "lastIndex");
    differ(new Number(1), new Number(2));
    differ(new Number(-0), new Number(0));
    differ(Object(Symbol("a")), Object(Symbol("b")));
    differ(new String("ab"), new String("ac"));
  });

  it("binary data: bytes, views, sharing of buffers", () => {
    differ(new Uint8Array([1, 2]), new Uint8Array([1, 3]), "bytes");
    const buf = new ArrayBuffer(8);
    const shared = [new Uint8Array(buf), new DataView(buf)];
    const unshared = [new Uint8Array(8), new DataView(new ArrayBuffer(8))];
    differ(unshared, shared, "sharing");
    same(
      shared,
      (() => {
        const b = new ArrayBuffer(8);
        return [new Uint8Array(b), new DataView(b)];
      })(),
    );
    differ(new ArrayBuffer(8, { maxByteLength: 16 }), new ArrayBuffer(8));
    differ(new Uint8Array(new ArrayBuffer(8), 2), new Uint8Array(6));
    const det = new ArrayBuffer(8);
    det.transfer();
    differ(det, new ArrayBuffer(0), "detached");
  });

  it("errors: stack, message, cause, name", () => {
    const e = new TypeError("m");
    const f = new TypeError("m");
    differ(e, f, "stack");
    f.stack = e.stack;
    same(e, f);
    differ(e, new RangeError("m"));
    const g = new TypeError("n");
    g.stack = e.stack;
    differ(e, g, "message");
  });

  it("functions compared by identity", () => {
    same(Math.max, Math.max);
    differ(Math.max, Math.min);
    differ(() => 1, () => 1);
  });

  it("deep nesting does not overflow", () => {
    let a: unknown = 0;
    let b: unknown = 0;
    for (let i = 0; i < 100000; i++) {
      a = [a];
      b = [b];
    }
    same(a, b);
    assert.throws(() => assertGraphEqual(a, [[1]]), /root/);
  });
});
