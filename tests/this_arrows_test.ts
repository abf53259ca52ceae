// Arrow functions that use the enclosing `this`. The runtime does not expose that `this`, but
// an arrow a class stores on its instance (a field `f = () => this.x`, or `this.f = () => …`
// in its constructor or a method) is found as that property of the instance, and the class's
// source shows it was made there: it pickles as a closure over the instance, hop after hop and
// runtime after runtime, and the loaded arrow works on the loaded instance. Arrows over a `this`
// that neither this nor a scope record shows are refused with the remedies; a method bound in
// the constructor pickles with its receiver.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { dumps, dumpsSync, loads, loadsSync, PicklingError } from "../mod.ts";
import { evalIn } from "./helpers.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const step = 10;

class FieldCounter {
  n = 0;
  inc = () => ++this.n;
  add = (k: number) => (this.n += k * step);
  declare reset: () => number;
  constructor() {
    this.reset = () => (this.n = 0);
  }
}

class Sub extends FieldCounter {
  twice = () => this.inc() + this.inc();
}

class BoundCounter {
  n = 0;
  constructor() {
    this.inc = this.inc.bind(this);
  }
  inc(): number {
    return ++this.n;
  }
}

describe("arrows over the enclosing this", () => {
  it("class-field and constructor arrows pickle with their instance, over three hops", async () => {
    let c = new FieldCounter();
    c.inc();
    for (let hop = 1; hop <= 3; hop++) {
      c = hop === 2 ? await loads(await dumps(c)) : loadsSync(dumpsSync(c));
      assert.ok(c instanceof FieldCounter);
      assert.equal(c.inc(), hop + 1, `hop ${hop}: the arrow counts on the loaded copy`);
      const { inc, add, reset } = c;
      assert.equal(inc(), hop + 2, "detached, it still counts on its own instance");
      assert.equal(add(1), hop + 12);
      assert.equal(reset(), 0);
      c.n = hop + 1;
    }
  });

  it("a subclass's arrows and its parent's, in another runtime, two hops", async () => {
    const s = new Sub();
    s.add(1);
    const b64 = Buffer.from(await dumps({ s, again: s })).toString("base64");
    const script = `const { loads, dumps } = await import(${JSON.stringify(`${root}mod.ts`)});
      let v = await loads(new Uint8Array(Buffer.from(${JSON.stringify(b64)}, "base64")));
      v = await loads(await dumps(v));
      const { twice, add } = v.s;
      console.log(JSON.stringify([v.s === v.again, twice(), add(2), v.s.n]));`;
    for (const runtime of ["deno", "bun"] as const) {
      assert.equal(evalIn(runtime, script), "[true,23,32,32]", runtime);
    }
  });

  it("an arrow over a `this` no runtime shows, not on its instance, is refused with remedies", async () => {
    // Made by eval: code neither Bun's preload nor the loader instrumented, whose
    // arrows' `this` no scope record holds (see this_records_test.ts for code that has them).
    const holder = (0, eval)("({ make() { return () => this.n; }, n: 1 })") as {
      make(): () => number;
    };
    const arrow = holder.make();
    // In a list, and as the property of an object that did not make it.
    for (const value of [[arrow], { other: arrow }]) {
      for (const dump of [() => dumpsSync(value), () => dumps(value)]) {
        await assert.rejects(
          async () => await dump(),
          (e: unknown) =>
            e instanceof PicklingError && /enclosing `this`/.test(e.message) &&
            /this\.f = this\.f\.bind\(this\)/.test(e.message) &&
            /pickles with that instance/.test(e.message),
        );
      }
    }
  });

  it("a method bound in the constructor keeps its receiver over three hops", async () => {
    let c = new BoundCounter();
    c.inc();
    for (let hop = 1; hop <= 3; hop++) {
      c = hop === 2 ? await loads(await dumps(c)) : loadsSync(dumpsSync(c));
      assert.ok(c instanceof BoundCounter);
      assert.equal(c.inc(), hop + 1, `hop ${hop}: the bound method counts on the loaded copy`);
      assert.equal(c.n, hop + 1);
      const detached = c.inc;
      assert.equal(detached(), hop + 2, "detached, it still counts on its own instance");
      c.n--;
    }
  });
});
