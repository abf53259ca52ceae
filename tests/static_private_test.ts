// Classes whose private members are all static: their instances carry no private state, so
// they load in the process that defined the class too (where a class with private instance
// fields or methods needs its constructor, or the Bun preload's restore field).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { dumps, dumpsSync, loads, loadsSync, UnpicklingError } from "../mod.ts";

class Counted {
  static #made = 0;
  static #label(): string {
    return "counted";
  }
  static made(): number {
    return Counted.#made;
  }
  constructor(public n: number) {
    Counted.#made++;
  }
  describe(): string {
    return `${Counted.#label()} ${this.n} of ${Counted.made()}`;
  }
}

class Branded {
  #secret(): number {
    return 7;
  }
  reveal(): number {
    return this.#secret();
  }
}

describe("instances of classes with static private members only", () => {
  it("load where their class was defined, in both forms, over two hops", async () => {
    const a = new Counted(4);
    const once = loadsSync<{ a: Counted }>(dumpsSync({ a })).a;
    const twice = (await loads<{ a: Counted }>(await dumps({ a: once }))).a;
    for (const c of [once, twice]) {
      assert.ok(c instanceof Counted);
      assert.notEqual(c, a);
      assert.equal(c.describe(), `counted 4 of ${Counted.made()}`);
    }
    assert.equal(Counted.made(), 1, "loading ran no constructor");
  });

  it("a private instance method still needs the constructor's brand: refused, naming it", () => {
    assert.throws(
      () => loadsSync(dumpsSync(new Branded())),
      (e: unknown) =>
        e instanceof UnpicklingError && /another process or Worker/.test(String(e.cause)),
    );
  });
});
