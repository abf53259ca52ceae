// The structured-clone battery, graphs: Maps, Sets, arrays, objects, errors, Blobs and web
// values (see data_cases.ts).

import { type Case, g, keysOf, nest, type Rec, withProps } from "./case.ts";

const collections: Case[] = [
  {
    name: "Map with object keys, insertion order, -0 and NaN keys",
    make: () => {
      const k1 = { k: 1 };
      const k2 = [2];
      const m = new Map<unknown, unknown>([
        ["z", 1],
        [k1, "obj"],
        [NaN, "nan"],
        [-0, "zero"],
        [k2, k1],
        [1n, "big"],
        [undefined, null],
      ]);
      m.delete("z");
      m.set("z", "re-added last");
      return { m, k1, k2 };
    },
    probe: (v) => {
      const { m, k1 } = v as { m: Map<unknown, unknown>; k1: object };
      return [m.get(k1), m.get(NaN), m.get(0), [...m.keys()].map(String)];
    },
  },
  {
    name: "Set with object members and insertion order",
    make: () => {
      const a = { a: 1 };
      const s = new Set<unknown>([3, a, "x", a, NaN, -0, [a]]);
      return { s, a };
    },
    probe: (v) => {
      const { s, a } = v as { s: Set<unknown>; a: object };
      return [s.has(a), s.has(0), s.size];
    },
  },
  {
    name: "Map and Set with own properties, frozen Map",
    make: () => [
      withProps(new Map([[1, 2]]), { label: "m" }),
      withProps(new Set([1]), { [Symbol.for("x")]: 1 }),
      Object.freeze(new Map()),
    ],
  },
  {
    name: "Map whose key is itself and whose value holds it",
    make: () => {
      const m = new Map<unknown, unknown>();
      m.set(m, [m]);
      const s = new Set<unknown>();
      s.add(s);
      m.set("set", s);
      return m;
    },
  },
  {
    name: "Map with 10 000 entries",
    make: () => new Map(Array.from({ length: 10_000 }, (_, i) => [`k${i}`, i])),
  },
];

const arrays: Case[] = [
  {
    name: "sparse array with holes and a trailing hole",
    make: () => {
      const a: unknown[] = [1, , 3, , ,];
      a[10] = "ten";
      a.length = 12;
      return a;
    },
    probe: (v) => [(v as unknown[]).length, keysOf(v as object)],
  },
  {
    name: "array with extra properties: named, symbol, non-index numeric-like",
    make: () => {
      const a = [0, 1] as unknown[] & Rec;
      a["-1"] = "minus";
      a["4294967295"] = "not an index";
      a["01"] = "leading zero";
      a["1.5"] = "fraction";
      a.named = "n";
      a[Symbol.for("s")] = "sym";
      return a;
    },
    probe: (v) => [(v as unknown[]).length, keysOf(v as object)],
  },
  {
    name: "array of length 2**32-1 with two elements",
    make: () => {
      const a: unknown[] = [];
      a[0] = "first";
      a[2 ** 32 - 2] = "last";
      return a;
    },
  },
  {
    name: "array with index accessor, non-enumerable element and non-writable length",
    make: () => {
      const a = [1, 2, 3];
      Object.defineProperty(a, 0, { get: Math.random, enumerable: true, configurable: true });
      Object.defineProperty(a, 1, { value: 2, enumerable: false });
      Object.defineProperty(a, "length", { writable: false });
      return a;
    },
  },
  {
    name: "frozen, sealed and non-extensible arrays",
    make: () => [
      Object.freeze([1, [2]]),
      Object.seal([3]),
      Object.preventExtensions([, 4]),
    ],
  },
  {
    name: "array holding itself at several places",
    make: () => {
      const a: unknown[] = [];
      a.push(a, { a }, [a], a);
      return a;
    },
  },
  {
    name: "array with a null prototype and an Array subclass prototype",
    make: () => {
      const bare = Object.setPrototypeOf([1, 2], null);
      const proto = Object.create(Array.prototype, { tag: { value: "t" } });
      return [bare, Object.setPrototypeOf([3], proto)];
    },
  },
  {
    name: "arguments object",
    refused: "root.callee<get>",
    refusedReason: "structuredClone copies it as a plain object, which it is not",
    make: () =>
      (function (..._a: unknown[]) {
        return arguments;
      })(1, "two", { three: 3 }),
  },
];

const objects: Case[] = [
  {
    name: "object key order: integer keys first, then strings in insertion order",
    make: () => ({
      b: 1,
      "2": 2,
      a: 3,
      "1": 4,
      "-1": 5,
      "1e3": 6,
      "01": 7,
      "4294967294": 8,
      "9007199254740993": 9,
      "0": 10,
      [Symbol.for("s")]: 11,
      "": 12,
    }),
    probe: (v) => keysOf(v as object),
  },
  {
    name: "object with keys that look special",
    make: () => {
      const o = JSON.parse('{"__proto__": {"polluted": true}, "constructor": 1}');
      o.toString = "not a function";
      o.hasOwnProperty = 0;
      o.prototype = null;
      return o;
    },
    probe: (v) => [keysOf(v as object), Object.getPrototypeOf(v) === Object.prototype],
  },
  {
    name: "null-prototype objects, nested and with a __proto__ key",
    make: () => {
      const o = Object.create(null);
      o.__proto__ = "own";
      o.inner = Object.create(null);
      o.inner.back = o;
      return o;
    },
    probe: (v) => [Object.getPrototypeOf(v), (v as Rec).__proto__],
  },
  {
    name: "object whose prototype chain is plain objects",
    make: () => {
      const base = Object.create(null, { kind: { value: "base", enumerable: true } });
      const mid = Object.create(base);
      mid.level = "mid";
      const o = Object.create(mid);
      o.own = 1;
      return [o, Object.create(mid)];
    },
    probe: (v) => (v as Rec[]).map((o) => [o.kind, o.level]),
  },
  {
    name: "accessors on a plain object: getter only, setter only, both",
    make: () => {
      const o = {};
      Object.defineProperty(o, "g", { get: Date.now, enumerable: true, configurable: false });
      Object.defineProperty(o, "s", { set: Math.max, enumerable: false, configurable: true });
      Object.defineProperty(o, "gs", { get: Math.min, set: Math.max, enumerable: true });
      return o;
    },
  },
  {
    name: "frozen, sealed and non-extensible objects",
    make: () => [
      Object.freeze({ a: 1, nested: { b: 2 } }),
      Object.seal({ c: 3 }),
      Object.preventExtensions({ d: 4 }),
      Object.freeze(Object.create(null)),
    ],
    probe: (v) =>
      (v as object[]).map((o) => [
        Object.isFrozen(o),
        Object.isSealed(o),
        Object.isExtensible(o),
      ]),
  },
  {
    name: "every descriptor combination",
    make: () => {
      const o = {};
      for (let bits = 0; bits < 8; bits++) {
        Object.defineProperty(o, `p${bits}`, {
          value: bits,
          writable: !!(bits & 1),
          enumerable: !!(bits & 2),
          configurable: !!(bits & 4),
        });
      }
      return o;
    },
  },
  {
    name: "symbol keys: unique, registered, well-known, non-enumerable",
    make: () => {
      const u = Symbol("u");
      const o: Rec = { [u]: u, [Symbol.for("r")]: "r", [Symbol.toStringTag]: "Tagged" };
      Object.defineProperty(o, Symbol("hidden"), { value: 1, enumerable: false });
      return o;
    },
    probe: (v) => Object.prototype.toString.call(v),
  },
  {
    name: "shared references and cycles through every container",
    make: () => {
      const shared: Rec = { s: 1 };
      const err = new Error("e", { cause: shared }) as Error & Rec;
      const agg = new AggregateError([err, shared], "agg");
      const m = new Map<unknown, unknown>([[shared, shared]]);
      const set = new Set<unknown>([shared]);
      const box = withProps(new Number(1), { shared });
      const date = withProps(new Date(0), { shared });
      const re = withProps(/r/, { shared });
      const ta = withProps(new Uint8Array(1), { [Symbol.for("shared")]: shared });
      const root: Rec = { shared, err, agg, m, set, box, date, re, ta, list: [shared] };
      shared.root = root;
      err.root = root;
      m.set("root", root);
      set.add(root);
      return root;
    },
  },
  {
    name: "distinct but equal objects stay distinct",
    make: () => {
      const a = { x: 1 };
      return [a, { x: 1 }, a];
    },
  },
  {
    name: "deep nesting: 20 000 arrays",
    make: () => nest(20_000, (v) => [v]),
  },
  {
    name: "deep nesting: 20 000 objects",
    make: () => nest(20_000, (v) => ({ v })),
  },
  {
    name: "deep nesting: 3 000 alternating Maps, Sets and Error causes",
    make: () => {
      let i = 0;
      return nest(3_000, (v) => {
        i++;
        if (i % 3 === 0) return new Map([[i, v]]);
        if (i % 3 === 1) return new Set([v]);
        const e = new Error(`level ${i}`, { cause: v });
        e.stack = `stack ${i}`;
        return e;
      });
    },
  },
  {
    name: "5 000 distinct small objects",
    make: () => Array.from({ length: 5_000 }, (_, i) => ({ i, s: `s${i % 7}`, f: i / 3 })),
  },
];

function err<T extends Error>(e: T, stack?: string): T {
  if (stack !== undefined) e.stack = stack;
  return e;
}

const errors: Case[] = [
  ...[Error, EvalError, RangeError, ReferenceError, SyntaxError, TypeError, URIError].map(
    (C): Case => ({
      name: `${C.name} with message, cause and stack`,
      make: () => err(new C(`${C.name} message`, { cause: { why: C.name } })),
      probe: (v) => {
        const e = v as Error;
        return [e.name, e.message, e instanceof C, String(e), Object.keys(e)];
      },
    }),
  ),
  {
    name: "AggregateError with errors, cause and a nested AggregateError",
    make: () => {
      const inner = new AggregateError([new TypeError("t")], "inner");
      return new AggregateError([new RangeError("r"), inner, "not an error"], "outer", {
        cause: inner,
      });
    },
    probe: (v) => {
      const e = v as AggregateError;
      return [e.errors.length, e.errors[1] === e.cause, e.errors.map(String)];
    },
  },
  {
    name: "Error with name changed, extra properties and a deleted stack",
    make: () => {
      const a = withProps(new Error("m"), { name: "CustomName", code: 42 });
      const b = new TypeError("no stack");
      delete (b as Partial<Error>).stack;
      const c = err(new Error("custom stack"), "my stack\n  at nowhere");
      return [a, b, c];
    },
    probe: (v) => (v as Error[]).map((e) => [String(e), "stack" in e, Object.keys(e)]),
  },
  {
    name: "Error with a primitive cause, an undefined cause and no cause",
    make: () => [
      new Error("a", { cause: 0 }),
      new Error("b", { cause: undefined }),
      new Error("c"),
    ],
    probe: (v) => (v as Error[]).map((e) => ["cause" in e, String(e.cause)]),
  },
  {
    name: "Error object with the prototype of another error type",
    make: () => Object.setPrototypeOf(new Error("was Error"), RangeError.prototype),
  },
  {
    name: "built-ins given Object.prototype keep their internal state",
    make: () => {
      const P = Object.prototype;
      const s = Symbol.for("p");
      return [
        Object.setPrototypeOf(new Map([[1, { m: 1 }]]), P),
        Object.setPrototypeOf(new Set(["s"]), P),
        Object.setPrototypeOf(new Date(9), P),
        Object.setPrototypeOf(/re/gy, P),
        Object.setPrototypeOf(new Uint16Array([1, 2]), P),
        Object.setPrototypeOf(new DataView(new ArrayBuffer(2)), P),
        Object.setPrototypeOf(new ArrayBuffer(3), P),
        Object.setPrototypeOf(new Number(4), P),
        Object.setPrototypeOf(Object(5n), P),
        Object.setPrototypeOf(new String("str"), P),
        Object.setPrototypeOf([1, , 3], P),
        Object.setPrototypeOf(new RangeError("r", { cause: 1 }), P),
        Object.setPrototypeOf(withProps(new Map(), { [s]: 1 }), P),
      ];
    },
    probe: (v) => {
      const [m, set, d, re, ta, , ab, n, b, str, arr, e] = v as object[];
      return [
        Map.prototype.get.call(m, 1),
        Set.prototype.has.call(set, "s"),
        Date.prototype.getTime.call(d),
        RegExp.prototype.exec.call(re, "re")?.index,
        (ta as Uint16Array)[1],
        Object.getOwnPropertyDescriptor(ArrayBuffer.prototype, "byteLength")!.get!.call(ab),
        Number.prototype.valueOf.call(n),
        String(BigInt.prototype.valueOf.call(b)),
        String.prototype.valueOf.call(str),
        Array.isArray(arr),
        (Error as unknown as { isError?(x: unknown): boolean }).isError?.(e) ?? true,
      ];
    },
  },
  {
    name: "DOMException",
    make: () => new DOMException("dom message", "DataCloneError"),
    probe: (v) => {
      const e = v as DOMException;
      return [e.name, e.code, e.message, e instanceof DOMException];
    },
  },
  ...(typeof g.SuppressedError === "function"
    ? [{
      name: "SuppressedError",
      make: () =>
        new (g.SuppressedError as new (e: unknown, s: unknown, m: string) => Error)(
          new Error("e"),
          new Error("s"),
          "suppressed",
        ),
      probe: (v: unknown) => {
        const e = v as Error & Rec;
        return [e.name, String(e.error), String(e.suppressed)];
      },
    }]
    : []),
];

const blobs: Case[] = typeof Blob === "function"
  ? [
    {
      name: "Blob with type and bytes",
      make: () => new Blob(["h\u00e9llo ", new Uint8Array([0, 255])], { type: "text/plain" }),
      asyncOnly: true,
      // Deno keeps a Blob's state in own symbol-keyed properties, which the graph comparison
      // would walk: the fingerprint and the probe say what a Blob holds.
      codeLike: true,
      probe: async (v) => {
        const b = v as Blob;
        return [b.size, b.type, [...new Uint8Array(await b.arrayBuffer())]];
      },
    },
    {
      name: "File with name, type and lastModified, shared twice",
      make: () => {
        const f = new File(["abc"], "f.txt", { type: "text/x", lastModified: 1_234_567 });
        return [f, f, new Blob([])];
      },
      asyncOnly: true,
      codeLike: true,
      probe: async (v) => {
        const [f] = v as File[];
        return [f.name, f.type, f.lastModified, await f.text(), f instanceof File];
      },
    },
  ]
  : [];

const web: Case[] = [
  {
    name: "URL and URLSearchParams",
    make:
      () => [new URL("https://u:p@example.org:8080/p/a?q=1#h"), new URLSearchParams("a=1&b=2&a=3")],
    probe: (v) => (v as object[]).map(String),
  },
];

/** Every data case of the battery. */

/** The container, object and error cases. */
export const GRAPH_CASES: Case[] = [
  ...collections,
  ...arrays,
  ...objects,
  ...errors,
  ...blobs,
  ...web,
];
