// Arrows that read `this` where no function binds it: the top level of an ES module, whose
// `this` is undefined (`(...args) => fn.apply(this, args)`, common in wrappers written as
// arrows). They pickle on Deno too, where the inspector shows an arrow's `this` nowhere: the
// module's text says that no function encloses them. An arrow over a function's `this` is
// still refused there (its value cannot be read), and pickles on Bun, whose preload records it.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { dumps, dumpsSync, loads, loadsSync, PicklingError } from "../mod.ts";

const wrap = (fn: (...a: number[]) => number) => (...args: number[]) => fn.apply(this, args);
const thisHere = () => this;
const nested = () => () => typeof this;

function methodLike(this: { x: number }) {
  return () => this.x;
}

describe("arrows over the top-level this of a module", () => {
  it("pickle, load and run with this undefined, over three hops", async () => {
    const value = { twice: wrap((x) => 2 * x), thisHere, inner: nested() };
    let v = loadsSync<typeof value>(dumpsSync(value));
    for (let hop = 1; hop <= 3; hop++) {
      assert.equal(v.twice(21), 42, `hop ${hop}`);
      // (What the module's own arrows give: undefined; Bun's transpiler makes it null.)
      assert.equal(v.thisHere(), thisHere());
      assert.equal(v.inner(), nested()());
      v = hop % 2 ? await loads(await dumps(v)) : loadsSync(dumpsSync(v));
    }
  });

  it("an arrow over a function's this: Bun's preload records it; elsewhere refused", () => {
    const f = methodLike.call({ x: 7 });
    if ("Bun" in globalThis) {
      assert.equal(loadsSync<typeof f>(dumpsSync(f))(), 7);
      return;
    }
    assert.throws(() => dumpsSync(f), (e: unknown) => {
      assert.ok(e instanceof PicklingError);
      assert.match(e.message, /enclosing `this`/);
      return true;
    });
  });
});
