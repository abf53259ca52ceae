// The cloudpickle battery, first part: closures, recursion, default arguments, classes with
// statics and accessors, generators, async functions, bound functions, functions with
// properties, well-known symbols, private members, static blocks, inheritance and built-in
// subclasses (see code_cases.ts).

import { type Case, code, collect, type Fn, type Rec } from "./case.ts";

const K = 10;

/** Closures, functions and classes. */
export const CORE_CASES: Case[] = [
  code("closure over a counter: two functions share one scope", () => {
    let n = 0;
    return { inc: () => ++n, get: () => n, reset: (to: number) => (n = to) };
  }, (v: { inc: () => number; get: () => number; reset: (n: number) => void }) => {
    const a = [v.inc(), v.inc(), v.get()];
    v.reset(40);
    return [...a, v.inc(), v.get()];
  }),
  code("recursive closure (a const arrow calling itself)", () => {
    const fact = (n: number): number => n <= 1 ? 1 : n * fact(n - 1);
    return fact;
  }, (f: (n: number) => number) => [f(1), f(5), f(10)]),
  code("mutually recursive closures", () => {
    const isEven = (n: number): boolean => n === 0 ? true : isOdd(n - 1);
    const isOdd = (n: number): boolean => n === 0 ? false : isEven(n - 1);
    return { isEven, isOdd };
  }, (v: { isEven: (n: number) => boolean; isOdd: (n: number) => boolean }) => [
    v.isEven(10),
    v.isOdd(7),
    v.isEven(3),
  ]),
  code("nested closures three deep, over module state and a parameter", () => {
    const outer = (a: number) => (b: number) => (c: number) => a * 100 + b * 10 + c + K;
    return outer(1)(2);
  }, (f: (c: number) => number) => [f(3), f(0)]),
  code("a named function expression that refers to itself, and a property pointing back", () => {
    const f = function self(n: number): number {
      return n > 0 ? self(n - 1) + 2 : 0;
    } as ((n: number) => number) & Rec;
    f.me = f;
    return f;
  }, (f: ((n: number) => number) & Rec) => [f(4), f.me === f]),
  code("default arguments that read a captured value and a global", () => {
    const base = 7;
    return function (x = base * 2, y = Math.max(x, 3), ...rest: number[]) {
      return [x, y, rest.length];
    };
  }, (f: (...a: number[]) => unknown) => [f(), f(1), f(1, 2, 3, 4), f.length]),
  code("closure over a class it instantiates", () => {
    class Point {
      constructor(public x: number, public y: number) {}
      norm1(): number {
        return Math.abs(this.x) + Math.abs(this.y);
      }
    }
    const make = (x: number, y: number) => new Point(x, y);
    return { make, Point };
  }, (v: { make: (x: number, y: number) => { norm1(): number }; Point: Fn }) => {
    const p = v.make(3, -4);
    return [p.norm1(), p instanceof v.Point, p.constructor === v.Point];
  }),
  code("class with methods, static members, getters, setters and instances", () => {
    class Temperature {
      static count = 0;
      static unit = "C";
      celsius: number;
      constructor(c: number) {
        this.celsius = c;
        Temperature.count++;
      }
      get fahrenheit(): number {
        return this.celsius * 9 / 5 + 32;
      }
      set fahrenheit(f: number) {
        this.celsius = (f - 32) * 5 / 9;
      }
      static fromF(f: number): Temperature {
        const t = new Temperature(0);
        t.fahrenheit = f;
        return t;
      }
      toString(): string {
        return `${this.celsius}${Temperature.unit}`;
      }
    }
    const a = new Temperature(100);
    return { Temperature, a, b: a, c: new Temperature(-40) };
  }, (v: { Temperature: Rec & { fromF(f: number): object }; a: Rec; b: Rec; c: Rec }) => {
    const t = v.Temperature.fromF(212);
    return [
      v.a.fahrenheit,
      String(v.c),
      String(t),
      v.a === v.b,
      v.Temperature.count,
      Object.getPrototypeOf(v.a) === (v.Temperature as unknown as { prototype: object }).prototype,
    ];
  }),
  code(
    "generator function and async generator function",
    () => {
      const step = 3;
      function* range(n: number) {
        for (let i = 0; i < n; i++) yield i * step;
      }
      async function* ticks(n: number) {
        for (const x of range(n)) yield await Promise.resolve(x + 1);
      }
      return { range, ticks };
    },
    async (
      v: { range: (n: number) => Iterable<number>; ticks: (n: number) => AsyncIterable<number> },
    ) => [
      [...v.range(4)],
      await collect(v.ticks(3)),
      Object.prototype.toString.call(v.range),
      Object.prototype.toString.call(v.ticks),
    ],
  ),
  code("async function and async arrow awaiting a captured promise-returning function", () => {
    const delay = (x: number) => new Promise<number>((r) => setTimeout(() => r(x), 1));
    const twice = async (x: number) => (await delay(x)) * 2;
    async function sum(xs: number[]) {
      let s = 0;
      for (const x of xs) s += await twice(x);
      return s;
    }
    return sum;
  }, async (f: (xs: number[]) => Promise<number>) => [await f([1, 2, 3]), f.constructor.name]),
  code("bound functions: this and partial arguments (a partial)", () => {
    function add(this: { base: number }, a: number, b: number, c: number) {
      return this.base + a * 100 + b * 10 + c;
    }
    const ctx = { base: 1000 };
    const partial = add.bind(ctx, 1);
    const partial2 = partial.bind(null, 2);
    return { partial, partial2, ctx };
  }, (v: { partial: (b: number, c: number) => number; partial2: (c: number) => number }) => [
    v.partial(2, 3),
    v.partial2(9),
    v.partial.name,
    v.partial2.length,
  ]),
  code("functions with own properties, symbol keys and a prototype with properties", () => {
    function Legacy(this: Rec, x: number) {
      this.x = x;
    }
    Legacy.prototype.double = function (this: { x: number }) {
      return this.x * 2;
    };
    Legacy.version = "1.2";
    (Legacy as unknown as Rec)[Symbol.for("meta")] = { tags: ["a"] };
    const tag = Symbol("tag");
    (Legacy as unknown as Rec)[tag] = tag;
    Object.defineProperty(Legacy, "hidden", { value: 42, enumerable: false });
    return Legacy;
  }, (L: Rec & (new (x: number) => { double(): number })) => [
    new L(21).double(),
    L.version,
    (L[Symbol.for("meta")] as { tags: string[] }).tags,
    L.hidden,
    Object.keys(L),
  ]),
  code("well-known symbols on a class: iterator, toPrimitive, hasInstance, toStringTag", () => {
    class Bag {
      items: number[];
      constructor(...items: number[]) {
        this.items = items;
      }
      *[Symbol.iterator]() {
        yield* this.items;
      }
      [Symbol.toPrimitive](hint: string) {
        return hint === "number" ? this.items.length : `Bag(${this.items})`;
      }
      get [Symbol.toStringTag]() {
        return "Bag";
      }
      static [Symbol.hasInstance](x: unknown) {
        return typeof x === "object" && x !== null && "items" in x;
      }
    }
    return { Bag, bag: new Bag(1, 2, 3) };
  }, (v: { Bag: new (...i: number[]) => object; bag: object }) => [
    [...(v.bag as Iterable<number>)],
    +v.bag,
    `${v.bag}`,
    Object.prototype.toString.call(v.bag),
    { items: [] } instanceof v.Bag,
  ]),
  code("private fields, private methods, private static members and #x in o", () => {
    class Account {
      #balance = 0;
      static #opened = 0;
      constructor(initial: number) {
        this.#deposit(initial);
        Account.#opened++;
      }
      #deposit(n: number) {
        this.#balance += n;
      }
      get balance() {
        return this.#balance;
      }
      static isAccount(o: object) {
        return #balance in o;
      }
      static get opened() {
        return Account.#opened;
      }
    }
    return Account;
  }, (A: (new (n: number) => { balance: number }) & { isAccount(o: object): boolean }) => {
    const a = new A(5);
    return [a.balance, A.isAccount(a), A.isAccount({})];
  }),
  code("class static blocks and static fields computed from captured values", () => {
    const prefix = "id-";
    class Registry {
      static names: string[] = [];
      static first: string;
      static {
        Registry.names.push(`${prefix}a`, `${prefix}b`);
        Registry.first = Registry.names[0];
      }
      static add(n: string) {
        Registry.names.push(prefix + n);
        return Registry.names.length;
      }
    }
    return Registry;
  }, (R: { names: string[]; first: string; add(n: string): number }) => [
    R.first,
    R.add("z"),
    R.names,
  ]),
  code(
    "inheritance with super calls, super property access and static inheritance",
    () => {
      class Shape {
        static kind = "shape";
        constructor(public sides: number) {}
        describe(): string {
          return `${this.sides} sides`;
        }
        static create(n: number) {
          return new this(n);
        }
      }
      class Square extends Shape {
        constructor(public size: number) {
          super(4);
        }
        override describe(): string {
          return `square ${this.size}, ${super.describe()}`;
        }
        static override create(n: number) {
          return super.create(n) as Square;
        }
      }
      return { Shape, Square, sq: new Square(2) };
    },
    (v: { Shape: Fn; Square: Rec & { create(n: number): { describe(): string } }; sq: object }) => [
      (v.sq as { describe(): string }).describe(),
      v.Square.create(5).describe(),
      v.sq instanceof v.Shape,
      v.Square.kind,
      Object.getPrototypeOf(v.Square) === v.Shape,
    ],
  ),
  code("classes extending Array, Map, Error and Promise, with instances", () => {
    class Stack extends Array<number> {
      peek() {
        return this[this.length - 1];
      }
    }
    class Counter extends Map<string, number> {
      bump(k: string) {
        this.set(k, (this.get(k) ?? 0) + 1);
        return this;
      }
    }
    class HttpError extends Error {
      constructor(public status: number, message: string) {
        super(message);
        this.name = "HttpError";
      }
    }
    class Later<T> extends Promise<T> {
      static tag = "later";
    }
    const s = Stack.from([1, 2, 3]) as Stack;
    const c = new Counter([["a", 1]]).bump("a").bump("b");
    const e = new HttpError(404, "not found");
    return { Stack, Counter, HttpError, Later, s, c, e };
  }, async (v: {
    Stack: Fn;
    Counter: Fn;
    HttpError: Fn;
    Later: { tag: string; resolve<T>(x: T): Promise<T> };
    s: number[] & { peek(): number };
    c: Map<string, number> & { bump(k: string): Map<string, number> };
    e: Error & { status: number };
  }) => [
    Array.isArray(v.s),
    v.s.peek(),
    v.s.length,
    v.s instanceof v.Stack,
    [...v.c.bump("b")],
    v.c instanceof v.Counter,
    v.e instanceof v.HttpError,
    v.e instanceof Error,
    [v.e.name, v.e.message, v.e.status, String(v.e)],
    v.Later.tag,
    await v.Later.resolve(7),
    v.Later.resolve(1) instanceof (v.Later as unknown as Fn),
  ]),
];
