// A method pickled alone that reads the name its class binds inside its body (`static m()
// { return A.k }`, a class expression's own name) takes the class along: on Deno the
// inspector shows that binding; on Bun the preload registers such a class, which captures
// nothing else, so that the name is known to be the class.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { dumps, dumpsSync, loads, loadsSync } from "../mod.ts";

function make() {
  const Outer = class Inner {
    static k = 2;
    static m(): number {
      return Inner.k * 10;
    }
    get self(): unknown {
      return Inner;
    }
  };
  class Decl {
    static seed = 3;
    static create(): Decl {
      return new Decl();
    }
    twice(): number {
      return Decl.seed * 2;
    }
  }
  return { Outer, Decl };
}

describe("methods reading their class's own name, pickled alone", () => {
  it("a static method and a getter of a class expression; methods of a declaration", async () => {
    const { Outer, Decl } = make();
    const parts = {
      m: Outer.m,
      self: Object.getOwnPropertyDescriptor(Outer.prototype, "self")!.get!,
      create: Decl.create,
      twice: Decl.prototype.twice,
    };
    type Parts = typeof parts;
    for (const pickle of [() => dumpsSync(parts), () => dumps(parts)]) {
      let back = loadsSync<Parts>(await pickle());
      for (let hop = 1; hop <= 3; hop++) {
        assert.equal(back.m(), 20, `hop ${hop}`);
        const cls = back.self.call(undefined) as { k: number };
        assert.equal(typeof cls, "function");
        assert.equal(cls.k, 2);
        const made = back.create() as unknown as { twice(): number };
        assert.equal(made.twice(), 6);
        assert.equal(back.twice.call(undefined), 6);
        back = hop % 2 ? loadsSync(dumpsSync(back)) : await loads(await dumps(back));
      }
    }
  });
});
