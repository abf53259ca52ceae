// Functions by value: every kind of function, explicit captures with closure(), automatic
// capture through the runtime's scope adapter where it has one, and clear errors elsewhere.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  closure,
  dumps,
  dumpsSync,
  loads,
  loadsSync,
  PicklingError,
  UnpicklingError,
} from "../mod.ts";

type Fn = (...args: never[]) => unknown;
type AnyFn = (...args: unknown[]) => unknown;

const rtSync = <T>(v: T): T => loadsSync<T>(dumpsSync(v));
const rtAsync = async <T>(v: T): Promise<T> => await loads<T>(await dumps(v));

/** Whether `dumps` reads closure scopes here (Deno with -A: yes; Bun without preload: no). */
async function readsScopes(): Promise<boolean> {
  // `let`, not `const`: Bun's transpiler folds const primitives into the source.
  let probe = 40;
  probe++;
  try {
    const f = await rtAsync(() => probe + 1);
    return f() === 42;
  } catch (e) {
    assert.ok(e instanceof PicklingError);
    return false;
  }
}
const AUTOMATIC = await readsScopes();

/** Whether the sync form also captures automatically (instrumented code: Bun's preload). */
function readsScopesSync(): boolean {
  let probe = 1;
  probe++;
  try {
    return rtSync(() => probe)() === 2;
  } catch {
    return false;
  }
}
const AUTOMATIC_SYNC = readsScopesSync();

/** Whether `dumps` can read what a bound function was made of (Deno's inspector). */
async function readsBound(): Promise<boolean> {
  try {
    await dumps(Math.max.bind(null));
    return true;
  } catch {
    return false;
  }
}
const BOUND = await readsBound();

/** Whether the sync form reads bound functions too (Bun's preload records `bind`). */
function readsBoundSync(): boolean {
  try {
    dumpsSync(Math.max.bind(null));
    return true;
  } catch {
    return false;
  }
}
const BOUND_SYNC = readsBoundSync();

// Module-level bindings for the automatic-capture tests (`let`: Bun folds const primitives
// into the function source, which then needs no capture at all).
// deno-lint-ignore prefer-const
let RATE = 3;
let moduleCounter = 0;
const bumpModule = (): number => ++moduleCounter;
function makeCounter(): { inc: () => number; get: () => number } {
  let n = 0;
  return { inc: () => ++n, get: () => n };
}

describe("functions without free variables", () => {
  const kinds: [string, unknown, (f: AnyFn) => unknown, unknown][] = [
    ["arrow", (a: number, b: number) => a * b, (f) => f(6, 7), 42],
    [
      "function expression",
      function mul(a: number, b: number) {
        return a * b;
      },
      (f) => f(6, 7),
      42,
    ],
    [
      "recursive through its own name",
      function fact(n: number): number {
        return n <= 1 ? 1 : n * fact(n - 1);
      },
      (f) => f(5),
      120,
    ],
    [
      "generator",
      function* count(n: number) {
        for (let i = 0; i < n; i++) yield i;
      },
      (f) => [...(f(3) as Iterable<number>)],
      [0, 1, 2],
    ],
    [
      "uses globals only",
      (xs: number[]) => Math.max(...xs) + JSON.stringify(xs).length,
      (f) => f([1, 5, 3]),
      12,
    ],
    [
      "object-literal method",
      {
        twice(x: number) {
          return 2 * x;
        },
      }.twice,
      (f) => f(21),
      42,
    ],
    [
      "method with a computed symbol key",
      {
        [Symbol.for("k")](x: number) {
          return x + 1;
        },
      }[Symbol.for("k")],
      (f) => f(1),
      2,
    ],
  ];
  for (const [name, fn, call, expected] of kinds) {
    it(`${name} (sync and async forms)`, async () => {
      for (const copy of [rtSync(fn), await rtAsync(fn)]) {
        assert.equal(typeof copy, "function");
        assert.notEqual(copy, fn);
        assert.deepEqual(call(copy as AnyFn), expected);
      }
    });
  }

  it("async functions and async generators run after loading", async () => {
    const af = rtSync(async (x: number) => await Promise.resolve(x + 1));
    assert.equal(await af(1), 2);
    const ag = rtSync(async function* (n: number) {
      for (let i = 0; i < n; i++) yield i * 10;
    });
    const got: number[] = [];
    for await (const v of ag(3)) got.push(v);
    assert.deepEqual(got, [0, 10, 20]);
  });

  it("keeps name, length and own properties, and the prototype with what was added", () => {
    function Shape(this: { sides: number }, sides: number) {
      this.sides = sides;
    }
    Shape.prototype.describe = function (this: { sides: number }) {
      return `${this.sides} sides`;
    };
    (Shape as unknown as { registry: string[] }).registry = ["square"];
    const copy = rtSync(Shape) as unknown as {
      (sides: number): void;
      new (sides: number): { describe(): string };
      registry: string[];
      prototype: object;
    };
    assert.equal(copy.name, "Shape");
    assert.equal(copy.length, 1);
    assert.deepEqual(copy.registry, ["square"]);
    assert.equal(new copy(4).describe(), "4 sides");
    assert.equal(Object.getPrototypeOf(new copy(3)), copy.prototype);
    assert.equal((copy.prototype as { constructor: unknown }).constructor, copy);
  });

  it("an inferred name (const f = () => …) survives", () => {
    const namedByBinding = (x: number) => x;
    assert.equal(rtSync(namedByBinding).name, "namedByBinding");
  });

  it("getters and setters of objects are pickled as accessors", () => {
    const store = { value: 1 };
    const o = Object.defineProperty({}, "x", {
      get: closure({ store }, function () {
        return store.value;
      }),
      set: closure({ store }, function (v: number) {
        store.value = v;
      }),
      enumerable: true,
      configurable: true,
    }) as { x: number };
    const copy = rtSync(o);
    assert.equal(copy.x, 1);
    copy.x = 5;
    assert.equal(copy.x, 5, "getter and setter share the captured store");
  });

  it("the same function twice loads as one function", () => {
    const f = (x: number) => x;
    const [a, b] = rtSync([f, f]);
    assert.equal(a, b);
  });

  it("pickles to the same bytes twice", () => {
    const f = closure({ k: 1 }, (x: number) => x + k);
    assert.deepEqual(dumpsSync(f), dumpsSync(f));
  });
});

declare const k: number;
declare const rate: number;
declare const hits: { n: number };
declare const self: (n: number) => number;
declare const shared: { n: number };

describe("closure(): explicit captures", () => {
  it("captured values travel with the function", async () => {
    const tax = closure({ rate: 0.25 }, (x: number) => x * rate);
    assert.equal(rtSync(tax)(100), 25);
    assert.equal((await rtAsync(tax))(100), 25);
  });

  it("values are read when pickling, not when closure() was called", () => {
    const captures = { rate: 1 };
    const f = closure(captures, (x: number) => x * rate);
    captures.rate = 2;
    assert.equal(rtSync(f)(10), 20);
  });

  it("functions given one captures object share one scope after loading", () => {
    const captures = { hits: { n: 0 } };
    const inc = closure(captures, () => ++hits.n);
    const get = closure(captures, () => hits.n);
    const [inc2, get2] = rtSync([inc, get]);
    inc2();
    inc2();
    assert.equal(get2(), 2);
  });

  it("recursion through a captured variable, and cycles between functions and data", () => {
    const captures: { self?: unknown } = {};
    const countdown = closure(captures, (n: number): number => (n <= 0 ? 0 : 1 + self(n - 1)));
    captures.self = countdown;
    assert.equal(rtSync(countdown)(4), 4);

    const holder: { fn?: () => unknown } = {};
    holder.fn = closure({ shared: holder }, () => shared);
    const copy = rtSync(holder);
    assert.equal(copy.fn!(), copy, "the function's captured object is the loaded holder");
  });

  it("a free variable nothing resolves is a PicklingError naming it and the remedy", () => {
    const f = () => undefinedThing;
    assert.throws(() => dumpsSync({ job: f }), (e: unknown) => {
      assert.ok(e instanceof PicklingError);
      assert.equal(e.path, "root.job");
      assert.match(e.message, /'undefinedThing'/);
      assert.match(e.message, /closure\(\{ undefinedThing \}/);
      return true;
    });
  });

  it("typeof of a missing name is allowed", () => {
    const f = () => typeof notDefinedAnywhere === "undefined";
    assert.equal(rtSync(f)(), true);
  });

  it("an arrow that uses an enclosing this no scope record holds is refused", () => {
    // Code made by eval is not instrumented: no record holds the method's `this`.
    const o = (0, eval)("({ make() { return () => this; } })") as {
      make(): () => unknown;
    };
    assert.throws(() => dumpsSync(o.make()), /enclosing `this`/);
  });
});

declare const undefinedThing: unknown;
declare const notDefinedAnywhere: unknown;

describe("automatic capture through the runtime's scope adapter", () => {
  it("reads captured variables in the async form (or says how to capture them)", async () => {
    const f = (x: number) => x * RATE;
    if (AUTOMATIC) {
      assert.equal((await rtAsync(f))(2), 6);
    } else {
      await assert.rejects(rtAsync(f), (e: unknown) => {
        assert.ok(e instanceof PicklingError);
        assert.match(e.message, /'RATE'/);
        assert.match(e.message, /closure\(/);
        return true;
      });
    }
  });

  it("closures of one scope still share it after loading", { skip: !AUTOMATIC }, async () => {
    const c = makeCounter();
    c.inc();
    const copy = await rtAsync(c);
    assert.equal(copy.get(), 1);
    copy.inc();
    copy.inc();
    assert.equal(copy.get(), 3, "inc and get share n");
    assert.equal(c.get(), 1, "the original is untouched");
  });

  it("closures of two different scope instances stay apart", { skip: !AUTOMATIC }, async () => {
    const a = makeCounter();
    const b = makeCounter();
    a.inc();
    const copy = await rtAsync({ a, b });
    copy.a.inc();
    assert.equal(copy.a.get(), 2);
    assert.equal(copy.b.get(), 0, "b's scope was not merged with a's");
  });

  it("module-level let bindings are captured with their current value", {
    skip: !AUTOMATIC,
  }, async () => {
    bumpModule();
    const copy = await rtAsync(bumpModule);
    assert.equal(copy(), moduleCounter + 1);
  });

  it("the sync form captures too where the runtime reads scopes synchronously", {
    skip: !AUTOMATIC_SYNC,
  }, () => {
    const c = makeCounter();
    c.inc();
    const other = makeCounter();
    const copy = rtSync({ c, other, f: (x: number) => x * RATE });
    copy.c.inc();
    assert.equal(copy.c.get(), 2, "inc and get share n");
    assert.equal(copy.other.get(), 0, "the other counter's scope stays apart");
    assert.equal(copy.f(2), 2 * RATE);
  });

  it("the sync form says to use the async form", { skip: AUTOMATIC_SYNC }, () => {
    assert.throws(() => dumpsSync((x: number) => x * RATE), /async dumps\(\)/);
  });
});

describe("bound functions", () => {
  function greet(this: { who: string }, greeting: string, punct: string): string {
    return `${greeting}, ${this.who}${punct}`;
  }

  it("keep their target, bound this and bound arguments (async form)", {
    skip: !BOUND,
  }, async () => {
    const once = greet.bind({ who: "Ada" }, "Hello");
    const twice = once.bind(null, "!");
    const copy = await rtAsync({ once, twice, max: Math.max.bind(null, 5) });
    assert.equal(copy.once("?"), "Hello, Ada?");
    assert.equal(copy.twice(), "Hello, Ada!");
    assert.equal(copy.max(3, 9), 9);
    assert.equal(copy.twice.name, "bound bound greet");
  });

  it("are refused with the reason where their parts cannot be read", async () => {
    const once = greet.bind({ who: "Ada" }, "Hello");
    if (!BOUND_SYNC) {
      assert.throws(() => dumpsSync({ once }), /bound function 'bound greet'.*async dumps\(\)/);
    }
    if (!BOUND) await assert.rejects(rtAsync({ once }), PicklingError);
  });
});

describe("loading code", () => {
  it("allowCode: false refuses a pickle holding a function", () => {
    const bytes = dumpsSync((x: number) => x);
    assert.throws(() => loadsSync(bytes, { allowCode: false }), UnpicklingError);
  });

  it("a corrupted function source is an UnpicklingError, not a SyntaxError", () => {
    const bytes = dumpsSync((x: number) => x + 1);
    const text = new TextDecoder().decode(bytes);
    const at = text.indexOf("=>");
    assert.ok(at > 0);
    const bad = bytes.slice();
    bad[at] = "}".charCodeAt(0);
    assert.throws(() => loadsSync(bad), UnpicklingError);
  });
});

export type { Fn };
