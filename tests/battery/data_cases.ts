// The structured-clone battery: data values in the spirit of the Web Platform Tests'
// structured-clone-battery-of-tests.js and its neighbours, each built fresh by `make()` (so a
// case can be built again in another process and compared) and, where it needs more than the
// graph comparison, `probe()`: JSON-able observations (methods run, views resized) that must be
// equal for the original and every loaded copy. Every value structuredClone accepts
// must pickle too, and come back at least as faithfully.

/** One case of a battery. */
export interface Case {
  name: string;
  make: () => unknown;
  /** observations that must come out equal for the original and every copy */
  probe?: (v: unknown) => unknown;
  /** the library refuses it with a PicklingError at this path (and says why) */
  refused?: string;
  /** why it is refused although structuredClone accepts it (else structuredClone refuses too) */
  refusedReason?: string;
  /** only the async forms can pickle it (Blob, File) */
  asyncOnly?: boolean;
  /** compare copies with the fingerprint and probe only (values holding code) */
  codeLike?: boolean;
  /**
   * Loading it in the process that made it is an UnpicklingError whose message says this
   * (it loads elsewhere): the hops in this process check that refusal.
   */
  notHere?: string;
}

type Rec = Record<string | symbol, unknown>;
const g = globalThis as Rec;

const TYPED = [
  "Int8Array",
  "Uint8Array",
  "Uint8ClampedArray",
  "Int16Array",
  "Uint16Array",
  "Int32Array",
  "Uint32Array",
  "Float16Array",
  "Float32Array",
  "Float64Array",
  "BigInt64Array",
  "BigUint64Array",
].filter((n) => typeof g[n] === "function");

type TA = {
  new (b: ArrayBufferLike, off?: number, len?: number): ArrayLike<unknown> & Rec;
  BYTES_PER_ELEMENT: number;
};

function filled(name: string, n: number): ArrayLike<unknown> & Rec {
  const C = g[name] as TA;
  const buf = new ArrayBuffer(n * C.BYTES_PER_ELEMENT);
  const bytes = new Uint8Array(buf);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 37 + 11) & 0xff;
  return new C(buf);
}

function growableSab(n: number, max: number): SharedArrayBuffer {
  return new (SharedArrayBuffer as unknown as {
    new (n: number, o: { maxByteLength: number }): SharedArrayBuffer;
  })(n, { maxByteLength: max });
}

function withProps<T extends object>(o: T, props: Rec): T {
  for (const k of Reflect.ownKeys(props)) (o as Rec)[k] = props[k];
  return o;
}

function nest(depth: number, wrap: (inner: unknown) => unknown): unknown {
  let v: unknown = "leaf";
  for (let i = 0; i < depth; i++) v = wrap(v);
  return v;
}

const LONE = ["\uD800", "\uDC00", "a\uD800b", "\uDBFF\uDFFF\uDBFF", "\uDFFF\uD800"];

/** Own-key order and descriptors as JSON, for probes. */
function keysOf(o: object): string[] {
  return Reflect.ownKeys(o).map(String);
}

const primitives: Case[] = [
  ...[
    ["undefined", undefined],
    ["null", null],
    ["true", true],
    ["false", false],
    ["0", 0],
    ["-0", -0],
    ["NaN", NaN],
    ["Infinity", Infinity],
    ["-Infinity", -Infinity],
    ["MIN_VALUE", Number.MIN_VALUE],
    ["-MIN_VALUE", -Number.MIN_VALUE],
    ["MAX_VALUE", Number.MAX_VALUE],
    ["MAX_SAFE_INTEGER+2", Number.MAX_SAFE_INTEGER + 2],
    ["2**31", 2 ** 31],
    ["-(2**31)-1", -(2 ** 31) - 1],
    ["subnormal 2.2250738585072e-308", 2.2250738585072e-308],
    ["0.1+0.2", 0.1 + 0.2],
    ["0n", 0n],
    ["-1n", -1n],
    ["2n**63n-1n", 2n ** 63n - 1n],
    ["-(2n**63n)", -(2n ** 63n)],
    ["2n**64n", 2n ** 64n],
    ["-(2n**64n)-1n", -(2n ** 64n) - 1n],
    ["2n**1024n+12345n", 2n ** 1024n + 12345n],
    ["-(10n**300n)", -(10n ** 300n)],
    ["empty string", ""],
    ["NUL string", "\0"],
    ["latin-1 string", "caf\u00e9 \u00ff"],
    ["BMP string", "\u4e2d\u6587 \u20ac"],
    ["astral string", "\u{1F600}\u{10FFFF}"],
    ...LONE.map((s, i) => [`lone surrogates ${i}`, s]),
    ["registered symbol", Symbol.for("battery")],
    ["well-known symbol", Symbol.asyncIterator],
  ].map(([name, v]): Case => ({
    name: `primitive ${String(name)}`,
    make: () => v,
  })),
  {
    name: "primitive unique symbol, twice in one value",
    make: () => {
      const s = Symbol("u");
      return [s, s, Symbol("u"), Symbol()];
    },
  },
  {
    name: "lone surrogates in keys, Map entries, symbols, messages, RegExp sources, long keys",
    make: () => {
      const L = String.fromCharCode(0xd800);
      const T = String.fromCharCode(0xdc00);
      const s = Symbol(L);
      const arr = withProps([1], { [L]: "named" });
      const e = new Error(`${L}msg${T}`);
      e.stack = T;
      return {
        o: { [L]: 1, [`a${T}b`]: 2, [L + T]: 3, "\u{1F600}": 4 },
        m: new Map([[L, T]]),
        e,
        sym: { [s]: s, [Symbol.for(`${T}reg`)]: 2 },
        arr,
        re: new RegExp(L),
        long: { [L.repeat(300)]: T.repeat(1000) },
      };
    },
  },
  {
    name: "very long ASCII string (2**22 chars)",
    make: () => "abcdefgh".repeat(2 ** 19),
  },
  {
    name: "very long two-byte string with lone surrogates",
    make: () => ("\u20ac\uD800x\uDC00" + "\u{1F600}").repeat(2 ** 18),
  },
  {
    name: "string shared many times",
    make: () => {
      const s = "shared ".repeat(100);
      return Array.from({ length: 50 }, () => s);
    },
  },
];

const boxed: Case[] = [
  ...[
    ["Boolean(true)", () => new Boolean(true)],
    ["Boolean(false)", () => new Boolean(false)],
    ["Number(-0)", () => new Number(-0)],
    ["Number(NaN)", () => new Number(NaN)],
    ["Number(1.5)", () => new Number(1.5)],
    ["String empty", () => new String("")],
    [
      "String with lone surrogate",
      () => new String("a" + String.fromCharCode(0xd800) + "\u{1F600}"),
    ],
    ["BigInt", () => Object(-(2n ** 70n))],
  ].map(([name, make]): Case => ({
    name: `boxed ${name}`,
    make: make as () => unknown,
  })),
  {
    name: "boxed Symbol (unique and registered)",
    make: () => [Object(Symbol("b")), Object(Symbol.for("b")), Object(Symbol.iterator)],
  },
  {
    name: "boxed primitives with own properties",
    make: () => {
      const s = Symbol("k");
      return [
        withProps(new Boolean(false), { a: 1, [s]: "sym" }),
        withProps(new Number(42), { "0": "zero", b: [1] }),
        withProps(new String("abc"), { "5": "past the end", x: "y" }),
        withProps(Object(7n), { big: 8n }),
      ];
    },
  },
  {
    name: "boxed String with non-enumerable and accessor own properties",
    make: () => {
      const s = new String("xy");
      Object.defineProperty(s, "hidden", { value: 1, enumerable: false });
      Object.defineProperty(s, "acc", { get: Date, enumerable: true, configurable: true });
      return s;
    },
  },
  {
    name: "frozen boxed Number and sealed boxed String",
    make: () => [Object.freeze(new Number(3)), Object.seal(new String("s"))],
  },
];

const dates: Case[] = [
  ...[
    ["epoch", 0],
    ["now-ish", 1_700_000_000_123],
    ["-1", -1],
    ["max", 8.64e15],
    ["min", -8.64e15],
    ["invalid", NaN],
    ["year 275760", Date.UTC(275760, 8, 13)],
    ["year -271821", Date.UTC(-271821, 3, 20)],
  ].map(([name, t]): Case => ({
    name: `Date ${name}`,
    make: () => new Date(t as number),
  })),
  {
    name: "Date with own properties, frozen",
    make: () => Object.freeze(withProps(new Date(5), { label: "d", [Symbol.for("s")]: 1 })),
  },
  {
    name: "Date subclass instance (Object.setPrototypeOf)",
    make: () => {
      const proto = Object.create(Date.prototype, {
        tag: { value: "sub", enumerable: true },
      });
      return Object.setPrototypeOf(new Date(7), proto);
    },
  },
];

const regexps: Case[] = [
  ...[
    ["no flags", () => /ab+c/],
    ["empty", () => new RegExp("")],
    ["flags dgimsy", () => /x/dgimsy],
    ["flag u", () => /\u{1F600}/u],
    ["flag v", () => new RegExp("[\\p{L}--[a-z]]", "v")],
    ["slash and newline in source", () => new RegExp("a/b\n", "g")],
    ["named groups, lookbehind", () => /(?<y>\d{4})-(?<=-)(?<m>\d\d)/],
    ["lone surrogate in source", () => new RegExp("\uD800+")],
    ["unicode property", () => /\p{Script=Greek}/u],
  ].map(([name, make]): Case => ({
    name: `RegExp ${name}`,
    make: make as () => unknown,
    probe: (v) => {
      const re = v as RegExp;
      return [re.source, re.flags, re.lastIndex, re.test("ab/b\n2024-05x\u{1F600}")];
    },
  })),
  {
    name: "RegExp lastIndex 3 (structuredClone drops it)",
    make: () => {
      const re = /a/g;
      re.lastIndex = 3;
      return re;
    },
    probe: (v) => {
      const re = v as RegExp;
      return [re.lastIndex, re.exec("aaaaa")?.index, re.lastIndex];
    },
  },
  {
    name: "RegExp lastIndex a non-number value and non-writable",
    make: () => {
      const re = /a/y;
      re.lastIndex = "2" as unknown as number;
      const other = /b/;
      other.lastIndex = { valueOf: null } as unknown as number;
      Object.defineProperty(other, "lastIndex", { writable: false });
      return [re, other];
    },
  },
  {
    name: "RegExp with own properties and a cycle",
    make: () => {
      const re = /c/i as RegExp & Rec;
      re.self = re;
      re.list = [re];
      return re;
    },
  },
  {
    name: "RegExp exec result array (index, input, groups, indices)",
    make: () => /(?<w>b)(c)?/d.exec("abc"),
  },
];

const buffers: Case[] = [
  { name: "ArrayBuffer empty", make: () => new ArrayBuffer(0) },
  {
    name: "ArrayBuffer with bytes",
    make: () => new Uint8Array([0, 1, 254, 255]).buffer,
  },
  {
    name: "resizable ArrayBuffer, resized down",
    make: () => {
      const b = new ArrayBuffer(8, { maxByteLength: 64 });
      new Uint8Array(b).set([1, 2, 3, 4, 5, 6, 7, 8]);
      b.resize(5);
      return b;
    },
    probe: (v) => {
      const b = v as ArrayBuffer;
      b.resize(9);
      return [b.resizable, b.maxByteLength, [...new Uint8Array(b)]];
    },
  },
  {
    name: "resizable ArrayBuffer of length 0",
    make: () => new ArrayBuffer(0, { maxByteLength: 4 }),
  },
  {
    name: "detached ArrayBuffer",
    make: () => {
      const b = new ArrayBuffer(4);
      b.transfer();
      return b;
    },
  },
  {
    name: "ArrayBuffer with own properties",
    make: () => withProps(new ArrayBuffer(2), { meta: "m" }),
  },
  {
    name: "SharedArrayBuffer",
    make: () => {
      const s = new SharedArrayBuffer(4);
      new Uint8Array(s).set([9, 8, 7, 6]);
      return s;
    },
  },
  {
    name: "growable SharedArrayBuffer",
    make: () => growableSab(3, 12),
    probe: (v) => {
      const s = v as SharedArrayBuffer;
      s.grow(6);
      return [s.growable, s.maxByteLength, s.byteLength];
    },
  },
  ...TYPED.map((name): Case => ({
    name: `${name} with element bytes`,
    make: () => filled(name, 5),
    probe: (v) => Array.from(v as ArrayLike<unknown>, String),
  })),
  ...TYPED.map((name): Case => ({
    name: `${name} offset view into a shared buffer, with a sibling view`,
    make: () => {
      const C = g[name] as TA;
      const buf = new ArrayBuffer(C.BYTES_PER_ELEMENT * 8);
      new Uint8Array(buf).fill(3);
      const a = new C(buf, C.BYTES_PER_ELEMENT * 2, 3);
      const b = new DataView(buf, 1, 5);
      return { a, b, buf };
    },
  })),
  {
    name: "Float64Array with -0, NaN and Infinity",
    make: () => new Float64Array([-0, NaN, Infinity, -Infinity, 5e-324]),
    probe: (v) => Array.from(v as Float64Array, (x) => Object.is(x, -0) ? "-0" : String(x)),
  },
  {
    name: "length-tracking views (typed array and DataView) over a resizable buffer",
    make: () => {
      const b = new ArrayBuffer(8, { maxByteLength: 32 });
      return [new Uint16Array(b, 2), new DataView(b, 4), new Uint8Array(b, 0, 2)];
    },
    probe: (v) => {
      const [t, d, f] = v as [Uint16Array, DataView, Uint8Array];
      (t.buffer as ArrayBuffer).resize(20);
      return [t.length, d.byteLength, f.length, t.buffer === d.buffer, f.buffer === t.buffer];
    },
  },
  {
    name: "length-tracking view over a growable SharedArrayBuffer",
    make: () => new Int32Array(growableSab(8, 32)),
    probe: (v) => {
      const t = v as Int32Array;
      (t.buffer as SharedArrayBuffer).grow(16);
      return t.length;
    },
  },
  {
    name: "out-of-bounds views after the buffer shrank",
    refused: "root.fixed",
    make: () => {
      const b = new ArrayBuffer(16, { maxByteLength: 32 });
      const fixed = new Uint8Array(b, 8, 4);
      const tracking = new Uint32Array(b, 12);
      const dv = new DataView(b, 10, 2);
      b.resize(4);
      return { b, fixed, tracking, dv };
    },
    probe: (v) => {
      const { b, fixed, tracking, dv } = v as {
        b: ArrayBuffer;
        fixed: Uint8Array;
        tracking: Uint32Array;
        dv: DataView;
      };
      const before = [fixed.length, tracking.length, fixed.byteOffset];
      b.resize(32);
      return [before, fixed.length, fixed.byteOffset, tracking.length, dv.byteLength];
    },
  },
  {
    // Named (string-keyed) properties of typed arrays are a documented exception (README:
    // finding them costs a key per element); battery_test.ts checks what becomes of them.
    name: "typed arrays with symbol properties, frozen empty one, non-extensible",
    make: () => [
      withProps(new Uint8Array([1, 2]), { [Symbol.for("t")]: true, [Symbol("u")]: [1] }),
      Object.freeze(new Float32Array(0)),
      Object.preventExtensions(new Int16Array([-1])),
    ],
  },
  {
    name: "DataViews with own properties, accessors, frozen and sealed",
    make: () => {
      const buf = new ArrayBuffer(4);
      const a = withProps(new DataView(buf, 1), { x: 1, [Symbol.for("d")]: "sym" });
      Object.defineProperty(a, "acc", { get: Date.now, enumerable: false });
      return [
        a,
        Object.freeze(withProps(new DataView(buf), { f: [a] })),
        Object.seal(new DataView(buf)),
      ];
    },
  },
  {
    name: "views over a SharedArrayBuffer share it",
    make: () => {
      const s = new SharedArrayBuffer(8);
      return [new Uint8Array(s), new Float32Array(s, 4, 1), s];
    },
  },
];

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
export const DATA_CASES: Case[] = [
  ...primitives,
  ...boxed,
  ...dates,
  ...regexps,
  ...buffers,
  ...collections,
  ...arrays,
  ...objects,
  ...errors,
  ...blobs,
  ...web,
];
