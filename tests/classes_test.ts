// Classes and their instances by value: derived classes, static members, members added
// later, subclasses of built-ins keeping their internal state, the class tracker, and the
// reduce protocol with callables pickled by value.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  closure,
  dumps,
  dumpsSync,
  loads,
  loadsSync,
  PicklingError,
  reduce,
  UnpicklingError,
} from "../mod.ts";

const rt = <T>(v: T): T => loadsSync<T>(dumpsSync(v));

/** Whether `dumps` reads private fields here (Deno's inspector: yes). */
async function readsPrivate(): Promise<boolean> {
  class Probe {
    #v = 1;
    get v(): number {
      return this.#v;
    }
  }
  try {
    await dumps(new Probe());
    return true;
  } catch {
    return false;
  }
}
const PRIVATE_READABLE = await readsPrivate();

/** Whether the sync form reads private fields (classes instrumented by Bun's preload). */
const PRIVATE_SYNC = (() => {
  class Probe {
    #v = 1;
    get v(): number {
      return this.#v;
    }
  }
  try {
    dumpsSync(new Probe());
    return true;
  } catch {
    return false;
  }
})();

class Shape {
  static created = 0;
  static {
    Shape.created = 0;
  }
  constructor(public sides: number) {
    Shape.created++;
  }
  describe(): string {
    return `${this.sides} sides`;
  }
  get perimeterUnit(): number {
    return this.sides;
  }
  [Symbol.for("test.tag")](): string {
    return "tagged";
  }
  static square(): Shape {
    return new this(4);
  }
}

class Square extends Shape {
  constructor(public size: number) {
    super(4);
  }
  override describe(): string {
    return `square of ${this.size}, ${super.describe()}`;
  }
  area(): number {
    return this.size ** 2;
  }
}
closure({ Shape }, Square);

class Stack<T> extends Array<T> {
  peek(): T | undefined {
    return this[this.length - 1];
  }
}

class Registry extends Map<string, number> {
  owner = "ops";
  total(): number {
    let t = 0;
    for (const v of this.values()) t += v;
    return t;
  }
}

class HttpError extends Error {
  constructor(message: string, public status: number) {
    super(message);
    this.name = "HttpError";
  }
  isClientError(): boolean {
    return this.status >= 400 && this.status < 500;
  }
}

class Stamp extends Date {
  year(): number {
    return this.getUTCFullYear();
  }
}

class Bytes extends Uint8Array {
  sum(): number {
    return this.reduce((a, b) => a + b, 0);
  }
}

class Tags extends Set<string> {
  joined(): string {
    return [...this].join(",");
  }
}

describe("classes by value", () => {
  it("a derived class and its instances round-trip and run", async () => {
    const sq = new Square(3);
    for (
      const out of [
        rt({ sq, Square }),
        await loads<{ sq: Square; Square: typeof Square }>(await dumps({ sq, Square })),
      ]
    ) {
      assert.ok(out.sq instanceof out.Square);
      assert.ok(out.sq instanceof Shape, "loaded in the defining process: the original class");
      assert.equal(out.sq.describe(), "square of 3, 4 sides");
      assert.equal(out.sq.area(), 9);
      assert.equal(out.sq.perimeterUnit, 4);
      assert.equal(
        (out.sq as unknown as Record<symbol, () => string>)[Symbol.for("test.tag")](),
        "tagged",
      );
      assert.deepEqual(Object.keys(out.sq), ["sides", "size"]);
    }
  });

  it("static methods, static values and members added after the definition", () => {
    (Shape.prototype as unknown as { label: () => string }).label = closure(
      {},
      function (this: Shape) {
        return `shape/${this.sides}`;
      },
    );
    const out = rt({ s: new Shape(5), Shape });
    assert.equal((out.s as unknown as { label: () => string }).label(), "shape/5");
    assert.equal(out.Shape.square().sides, 4);
  });

  it("shared instances stay shared, cycles through instances resolve", () => {
    const a = new Square(1);
    const holder = { a, again: a, self: null as unknown };
    holder.self = holder;
    const out = rt(holder);
    assert.equal(out.a, out.again);
    assert.equal(out.self, out);
  });
});

describe("instances of subclasses of built-ins keep their internal state", () => {
  it("Array", () => {
    const s = new Stack<number>();
    s.push(1, 2, 3);
    const out = rt(s);
    assert.ok(Array.isArray(out));
    assert.ok(out instanceof Stack);
    assert.equal(out.peek(), 3);
    assert.equal(out.length, 3);
  });

  it("Map with an own field", () => {
    const r = new Registry([["a", 1], ["b", 2]]);
    const out = rt(r);
    assert.ok(out instanceof Map && out instanceof Registry);
    assert.equal(out.total(), 3);
    assert.equal(out.owner, "ops");
    assert.equal(out.get("b"), 2);
  });

  it("Set, Date and Uint8Array", () => {
    const tags = rt(new Tags(["x", "y"]));
    assert.equal(tags.joined(), "x,y");
    const stamp = rt(new Stamp(Date.UTC(2020, 5, 1)));
    assert.equal(stamp.year(), 2020);
    const bytes = rt(Bytes.from([1, 2, 3]) as Bytes);
    assert.equal(bytes.sum(), 6);
    assert.ok(bytes instanceof Uint8Array);
  });

  it("Error subclasses keep message, stack and fields", () => {
    const e = new HttpError("not found", 404);
    const out = rt(e);
    assert.ok(out instanceof Error && out instanceof HttpError);
    assert.equal(out.message, "not found");
    assert.equal(out.name, "HttpError");
    assert.equal(out.stack, e.stack);
    assert.equal(out.isClientError(), true);
  });
});

describe("private members", () => {
  class Account {
    #balance = 0;
    deposit(n: number): number {
      this.#balance += n;
      return this.#balance;
    }
  }

  it("a class with private members pickles and works after loading", () => {
    const A = rt(Account);
    assert.equal(new A().deposit(5), 5);
  });

  it("the sync form refuses its instances where it cannot read private fields", {
    skip: PRIVATE_SYNC,
  }, () => {
    assert.throws(() => dumpsSync({ acct: new Account() }), (e: unknown) => {
      assert.ok(e instanceof PicklingError);
      assert.equal(e.path, "root.acct");
      assert.match(e.message, /private fields \(#balance\)/);
      return true;
    });
  });

  // Bun's preload gives the class a restore field where it is defined; Deno has no such hook.
  const onBun = typeof (globalThis as { Bun?: unknown }).Bun !== "undefined";

  it("Deno: an instance with private fields does not load in the process that defined its class", {
    skip: !PRIVATE_READABLE || onBun,
  }, async () => {
    const acct = new Account();
    acct.deposit(3);
    const bytes = await dumps({ acct });
    await assert.rejects(loads(bytes), (e: unknown) => {
      assert.ok(e instanceof UnpicklingError);
      assert.match(String((e as Error).cause), /another process or Worker/);
      assert.match(String((e as Error).cause), /\[reduce\]\(\)/);
      return true;
    });
  });

  it("Bun: an instance with private fields loads in the process that defined its class", {
    skip: !PRIVATE_READABLE || !onBun,
  }, async () => {
    const acct = new Account();
    acct.deposit(3);
    const { acct: back } = await loads<{ acct: Account }>(await dumps({ acct }));
    assert.notEqual(back, acct);
    assert.ok(back instanceof Account);
    assert.equal(back.deposit(1), acct.deposit(1));
  });
});

describe("the reduce protocol with callables by value", () => {
  class Temperature {
    constructor(readonly celsius: number) {}
    static fromCelsius(c: number): Temperature {
      return new Temperature(c);
    }
    [reduce]() {
      return [Temperature.fromCelsius, [this.celsius]] as const;
    }
  }
  // The sync form cannot read scopes: name what the class and the method capture.
  closure({ reduce }, Temperature);
  closure({ Temperature }, Temperature.fromCelsius);

  it("a static method by value rebuilds the instance", () => {
    const out = rt({ t: new Temperature(21) });
    assert.ok(out.t instanceof Temperature);
    assert.equal(out.t.celsius, 21);
  });
});
