// Defines members of the global object and of built-ins, some before the library is
// imported (as a REPL session does) and some after, then prints as JSON the pickles of
// functions that read them through the global object or the built-ins ({ name: base64 }),
// for hop.ts to load in processes that have none of them.
// deno-lint-ignore-file no-explicit-any
const G = globalThis as any;
const P = (c: { prototype: unknown }) => c.prototype as any;

// Before the import.
G.cpgHelper = (x: number) => x + 100;
G.cpgConfig = { rate: 3 };
(Math as any).cpgClamp = (x: number) => Math.min(1, Math.max(0, x));
P(Array).cpgLast = function (this: unknown[]) {
  return this[this.length - 1];
};
Object.defineProperty(String.prototype, "cpgShout", {
  value: function (this: string) {
    return `${this.toUpperCase()}!`;
  },
  writable: true,
  configurable: true,
});

const { dumps } = await import("../../mod.ts");

// After the import.
G.cpgFn = (x: number) => x * 2;
G.CpgKlass = class CpgKlass {
  v = 5;
  get double() {
    return this.v * 2;
  }
};
(JSON as any).cpgTwice = (s: string) => s + s;
(Object as any).cpgCount = (o: object) => Object.keys(o).length;
(Math as any).cpgTau = 3;
Object.defineProperty(Object.prototype, "cpgPipe", {
  value: function (this: unknown, f: (v: unknown) => unknown) {
    return f(this);
  },
  writable: true,
  configurable: true,
});
P(Promise).cpgThen2 = function (this: Promise<unknown>, f: (v: unknown) => unknown) {
  return this.then(f);
};
P(Number).cpgDouble = function (this: number) {
  return this * 2;
};

const g = globalThis as any; // a captured alias of the global object

const cases: Record<string, () => unknown> = {
  globalThisCall: () => (globalThis as any).cpgHelper(1),
  globalThisData: () => (globalThis as any).cpgConfig.rate * 2,
  globalThisBracket: () => (globalThis as any)["cpgHelper"](2),
  self: () => (self as any).cpgHelper(3),
  global: () => (global as any).cpgHelper(4),
  alias: () => g.cpgFn(2),
  aliasClass: () => new g.CpgKlass().double,
  math: () => (Math as any).cpgClamp(5),
  mathData: () => (Math as any).cpgTau * 2,
  json: () => (JSON as any).cpgTwice("ab"),
  objectStatic: () => (Object as any).cpgCount({ a: 1, b: 2 }),
  arrayProto: () => ([1, 2, 3] as any).cpgLast(),
  arrayProtoCall: () => P(Array).cpgLast.call([4, 5]),
  stringProto: () => [
    ("ab" as any).cpgShout(),
    Object.getOwnPropertyDescriptor(String.prototype, "cpgShout")?.enumerable,
    Object.keys(String.prototype).includes("cpgShout"),
  ],
  objectProto: () => ({ a: 1 } as any).cpgPipe((o: { a: number }) => o.a + 1),
  promiseProto: () => (Promise.resolve(3) as any).cpgThen2((x: number) => x * 2),
  numberProto: () => (7 as any).cpgDouble(),
  optional: () => [(globalThis as any).cpgMissing?.(1) ?? "none", ([1] as any).cpgLast?.()],
  all: () =>
    (globalThis as any).cpgHelper(0) + g.cpgFn(1) + (Math as any).cpgClamp(-1) +
    ([7] as any).cpgLast(),
};

const b64 = (b: Uint8Array) => btoa(String.fromCharCode(...b));
const out: Record<string, string> = {};
for (const [name, fn] of Object.entries(cases)) out[name] = b64(await dumps(fn));
console.log(JSON.stringify(out));
