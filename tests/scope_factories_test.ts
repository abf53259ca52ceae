// Rebuilt scopes come from one factory per list of variables, evaluated once and called for
// every scope (so the engine's cache serves the code evaluated in them). Whatever a factory is
// shared by, each load must still get scopes of its own: closures of one scope share its
// variables, closures of two loads or two scopes never do, and a variable in its temporal dead
// zone stays uninitialized however often its list of names was met before.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { closure, dumps, dumpsSync, loadsSync } from "../mod.ts";
import { throwsReference } from "./helpers.ts";

type Counter = { inc: () => number; get: () => number };

/** Two closures over one variable, pickled together (one scope). */
function counterPair(start: number): Counter {
  let n = start;
  return { inc: () => ++n, get: () => n };
}

/** A closure over two nested scopes: the factory's `scale` and the inner function's `offset`. */
const nested = (scale: number) => (offset: number) => (x: number) => x * scale + offset;

/** Pickles a closure over `late` before it is declared, and another of the same names after. */
async function sameNamesTdzAndLive(): Promise<{ tdz: Uint8Array; live: Uint8Array }> {
  const ready = 2;
  const g = (x: number) => (x >= 0 ? x * ready : late(x));
  const tdz = await dumps(g);
  const late = (x: number) => -x * 10;
  return { tdz, live: dumpsSync(g) };
}

describe("rebuilt scopes made by shared factories", () => {
  it("closures of one pickle share their scope; two loads of the same bytes do not", async () => {
    const bytes = await dumps(counterPair(10));
    const a = loadsSync<Counter>(bytes);
    const b = loadsSync<Counter>(bytes);
    assert.equal(a.inc(), 11);
    assert.equal(a.inc(), 12);
    assert.equal(a.get(), 12, "the two closures of one load read one variable");
    assert.equal(b.get(), 10, "a second load has a variable of its own");
    assert.equal(b.inc(), 11);
    assert.equal(a.get(), 12);
    // Again after a hop: the loaded closures pickle with their current value.
    const c = loadsSync<Counter>(dumpsSync(a));
    assert.equal(c.get(), 12);
    c.inc();
    assert.equal(a.get(), 12);
  });

  it("nested scopes of many loads stay apart, and keep their values after another hop", async () => {
    const loaded: ((x: number) => number)[] = [];
    for (let i = 0; i < 50; i++) loaded.push(loadsSync(await dumps(nested(i)(i * 100))));
    for (let i = 0; i < 50; i++) assert.equal(loaded[i](2), 2 * i + i * 100);
    const again = loaded.map((f) => loadsSync<(x: number) => number>(dumpsSync(f)));
    for (let i = 0; i < 50; i++) assert.equal(again[i](3), 3 * i + i * 100);
    // Functions of one outer scope, pickled together, still share it.
    const outer = (scale: number) => {
      let calls = 0;
      return { f: (x: number) => (calls++, x * scale), count: () => calls };
    };
    const pair = loadsSync<{ f: (x: number) => number; count: () => number }>(
      await dumps(outer(3)),
    );
    assert.equal(pair.f(2), 6);
    assert.equal(pair.f(1), 3);
    assert.equal(pair.count(), 2);
  });

  it("a variable in its temporal dead zone stays so after its names were loaded initialized", async () => {
    const { tdz, live } = await sameNamesTdzAndLive();
    for (const order of [[live, tdz], [tdz, live], [live, tdz, live, tdz]]) {
      for (const bytes of order) {
        const g = loadsSync<(x: number) => number>(bytes);
        assert.equal(g(3), 6);
        if (bytes === tdz) assert.ok(throwsReference(() => g(-1)), "uninitialized");
        else assert.equal(g(-1), 10, "initialized");
      }
    }
  });

  it("more lists of variables than the factories remembered load right", () => {
    // Explicit captures of functions made by new Function: a new variable name each.
    const count = 1100;
    const pickles: Uint8Array[] = [];
    for (let i = 0; i < count; i++) {
      const fn = new Function(`return (x) => x + v${i} * 2`)() as (x: number) => number;
      pickles.push(dumpsSync(closure({ [`v${i}`]: i }, fn)));
    }
    for (const round of [0, 1]) {
      for (let i = round; i < count; i += 7) {
        assert.equal(loadsSync<(x: number) => number>(pickles[i])(1), 1 + i * 2);
      }
    }
  });

  it("a scope of very long names loads right, twice (its factory is not remembered)", () => {
    const names = Array.from({ length: 200 }, (_, i) => `v${i}_${"x".repeat(1000)}`);
    const body = names.map((n) => n).join(" + ");
    const fn = new Function(`return () => ${body}`)() as () => number;
    const captures = Object.fromEntries(names.map((n, i) => [n, i]));
    const bytes = dumpsSync(closure(captures, fn));
    const expected = (199 * 200) / 2;
    assert.equal(loadsSync<() => number>(bytes)(), expected);
    assert.equal(loadsSync<() => number>(bytes)(), expected);
  });
});
