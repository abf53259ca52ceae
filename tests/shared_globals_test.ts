// Functions that read one global variable of the program (a REPL's top-level `let`, a
// property user code put on globalThis, read by its bare name) share it after loading, as
// closures over one scope do: one pickle carries one copy of each such global, in one scope
// around every function that reads it.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { dumps, dumpsSync, loadsSync } from "../mod.ts";

// deno-lint-ignore no-explicit-any
const g = globalThis as any;

type Counter = () => number;
/** Set on globalThis by a test: read by its bare name. */
declare let totalSeen: number;

describe("globals the program defined, read by several functions", () => {
  it("are one variable after loading, also after a second and third hop", async () => {
    g.sharedCount = 1;
    const inc = new Function("return ++sharedCount") as Counter;
    const get = new Function("return sharedCount") as Counter;
    let v = loadsSync<{ inc: Counter; get: Counter }>(dumpsSync({ inc, get }));
    for (let hop = 1; hop <= 3; hop++) {
      const before = v.get();
      assert.equal(v.inc(), before + 1, `hop ${hop}`);
      assert.equal(v.get(), before + 1, `hop ${hop}: get() sees inc()`);
      v = loadsSync(hop % 2 === 0 ? dumpsSync(v) : await dumps(v));
    }
    // The program's own global is untouched by the loaded copies.
    assert.equal(g.sharedCount, 1);
    delete g.sharedCount;
  });

  it("a function pickled alone keeps its own copy (one pickle, one copy)", () => {
    g.aloneCount = 5;
    const inc = new Function("return ++aloneCount") as Counter;
    const get = new Function("return aloneCount") as Counter;
    const a = loadsSync<Counter>(dumpsSync(inc));
    const b = loadsSync<Counter>(dumpsSync(get));
    assert.equal(a(), 6);
    assert.equal(b(), 5);
    delete g.aloneCount;
  });

  it("are shared with closures that also read variables of their own scopes", () => {
    g.totalSeen = 0;
    const makeAdder = (step: number) => (x: number) => (totalSeen += x * step);
    const addTwice = makeAdder(2);
    const seen = new Function("return totalSeen") as Counter;
    const v = loadsSync<{ addTwice: (x: number) => number; seen: Counter }>(
      dumpsSync({ addTwice, seen }),
    );
    assert.equal(v.addTwice(5), 10);
    assert.equal(v.seen(), 10);
    assert.equal(v.addTwice(1), 12);
    assert.equal(g.totalSeen, 0);
    delete g.totalSeen;
  });

  it("several globals, some read by one function only, one scope for all", () => {
    g.gA = 1;
    g.gB = 10;
    const both = new Function("gA++; gB++; return gA + gB;") as Counter;
    const onlyA = new Function("return gA;") as Counter;
    const onlyB = new Function("return gB;") as Counter;
    // onlyA is met first: the scope of globals gains gB when `both` is met, after it was
    // written: the pickle is written again with it complete.
    const v = loadsSync<Counter[]>(dumpsSync([onlyA, both, onlyB]));
    assert.equal(v[1](), 13);
    assert.equal(v[0](), 2);
    assert.equal(v[2](), 11);
    delete g.gA;
    delete g.gB;
  });
});
