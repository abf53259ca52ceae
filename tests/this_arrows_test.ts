// Arrow functions that use the enclosing `this` (class fields `f = () => this.x` above all):
// the runtime does not expose that `this`, so they are refused with the remedy, and the remedy
// (a method bound in the constructor) pickles with its receiver, hop after hop.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { dumps, dumpsSync, loads, loadsSync, PicklingError } from "../mod.ts";

class FieldCounter {
  n = 0;
  inc = () => ++this.n;
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
  it("an instance with a class-field arrow is refused, naming the field and the remedy", async () => {
    const c = new FieldCounter();
    for (const dump of [() => dumpsSync(c), () => dumps(c)]) {
      await assert.rejects(
        async () => await dump(),
        (e: unknown) =>
          e instanceof PicklingError && e.path === "root.inc" &&
          /enclosing `this`/.test(e.message) && /this\.f = this\.f\.bind\(this\)/.test(e.message),
      );
    }
  });

  it("the remedy, a method bound in the constructor, keeps its receiver over three hops", async () => {
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
