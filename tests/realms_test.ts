// Values of another realm (a node:vm context, as test runners and sandboxes make them) inherit
// from that realm's built-ins. They pickle as this realm's would, and load with the loading
// realm's built-ins, as structuredClone gives them: plain objects, arrays, Maps, errors, typed
// arrays, class instances and functions, with their shared references, over two hops.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import vm from "node:vm";
import { dumps, dumpsSync, loads, loadsSync, PicklingError } from "../mod.ts";

const onBun = typeof (globalThis as { Bun?: unknown }).Bun !== "undefined";

function inContext(source: string): Record<string, unknown> {
  return vm.runInContext(source, vm.createContext({})) as Record<string, unknown>;
}

const DATA = `
  class Point {
    constructor(x, y) { this.x = x; this.y = y; }
    norm() { return Math.hypot(this.x, this.y); }
  }
  const shared = { s: 1 };
  ({
    plain: { a: 1, b: [2, { c: 3 }] },
    err: new TypeError("boom", { cause: shared }),
    map: new Map([[1, shared]]),
    set: new Set(["x"]),
    date: new Date(86400000),
    re: /a+/gi,
    f64: new Float64Array([1.5, 2.5]),
    big: 10n,
    boxed: new String("s"),
    point: new Point(3, 4),
    shared,
    again: shared,
    nullProto: Object.assign(Object.create(null), { z: 1 }),
    max: Math.max,
    push: Array.prototype.push,
    subarray: Uint8Array.prototype.subarray,
    double: (k) => k * 2,
  })`;

type Data = {
  plain: { a: number; b: [number, { c: number }] };
  err: TypeError;
  map: Map<number, unknown>;
  set: Set<string>;
  date: Date;
  re: RegExp;
  f64: Float64Array;
  big: bigint;
  boxed: string;
  point: { x: number; y: number; norm(): number };
  shared: { s: number };
  again: unknown;
  nullProto: { z: number };
  max: unknown;
  push: unknown;
  subarray: unknown;
  double: (k: number) => number;
};

function check(d: Data, hop: number): void {
  const at = `hop ${hop}`;
  assert.deepEqual(d.plain, { a: 1, b: [2, { c: 3 }] }, at);
  assert.equal(Object.getPrototypeOf(d.plain), Object.prototype, at);
  assert.equal(Object.getPrototypeOf(d.plain.b), Array.prototype, at);
  assert.ok(d.err instanceof TypeError, at);
  assert.equal(d.err.message, "boom");
  assert.equal(d.err.cause, d.shared, "the error's cause is the shared object");
  assert.ok(d.map instanceof Map && d.map.get(1) === d.shared);
  assert.ok(d.set instanceof Set && d.set.has("x"));
  assert.ok(d.date instanceof Date && d.date.getTime() === 86400000);
  assert.ok(d.re instanceof RegExp && d.re.flags === "gi" && d.re.source === "a+");
  assert.ok(d.f64 instanceof Float64Array);
  assert.deepEqual([...d.f64], [1.5, 2.5]);
  assert.equal(d.big, 10n);
  assert.ok((d.boxed as unknown) instanceof String);
  assert.equal(d.point.norm(), 5);
  assert.equal(d.shared, d.again);
  assert.equal(Object.getPrototypeOf(d.nullProto), null);
  assert.equal(d.max, Math.max, "a built-in function of the other realm is this realm's");
  assert.equal(d.push, Array.prototype.push);
  assert.equal(d.subarray, Uint8Array.prototype.subarray);
  assert.equal(d.double(21), 42);
}

describe("values of another realm (node:vm)", () => {
  it("pickle as this realm's and load with its built-ins, over two hops", async () => {
    const data = inContext(DATA) as unknown as Data;
    assert.notEqual(Object.getPrototypeOf(data.plain), Object.prototype, "another realm's");
    const once = loadsSync(dumpsSync(data)) as Data;
    check(once, 1);
    const twice = await loads(await dumps(once)) as Data;
    check(twice, 2);
    // The same bytes as this realm's own values make.
    assert.deepEqual(
      dumpsSync(inContext("({ a: [1, 2], m: new Map([[1, 2]]) })")),
      dumpsSync({
        a: [1, 2],
        m: new Map([[1, 2]]),
      }),
    );
  });

  it("a closure made there keeps what it captures (where the runtime reads its scopes)", async () => {
    const made = inContext(`
      let count = 0;
      const bump = (k) => (count += k);
      ({ bump, read: () => count })`) as { bump(k: number): number; read(): number };
    made.bump(2);
    if (onBun) {
      // Code a node:vm context runs is not instrumented by the preload: refused, saying so.
      await assert.rejects(
        async () => await dumps(made),
        (e: unknown) => e instanceof PicklingError && /could not be read/.test(e.message),
      );
      return;
    }
    const back = await loads(await dumps(made)) as typeof made;
    assert.equal(back.bump(3), 5);
    assert.equal(back.read(), 5, "the two closures still share their variable");
  });
});
