import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { dumps, dumpsSync, loads, loadsSync } from "../mod.ts";
import { nestedArray, nestedObject, roundTrip, runFixtures } from "./helpers.ts";
import { assertGraphEqual } from "./equal.ts";
import { objectFixtures } from "./fixtures/objects.ts";

describe("objects round-trip (sync, async, stream)", () => {
  runFixtures(objectFixtures);
});

describe("deep nesting", () => {
  const DEPTH = 20_000;

  function depthOfArray(v: unknown): number {
    let d = 0;
    while (Array.isArray(v)) {
      v = v[0];
      d++;
    }
    return d;
  }

  it(`array nested ${DEPTH} levels round-trips in all forms`, async () => {
    const input = nestedArray(DEPTH, "leaf");
    const r = await roundTrip(input);
    for (const out of [r.sync, r.async, r.stream]) {
      assert.equal(depthOfArray(out), DEPTH);
      assertGraphEqual(out, input);
    }
  });

  it(`object nested ${DEPTH} levels round-trips in all forms`, async () => {
    const input = nestedObject(DEPTH, { end: true });
    const r = await roundTrip(input);
    for (const out of [r.sync, r.async, r.stream]) {
      assertGraphEqual(out, input);
    }
  });

  it("deeply nested Map/Set/object mix round-trips", async () => {
    let v: unknown = 1;
    for (let i = 0; i < DEPTH; i++) {
      v = i % 3 === 0 ? new Map([["k", v]]) : i % 3 === 1 ? new Set([v]) : { v };
    }
    assertGraphEqual(loadsSync(dumpsSync(v)), v);
    assertGraphEqual(await loads(await dumps(v)), v);
  });

  it("deeply nested cycle back to the root", () => {
    const root: { next?: unknown } = {};
    let cur: { next?: unknown } = root;
    for (let i = 0; i < DEPTH; i++) {
      const n: { next?: unknown } = {};
      cur.next = n;
      cur = n;
    }
    cur.next = root;
    const out = loadsSync(dumpsSync(root)) as { next?: unknown };
    let c: unknown = out;
    for (let i = 0; i <= DEPTH; i++) c = (c as { next: unknown }).next;
    assert.equal(c, out);
  });
});

describe("arrays read through a polluted prototype", () => {
  // A hole reads through Array.prototype: with an index there, a long array with a hole and a
  // named property must not pass for a dense one.
  for (
    const [where, proto] of [["Array", Array.prototype], ["Object", Object.prototype]] as const
  ) {
    it(`a hole under ${where}.prototype[7], next to a named property, stays a hole`, () => {
      const a: unknown[] = Array.from({ length: 400 }, (_, i) => i);
      delete a[7];
      (a as unknown as Record<string, unknown>).extra = "x";
      Object.defineProperty(proto, "7", { value: "polluted", writable: true, configurable: true });
      try {
        const out = loadsSync<unknown[]>(dumpsSync(a));
        assert.equal(out.length, 400);
        assert.ok(!Object.hasOwn(out, 7), "index 7 is still a hole");
        assert.equal((out as unknown as Record<string, unknown>).extra, "x");
        assert.equal(out[399], 399);
      } finally {
        delete (proto as unknown as Record<string, unknown>)["7"];
      }
    });
  }
});

describe("records with arrays among their values", () => {
  it("arrays read with a record's values keep memo order, references and key order", () => {
    const inner = { x: 1 };
    const o: Record<string, unknown> = {
      a: [1, inner, 2],
      b: 3,
      c: { d: [4] },
      e: "s",
      f: [],
      g: [[1], "x"],
    };
    o.self = [o, 1];
    o.z = o.self;
    o.inner = inner;
    const rows = [o, o, { a: [], b: [[1]], c: 1 }, { a: [], b: [[1]], c: 2 }];
    for (let round = 0; round < 3; round++) {
      const out = loadsSync(dumpsSync(rows)) as Record<string, unknown>[];
      const r = out[0];
      assert.equal(out[1], r);
      assert.deepEqual(Object.keys(r), ["a", "b", "c", "e", "f", "g", "self", "z", "inner"]);
      assert.equal((r.self as unknown[])[0], r);
      assert.equal(r.z, r.self);
      assert.equal((r.a as unknown[])[1], r.inner);
      assert.deepEqual(r.a, [1, { x: 1 }, 2]);
      assert.deepEqual([r.b, r.c, r.e, r.f, r.g], [3, { d: [4] }, "s", [], [[1], "x"]]);
      assert.deepEqual(out.slice(2), rows.slice(2));
    }
  });

  it("an object read inside another value's read keeps its values after that value", () => {
    // The prototype of a reparented array is written before the array, its values after it:
    // the array that follows the prototype's shape is not the prototype's first value.
    for (const fidelity of ["exact", "structured"] as const) {
      const proto = { x: 1, list: [9] };
      const tagged = Object.setPrototypeOf([1, 2], proto) as unknown[];
      const rows = [{ id: 1, tags: tagged, t: [3] }, { id: 2, tags: tagged, t: [4] }, proto];
      const out = loadsSync<Record<string, unknown>[]>(dumpsSync(rows, { fidelity }));
      const a = out[0].tags as unknown[];
      assert.ok(Array.isArray(a));
      assert.equal(Object.getPrototypeOf(a), out[2]);
      assert.deepEqual([a.length, a[0], a[1]], [2, 1, 2]);
      assert.deepEqual(out[2], { x: 1, list: [9] });
      assert.equal(out[1].tags, a);
      assert.deepEqual([out[0].t, out[1].t], [[3], [4]]);
    }
    // A function whose prototype object's prototype is such an array (PROTOTYPES).
    const base = Object.setPrototypeOf([5, 6], { y: 2 });
    const holder = {
      f: function (this: unknown, n: number): number {
        return n * 3;
      },
    };
    Object.setPrototypeOf(holder.f, { own: 1 });
    Object.setPrototypeOf(holder.f.prototype, base);
    const back = loadsSync<typeof holder>(dumpsSync(holder));
    // Its own prototype is a plain object now (no call()): called directly.
    assert.equal(back.f(4), 12);
    assert.equal((Object.getPrototypeOf(back.f) as { own: number }).own, 1);
    const p = Object.getPrototypeOf(back.f.prototype) as unknown[];
    assert.ok(Array.isArray(p));
    assert.deepEqual([p.length, p[0], p[1], (p as unknown as { y: number }).y], [2, 5, 6, 2]);
  });
});
