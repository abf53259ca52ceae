// DumpOptions.fidelity "structured": plain objects and arrays as their own enumerable
// string-keyed data (getters read; symbol keys, non-enumerables, attributes and integrity
// dropped), while shared references, cycles, prototypes of instances, null prototypes,
// functions, classes and reducers stay as in exact mode; the header says so.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { closure, dumps, dumpsSync, loads, loadsSync, reduce } from "../mod.ts";
import { dis } from "../dis.ts";
import { FLAG_STRUCTURED } from "../lib/format/tags.ts";
import { expectPicklingError } from "./helpers.ts";
import { records10 } from "../bench/target_cases.ts";

const S = { fidelity: "structured" } as const;
type Rec = Record<string | symbol, unknown>;
const structured = <T>(v: T): T => loadsSync<T>(dumpsSync(v, S));
const own = (o: object, k: string) => Object.getOwnPropertyDescriptor(o, k);
const DATA = { writable: true, enumerable: true, configurable: true };

describe('fidelity "structured"', () => {
  it("reads getters into data properties, in key order", () => {
    let reads = 0;
    const o = {
      a: 1,
      get g() {
        reads++;
        return this.a + 1;
      },
      z: "last",
    };
    const out = structured(o) as Rec;
    assert.equal(reads, 1, "the getter is read once");
    assert.deepEqual(Object.keys(out), ["a", "g", "z"]);
    assert.deepEqual(own(out, "g"), { value: 2, ...DATA });
    // Exact mode keeps the accessor.
    const exact = loadsSync<Rec>(dumpsSync(o));
    assert.equal(typeof own(exact, "g")?.get, "function");
  });

  it("drops symbol keys, non-enumerable properties, attributes and integrity", () => {
    const sym = Symbol("s");
    const o: Rec = { a: 1, [sym]: 2, [Symbol.for("r")]: 3 };
    Object.defineProperty(o, "hidden", { value: 4, enumerable: false });
    Object.defineProperty(o, "fixed", { value: 5, enumerable: true, writable: false });
    Object.freeze(o);
    const out = structured(o);
    assert.deepEqual(Reflect.ownKeys(out), ["a", "fixed"]);
    assert.deepEqual(own(out, "fixed"), { value: 5, ...DATA });
    assert.equal(Object.isFrozen(out), false);
    assert.equal(Object.isExtensible(out), true);
  });

  it("keeps shared references and cycles of objects and arrays", () => {
    const shared = { n: 1 };
    const list: unknown[] = [shared];
    const o: Rec = { a: shared, b: shared, list, again: list };
    o.self = o;
    list.push(o, list);
    const out = structured(o);
    assert.equal(out.a, out.b);
    assert.equal(out.self, out);
    assert.equal(out.list, out.again);
    const l = out.list as unknown[];
    assert.equal(l[0], out.a);
    assert.equal(l[1], out);
    assert.equal(l[2], l);
  });

  it("arrays keep holes, length and enumerable named properties; getters read", () => {
    const a: unknown[] & Rec = [1, , 3] as unknown[] & Rec;
    a.label = "x";
    a[Symbol("s") as unknown as string] = 1;
    Object.defineProperty(a, "hidden", { value: 1, enumerable: false });
    Object.defineProperty(a, 3, { get: () => "read", enumerable: true, configurable: true });
    a.length = 6;
    const out = structured(a) as unknown[] & Rec;
    assert.equal(Array.isArray(out), true);
    assert.equal(out.length, 6);
    assert.deepEqual([0 in out, 1 in out, 2 in out, 3 in out, 4 in out], [
      true,
      false,
      true,
      true,
      false,
    ]);
    assert.deepEqual(own(out, "3"), { value: "read", ...DATA });
    assert.equal(out.label, "x");
    assert.deepEqual(Reflect.ownKeys(out), ["0", "2", "3", "length", "label"]);
    // A frozen array, and one whose length is fixed, come back as ordinary arrays.
    const frozen = structured(Object.freeze([1, 2])) as unknown[];
    assert.deepEqual(frozen, [1, 2]);
    assert.equal(Object.isFrozen(frozen), false);
    const fixed = [1];
    Object.defineProperty(fixed, "length", { writable: false });
    const f = structured(fixed);
    f.push(2);
    assert.deepEqual(f, [1, 2]);
  });

  it("keeps class instances with their prototypes, and null prototypes", () => {
    class Point {
      constructor(public x: number, public y: number) {}
      sum(): number {
        return this.x + this.y;
      }
      get twice(): number {
        return 2 * this.sum();
      }
    }
    const C = closure({}, Point);
    const p = new C(2, 3);
    const bare = Object.assign(Object.create(null), { k: 1 });
    const out = structured({ p, q: p, bare, proto: C.prototype }) as Rec;
    const lp = out.p as Point;
    assert.equal(out.q, lp);
    assert.equal(lp.sum(), 5);
    assert.equal(lp.twice, 10);
    assert.equal(Object.getPrototypeOf(lp), out.proto);
    assert.equal(Object.getPrototypeOf(out.bare), null);
    assert.deepEqual({ ...(out.bare as object) }, { k: 1 });
  });

  it("keeps functions by value with their captures, built-ins and namespaces by reference", () => {
    const factor = 3;
    const scale = closure({ factor }, (v: number) => v * factor);
    const out = structured({ scale, twice: scale, max: Math.max, math: Math });
    assert.equal(out.scale(5), 15);
    assert.equal(out.twice, out.scale);
    assert.equal(out.max, Math.max);
    assert.equal(out.math, Math);
  });

  it("honours a reducer on a plain object", () => {
    const o = {
      n: 2,
      [reduce]() {
        return [(n: number) => ({ rebuilt: n }), [this.n]];
      },
    };
    assert.deepEqual(structured(o), { rebuilt: 2 });
  });

  it("refuses a Proxy as exact mode does", () => {
    expectPicklingError(() => dumpsSync({ p: new Proxy({}, {}) }, S), "root.p");
    expectPicklingError(() => dumpsSync([new Proxy([], {})], S), "root[0]");
  });

  it("a getter that removes a later key during the read gives no misplaced value", () => {
    const o: Rec = {
      get first() {
        delete o.second;
        return 1;
      },
      second: 2,
      third: 3,
    };
    const out = structured(o);
    assert.deepEqual(Object.keys(out), ["first", "second", "third"]);
    assert.equal(out.first, 1);
    assert.equal(out.second, undefined);
    assert.equal(out.third, 3);
  });

  it("the header records the mode, dis shows it, and loading needs no option", async () => {
    const v = { a: [1, 2], b: { c: "d" } };
    const s = dumpsSync(v, S);
    assert.equal(s[5] & FLAG_STRUCTURED, FLAG_STRUCTURED);
    assert.equal(dumpsSync(v)[5] & FLAG_STRUCTURED, 0);
    assert.equal(dumpsSync(v, { fidelity: "exact" })[5] & FLAG_STRUCTURED, 0);
    assert.match(dis(s).split("\n")[0], /flags 0x10 \(structured\)/);
    assert.deepEqual(loadsSync(s, { allowCode: false }), v);
    const a = await dumps(v, S);
    assert.deepEqual(a, s);
    assert.deepEqual(await loads(a), v);
  });

  it("an unknown fidelity is a TypeError naming the choices", () => {
    assert.throws(
      () => dumpsSync(1, { fidelity: "loose" as "exact" }),
      (e: Error) => e instanceof TypeError && /"exact".*"structured"/.test(e.message),
    );
  });

  it("records: same bytes as exact mode for plain data, and the same values", () => {
    const rows = records10(200);
    const s = dumpsSync(rows, S);
    const e = dumpsSync(rows);
    assert.equal(s.length, e.length);
    assert.deepEqual(s.subarray(6), e.subarray(6));
    assert.deepEqual(loadsSync(s), rows);
  });
});
