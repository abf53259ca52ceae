// The reduce protocol: [reduce]() and reducerOverride results, setState, and their errors.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { dumpsSync, loadsSync, reduce, type Reduction, setState } from "../mod.ts";
import { expectPicklingError, type Rec, roundTrip } from "./helpers.ts";
import { reducer } from "./fixtures/all.ts";

describe("reduce protocol", () => {
  it("a cycle back to an object while its reducer's arguments are written is refused", () => {
    const holder: { self?: object } = {};
    const r = reducer(() => [Array, [holder]]);
    holder.self = r;
    const e = expectPicklingError(() => dumpsSync(r));
    assert.match(e.message, /reference cycle through an object rebuilt by a reducer/);
    // The same object met again after its reducer completed is an ordinary shared reference.
    const shared = reducer(() => [Date, [5]]);
    const out = loadsSync(dumpsSync([shared, { again: shared }])) as [Date, { again: Date }];
    assert.equal(out[1].again, out[0]);
    assert.equal(out[0].getTime(), 5);
  });

  it("a plain object with an own [reduce] method is rebuilt through it", () => {
    const out = loadsSync(dumpsSync({ d: { [reduce]: () => [Date, [7]] } })) as { d: unknown };
    assert.ok(out.d instanceof Date);
    assert.equal(out.d.getTime(), 7);
  });

  it("[Date, [0]] is rebuilt with new", () => {
    const out = loadsSync(dumpsSync(reducer(() => [Date, [0]])));
    assert.ok(out instanceof Date, "a Date object, not the string Date() returns");
    assert.equal(out.getTime(), 0);
  });

  it("built-in constructors are invoked with new", () => {
    const cases: Array<[() => unknown, (o: unknown) => void]> = [
      [() => [Map, [[["a", 1]]]], (o) => assert.equal((o as Map<string, number>).get("a"), 1)],
      [() => [Set, [[1, 2]]], (o) => assert.ok(o instanceof Set && o.has(2))],
      [() => [Uint8Array, [[1, 2]]], (o) => assert.deepEqual([...(o as Uint8Array)], [1, 2])],
      [() => [RegExp, ["a+", "g"]], (o) => assert.equal(String(o), "/a+/g")],
      [() => [Error, ["m"]], (o) => assert.ok(o instanceof Error && o.message === "m")],
      [() => [Number, [21]], (o) => assert.ok(o instanceof Number && o.valueOf() === 21)],
      [() => [String, ["s"]], (o) => assert.ok(o instanceof String && o.valueOf() === "s")],
      [() => [Object, []], (o) => assert.deepEqual(o, {})],
    ];
    for (const [r, check] of cases) check(loadsSync(dumpsSync(reducer(r))));
  });

  it("plain functions, methods, BigInt and Symbol are called", () => {
    const a = loadsSync(dumpsSync(reducer(() => [Array.of, [1, 2, 3]])));
    assert.deepEqual(a, [1, 2, 3]);
    assert.equal(loadsSync(dumpsSync(reducer(() => [BigInt, ["123"]]))), 123n);
    const s = loadsSync(dumpsSync(reducer(() => [Symbol, ["d"]])));
    assert.equal(typeof s, "symbol");
    assert.equal((s as symbol).description, "d");
    assert.deepEqual(loadsSync(dumpsSync(reducer(() => [Object.assign, [{}, { a: 1 }]]))), {
      a: 1,
    });
    assert.equal(loadsSync(dumpsSync(reducer(() => [String.fromCharCode, [65, 66]]))), "AB");
    assert.equal(loadsSync(dumpsSync(reducer(() => [Math.max, [1, 5, 2]]))), 5);
  });

  it("a class with [reduce] pickles through it", () => {
    class Celsius {
      constructor(public degrees: number) {}
      [reduce](): Reduction {
        return [Number, [this.degrees]];
      }
    }
    const out = loadsSync(dumpsSync({ t: new Celsius(21) })) as { t: unknown };
    assert.ok(out.t instanceof Number);
    assert.equal(out.t.valueOf(), 21);
  });

  it("state is applied with Object.assign", () => {
    const out = loadsSync(
      dumpsSync(reducer(() => [Map, [[["a", 1]]], { extra: 1, more: [2] }])),
    ) as Map<string, number> & Rec;
    assert.ok(out instanceof Map);
    assert.equal(out.get("a"), 1);
    assert.ok(Object.hasOwn(out, "extra"));
    assert.equal(out.extra, 1);
    assert.deepEqual(out.more, [2]);
  });

  it("state goes through the rebuilt object's [setState] when it has one", () => {
    // Object.fromEntries builds {[setState]: Array.prototype.push}; loading then
    // calls obj[setState](state), i.e. pushes the state: obj[0] = state.
    const v = reducer(() => [
      Object.fromEntries,
      [[[setState, Array.prototype.push]]],
      { x: 1 },
    ]);
    const out = loadsSync(dumpsSync(v)) as Rec;
    assert.equal(out.length, 1, "setState was called");
    assert.deepEqual(out[0], { x: 1 });
    assert.ok(!Object.hasOwn(out, "x"), "Object.assign was not used");
  });

  it("args are pickled as a graph (shared with the rest of the value)", () => {
    const shared = { s: 1 };
    const v = { r: reducer(() => [Array.of, [shared, shared]]), shared };
    const out = loadsSync(dumpsSync(v)) as { r: unknown[]; shared: unknown };
    assert.equal(out.r[0], out.r[1]);
    assert.equal(out.r[0], out.shared);
  });

  it("shared references to a reduced object stay shared", async () => {
    const r = reducer(() => [Array.of, [1]]);
    const v = [r, { again: r }, r];
    const outs = await roundTrip(v);
    for (const out of Object.values(outs)) {
      const a = out as [unknown[], { again: unknown }, unknown];
      assert.deepEqual(a[0], [1]);
      assert.equal(a[0], a[1].again);
      assert.equal(a[0], a[2]);
    }
  });

  it("reduced objects nested in reduce args", () => {
    const inner = reducer(() => [Date, [5]]);
    const outer = reducer(() => [Array.of, [inner, "x"]]);
    const out = loadsSync(dumpsSync(outer)) as [Date, string];
    assert.ok(out[0] instanceof Date);
    assert.equal(out[0].getTime(), 5);
    assert.equal(out[1], "x");
  });

  it("a reduce method that throws surfaces as PicklingError", () => {
    const bad = reducer(() => {
      throw new Error("nope");
    });
    expectPicklingError(() => dumpsSync({ bad }), "root.bad");
  });
});
