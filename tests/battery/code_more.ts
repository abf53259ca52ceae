// The cloudpickle battery, second part: prototypes and frozen objects holding code, identity
// shared between code and data, object literal methods, module-level state, eval, methods and
// built-ins alone, unique symbols, and what is refused (see code_cases.ts).

import { type Case, code, collect, type Rec } from "./case.ts";

let moduleCounter = 0;

/** Identity, methods and refusals. */
export const MORE_CASES: Case[] = [
  code("getters and setters on a prototype object (not a class)", () => {
    const proto = {
      get full(): string {
        return `${(this as unknown as Rec).first} ${(this as unknown as Rec).last}`;
      },
      set full(v: string) {
        const [f, l] = v.split(" ");
        Object.assign(this, { first: f, last: l });
      },
    };
    const p = Object.assign(Object.create(proto), { first: "Ada", last: "L" });
    return { proto, p };
  }, (v: { proto: object; p: { full: string } }) => {
    const before = v.p.full;
    v.p.full = "Grace H";
    return [before, v.p.full, Object.getPrototypeOf(v.p) === v.proto];
  }),
  code("frozen and sealed objects holding functions", () => {
    const limit = 3;
    const api = Object.freeze({ clamp: (x: number) => Math.min(x, limit), nested: { k: 1 } });
    const sealed = Object.seal({ f: () => limit * 2 });
    return { api, sealed };
  }, (v: { api: { clamp(x: number): number }; sealed: { f(): number } }) => [
    v.api.clamp(10),
    Object.isFrozen(v.api),
    Object.isSealed(v.sealed),
    Object.isFrozen(v.sealed),
    v.sealed.f(),
  ]),
  code("one object referenced from a closure and from the data keeps its identity", () => {
    const shared = { hits: 0 };
    const hit = () => ++shared.hits;
    return { hit, shared, list: [shared] };
  }, (v: { hit: () => number; shared: { hits: number }; list: object[] }) => {
    v.hit();
    v.hit();
    return [v.shared.hits, v.list[0] === v.shared];
  }),
  code(
    "object literal methods with computed, async and generator keys, over a prototype",
    () => {
      const base = {
        greet() {
          return "base";
        },
      };
      const key = "dyn";
      const o = {
        __proto__: base,
        base,
        // A computed key's method that captured `key` would need closure() on Bun (its
        // preload cannot instrument functions under a computed key): see the ideas test.
        [key + "amic"]() {
          return "dynamic";
        },
        async later() {
          return await Promise.resolve(5);
        },
        *gen() {
          yield 1;
        },
      };
      return o;
    },
    async (
      o: Rec & {
        greet(): string;
        dynamic(): string;
        later(): Promise<number>;
        gen(): Iterable<number>;
      },
    ) => [
      o.greet(),
      Object.getPrototypeOf(o) === o.base,
      o.dynamic(),
      await o.later(),
      [...o.gen()],
    ],
  ),
  code("a module-level let captured by value at pickling time", () => {
    moduleCounter = 5;
    return () => ++moduleCounter;
  }, (f: () => number) => [f(), f()]),
  code("a closure over Map, Set, Date, RegExp and typed-array state", () => {
    const seen = new Map<string, number>([["a", 1]]);
    const tags = new Set(["x"]);
    const when = new Date(86_400_000);
    const re = /(\d+)/g;
    const buf = new Float64Array([1.5, 2.5]);
    return (k: string) => {
      seen.set(k, (seen.get(k) ?? 0) + 1);
      tags.add(k);
      return [seen.get(k), tags.size, when.toISOString(), "a1b22".match(re), buf[1]];
    };
  }, (f: (k: string) => unknown) => [f("a"), f("b")]),
  code("functions made by eval and new Function (no captured variables)", () => {
    const indirect = (0, eval)("(function twice(x) { return 2 * x; })");
    const made = new Function("a", "b", "return a * b + (typeof Math);");
    return { indirect, made };
  }, (v: { indirect: (x: number) => number; made: (a: number, b: number) => string }) => [
    v.indirect(21),
    v.made(6, 7),
    v.indirect.name,
    v.made.name,
  ]),
  code(
    "a closure that returns itself, and one over a base value (cloudpickle's recursive closures)",
    () => {
      const g = () => g;
      const base = 2;
      const f2 = (n: number): number => n <= 1 ? base : n * f2(n - 1);
      return { g, f2 };
    },
    (v: { g: () => unknown; f2: (n: number) => number }) => [v.g() === v.g, v.f2(5)],
  ),
  code(
    "a closure over a variable still in its temporal dead zone (an empty cell)",
    () => {
      function outer() {
        const ready = 2;
        // Reads `cell` only for negative n: it works where it travels, until it reads it.
        const g = (n: number) => n >= 0 ? n * ready : cell;
        return g;
        // deno-lint-ignore no-unreachable
        const cell = 1;
      }
      return outer();
    },
    // As cloudpickle keeps an empty cell (the loaded function raises NameError), the loaded
    // function throws a ReferenceError when it reads the variable.
    (g: (n: number) => number) => {
      let thrown: unknown;
      try {
        g(-1);
      } catch (e) {
        thrown = e;
      }
      return [g(4), thrown instanceof ReferenceError];
    },
  ),
  code(
    "a class whose statics hold the class itself and an instance of it",
    () => {
      class C {
        static again: unknown;
        static instance: unknown;
        itWorks() {
          return "woohoo!";
        }
      }
      C.again = C;
      C.instance = new C();
      return C;
    },
    (
      C: (new () => { itWorks(): string }) & {
        again: new () => { itWorks(): string };
        instance: { itWorks(): string };
      },
    ) => [
      new C().itWorks(),
      C.again === C,
      new C.again().itWorks(),
      C.instance.itWorks(),
      C.instance instanceof C,
    ],
  ),
  code("a prototype method and a static method pickled alone", () => {
    const unit = "kg";
    class Weight {
      constructor(public n: number) {}
      show() {
        return `${this.n}${unit}`;
      }
      static parse(s: string) {
        return parseFloat(s);
      }
    }
    return { show: Weight.prototype.show, parse: Weight.parse };
  }, (v: { show(this: { n: number }): string; parse(s: string): number }) => [
    v.show.call({ n: 3 }),
    v.parse("2.5kg"),
    v.show.name,
  ]),
  code("built-in functions and classes by reference, bound built-ins and bound methods", () => {
    class Greeter {
      constructor(public who: string) {}
      hello(p: string) {
        return `${p} ${this.who}`;
      }
    }
    const g = new Greeter("world");
    return {
      upper: String.prototype.toUpperCase,
      max: Math.max,
      MapClass: Map,
      max3: Math.max.bind(null, 3),
      hello: g.hello.bind(g, "hello"),
      parse: JSON.parse,
    };
  }, (
    v: Rec & {
      upper: (this: string) => string;
      max: (...n: number[]) => number;
      max3: (...n: number[]) => number;
      hello: () => string;
      parse: (s: string) => unknown;
    },
  ) => [
    v.upper.call("abc"),
    v.max(1, 2),
    v.upper === String.prototype.toUpperCase,
    v.MapClass === Map,
    v.parse === JSON.parse,
    v.max3(1),
    v.max3(7),
    v.hello(),
  ]),
  code("a unique symbol shared by closures and the data keeps one identity", () => {
    const tag = Symbol("tag");
    const read = (o: Rec) => o[tag];
    const make = (v: number) => ({ [tag]: v });
    return { tag, read, make, data: make(42) };
  }, (v: { tag: symbol; read(o: object): unknown; make(n: number): object; data: Rec }) => [
    v.read(v.data),
    v.read(v.make(7)),
    Object.getOwnPropertySymbols(v.data)[0] === v.tag,
  ]),
  {
    // Instances with private fields load in any process but the one that defined their class
    // (README: a private field cannot be added to an object without running its constructor),
    // except on Bun, whose preload gives the class a restore field where it is defined.
    notHere: typeof (globalThis as { Bun?: unknown }).Bun !== "undefined"
      ? undefined
      : "private fields cannot be added to a new object",
    ...code("an async arrow calling a private method of a captured instance", () => {
      class Vault {
        #secret = 7;
        #reveal(k: number) {
          return this.#secret * k;
        }
        open(k: number) {
          return this.#reveal(k);
        }
      }
      const vault = new Vault();
      return { open: async (k: number) => await Promise.resolve(vault.open(k)), vault };
    }, async (v: { open(k: number): Promise<number>; vault: { open(k: number): number } }) => [
      await v.open(3),
      v.vault.open(2),
    ]),
  },
  code("a static async generator under Symbol.asyncIterator", () => {
    const limit = 3;
    class Feed {
      static async *[Symbol.asyncIterator]() {
        for (let i = 0; i < limit; i++) yield i;
      }
    }
    return Feed;
  }, async (Feed: AsyncIterable<number>) => await collect(Feed)),
  code("a generator method of an object literal", () => {
    const limit = 3;
    return {
      *pairs() {
        for (let i = 0; i < limit; i++) yield [i, i * i];
      },
    };
  }, (o: { pairs(): Iterable<number[]> }) => [...o.pairs()]),
  code("a closure over an Error, a Map with object keys and a Set, shared with the data", () => {
    const key = { k: 1 };
    const m = new Map<object, string>([[key, "v"]]);
    const err = new RangeError("bad", { cause: key });
    const look = () => [m.get(key), err.cause === key, err.message];
    return { look, key, m, err };
  }, (v: { look(): unknown[]; key: object; m: Map<object, string>; err: Error }) => [
    v.look(),
    v.m.get(v.key),
    v.err.cause === v.key,
  ]),
  code("instances whose constructor defines accessors and frozen state", () => {
    class Box {
      constructor(v: number) {
        let inner = v;
        Object.defineProperty(this, "value", {
          get: () => inner,
          set: (x: number) => (inner = x),
          enumerable: true,
        });
        Object.freeze(this);
      }
    }
    return [new Box(1), new Box(2)];
  }, (v: { value: number }[]) => {
    v[0].value = 10;
    return [v[0].value, v[1].value, Object.isFrozen(v[0])];
  }),
  {
    name: "an object literal method that uses super, pickled with its object",
    make: () => {
      const base = { greet: () => "base" };
      return {
        __proto__: base,
        greet() {
          return `child of ${super.greet()}`;
        },
      };
    },
    // A method's home object cannot be read: the object it sits on may not be it.
    refused: "root.greet",
    refusedReason: "structuredClone refuses functions",
  },
];
