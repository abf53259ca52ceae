// A method bound to its own instance (`this.onTick = this.onTick.bind(this)`, the usual way to
// hand a method out as a callback) travels as a reference to the method of the instance's
// class, which is pickled whole with the instance: so it pickles even when the method uses the
// class's private names or `super`, which no method can alone, and it runs on the loaded
// instance's private state.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createPool, type Pool } from "../pool.ts";
import { dumps, PicklingError } from "../mod.ts";

class Counter {
  #n = 0;
  constructor(readonly label: string) {
    this.bump = this.bump.bind(this);
  }
  bump(): number {
    return ++this.#n;
  }
}
interface Counter {
  bump: () => number;
}

class Base {
  hello(): string {
    return "base";
  }
}
class Greeter extends Base {
  constructor() {
    super();
    this.hello = this.hello.bind(this);
  }
  override hello(): string {
    return `${super.hello()}+greeter`;
  }
}

describe("methods bound to their instance", () => {
  // Loaded in a worker: on Deno an instance with private fields does not load back in the
  // process that defines its class (README).
  const pool: Pool = createPool({ size: 1 });
  after(() => pool.close({ cancel: true }));

  it("an instance whose method is bound in its constructor, private fields in use", async () => {
    const a = new Counter("a");
    a.bump();
    const out = await pool.submit((c: Counter) => {
      const own = Object.getOwnPropertyDescriptor(c, "bump")!.value as () => number;
      return [c.bump(), own(), c.label, own === c.bump, typeof own];
    }, a);
    assert.deepEqual(out, [2, 3, "a", true, "function"]);
  });

  it("a bound method handed out next to its instance shares the instance's state", async () => {
    const a = new Counter("b");
    const out = await pool.submit(
      (v: { a: Counter; onTick: () => number }) => [v.onTick(), v.a.bump(), v.onTick()],
      { a, onTick: a.bump },
    );
    assert.deepEqual(out, [1, 2, 3]);
  });

  it("an accessor's function bound to its instance, private fields in use", async () => {
    class Box {
      #n = 10;
      get val(): number {
        return this.#n;
      }
      set val(v: number) {
        this.#n = v;
      }
    }
    const box = new Box();
    const d = Object.getOwnPropertyDescriptor(Box.prototype, "val")!;
    const out = await pool.submit(
      (v: { box: Box; get: () => number; set: (n: number) => void }) => {
        v.set(42);
        return [v.get(), v.box.val];
      },
      { box, get: d.get!.bind(box), set: d.set!.bind(box) },
    );
    assert.deepEqual(out, [42, 42]);
  });

  it("a bound method that calls super", async () => {
    const out = await pool.submit((g: Greeter) => g.hello(), new Greeter());
    assert.equal(out, "base+greeter");
  });

  it("a bound method alone is its instance's: the cycle through it is refused clearly", async () => {
    const a = new Counter("c");
    await assert.rejects(dumps(a.bump), (e: unknown) => {
      assert.ok(e instanceof PicklingError);
      assert.match(e.message, /reference cycle through an object rebuilt by a reducer/);
      return true;
    });
  });
});
