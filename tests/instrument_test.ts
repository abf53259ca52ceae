// Load-time instrumentation (the Bun preload, lib/instrument/): the transform keeps
// the behaviour of the code it rewrites, its scope records read the right variables, and
// closures pickle with automatic capture. The transform and the reader are pure JavaScript, so
// their tests run under Deno and Bun; the tests of the preload itself run under `bun test`
// (bunfig.toml names the preload), where this very file is instrumented.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { dumps, dumpsSync, loads, loadsSync } from "../mod.ts";
import {
  bunDefaultName,
  instrument,
  InstrumentError,
  type InstrumentOptions,
  mapLines,
} from "../lib/instrument/instrument.ts";
import { readInstrumentedScopes } from "../lib/code/loaded_instrument.ts";
import { recordOf } from "../lib/runtime/instrumented.ts";
import { cacheDir, TransformCache } from "../lib/instrument/cache.ts";
import { PackageFinder, scopeIsCommonJs } from "../lib/instrument/packages.ts";
import {
  installPassThroughHelpers,
  INSTRUMENT_GLOBALS,
  passThroughHelpers,
} from "../lib/runtime/instrumented.ts";
import { TDZ } from "../lib/runtime/adapter.ts";
import { sharedSlot } from "../lib/runtime/shared_slot.ts";
import { handles, transformFile } from "../preload.ts";
import * as fx from "./instrumented/closures.ts";
import * as plain from "./instrumented/plain.mjs";

type AnyFn = (...args: never[]) => unknown;
type Counter = { inc: () => number; get: () => number };

let probeCount = 0;
const probe = () => ++probeCount;
/** This file was instrumented: `bun test` with the preload named in bunfig.toml. */
const PRELOADED = recordOf(probe) !== undefined;

/** The fixture modules are pickled by value: what these tests check is their capture. */
const FIXTURES = { byValue: [new URL("./instrumented/", import.meta.url)] };
const rtSync = <T>(v: T): T => loadsSync<T>(dumpsSync(v, FIXTURES));
const rtAsync = async <T>(v: T): Promise<T> => await loads<T>(await dumps(v, FIXTURES));

function base64(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

/** Evaluates module source (data: URLs are not instrumented by the preload). */
async function evalModule(code: string): Promise<Record<string, unknown>> {
  return await import(`data:text/javascript;base64,${base64(code)}`);
}

/** Runs `export default` of the original and of the instrumented module. */
async function both(src: string, options?: InstrumentOptions) {
  const result = instrument(src, options);
  const run = async (code: string) => {
    const m = await evalModule(code);
    return await (m.default as () => unknown)();
  };
  return { original: await run(src), instrumented: await run(result.code), result };
}

const SEMANTICS: { name: string; src: string; options?: InstrumentOptions }[] = [
  {
    name: "name inference from bindings, properties, fields and defaults",
    src: `
let k = 1;
const a = () => k; let b = function () { return k; }; var c = async () => k;
let d; d = () => k; let e = 0; e ||= () => k;
const { f = () => k } = {}; const [g = () => k] = [];
function h(p = () => k) { return p; }
const o = { i: () => k, "j k": function () { return k; }, 1: () => k, __proto__: null,
  m() { return k; }, get n() { return k; }, q: function named() { return k; } };
class C { p = () => k; static q = () => k; #r = () => k; r() { return this.#r; }
  static s() { return k; } }
const D = class { m() { return k; } };
const named = function nm() { return k; };
const anonymous = [0].map(() => () => k)[0];
export default () => ({
  names: [a.name, b.name, c.name, d.name, e.name, f.name, g.name, h().name, o.i.name,
    o["j k"].name, o[1].name, o.m.name, Object.getOwnPropertyDescriptor(o, "n").get.name,
    o.q.name, new C().p.name, C.q.name, new C().r().name, C.s.name, D.name, named.name,
    anonymous.name, C.name],
  lengths: [a.length, h.length], arrowKeys: Reflect.ownKeys(a), fnKeys: Reflect.ownKeys(b),
  objectKeys: Reflect.ownKeys(o), classKeys: Reflect.ownKeys(C),
  protoKeys: Reflect.ownKeys(C.prototype), proto: Object.getPrototypeOf(o),
});`,
  },
  {
    name: "this and arguments",
    src: `
let k = 10;
function f(a, b) { const g = () => [this?.x, arguments.length, a + k]; return g(); }
const o = { x: 1, m() { return [this.x, (() => this.x + k)()]; } };
function Ctor(v) { this.v = () => v + k; }
export default () => ({ f: f.call({ x: 5 }, 1, 2, 3), m: o.m(), c: new Ctor(1).v() });`,
  },
  {
    name: "generators, async functions and async generators",
    src: `
let k = 2;
function* gen(n) { for (let i = 0; i < n; i++) yield () => i * k; }
async function af(x) { await null; return () => x + k; }
async function* ag() { let j = 0; while (j < 3) { const jj = j++; yield () => jj + k; } }
const arrowAsync = async (x) => () => x * k;
export default async () => {
  const out = [...gen(3)].map((f) => f());
  out.push((await af(1))(), (await arrowAsync(5))());
  for await (const f of ag()) out.push(f());
  return out;
};`,
  },
  {
    name: "classes: fields, static blocks, private names, accessors, super, new.target",
    src: `
let k = 3;
class Base { constructor(v) { this.v = v; } get dbl() { return this.v * 2; }
  static make() { return new this(k); } }
class D extends Base {
  #p = k; static #s = 4; static count = 0;
  static { D.count = k + D.#s; }
  constructor(v) { super(v + k); this.f = () => this.#p + super.dbl; }
  get dbl() { return super.dbl + 1; }
  [Symbol.iterator]() { return [k][Symbol.iterator](); }
  static get s() { return D.#s + k; }
  #priv() { return k; }
  usePriv() { return this.#priv(); }
  static nt() { return new.target; }
}
const E = class Named { who() { return Named.name + k; } };
export default () => {
  const d = new D(1);
  return [d.v, d.dbl, d.f(), [...d], D.s, D.count, d.usePriv(), D.make().v, new E().who(),
    D.nt() === undefined, d instanceof Base, Object.getOwnPropertyNames(d)];
};`,
  },
  {
    name: "loops, labels, switch, catch",
    src: `
const fs = [];
outer: for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) {
  if (j > i) continue outer; fs.push(() => i * 10 + j); }
for (const x of [1, 2]) fs.push(() => x);
for (let x in { a: 1, b: 2 }) fs.push(() => x);
let w = 0; while (w < 2) { let ww = w++; fs.push(() => ww); }
function sw(v) { switch (v) { case 1: let y = "one"; return () => y;
  default: let z = "other"; return () => z + y; } }
try { throw new Error("E"); } catch ({ message }) { fs.push(() => message); }
try { null.x; } catch { fs.push(() => "no binding"); }
export default () => {
  let t; try { t = sw(2)(); } catch (e) { t = e.constructor.name; }
  return [fs.map((f) => f()), sw(1)(), t];
};`,
  },
  {
    name: "hoisting and the temporal dead zone",
    src: `
const r1 = early();
function early() { return () => late; }
let tdz; try { r1(); tdz = "read"; } catch (e) { tdz = e.constructor.name; }
let late = 5;
export default () => [r1(), tdz, typeof hoisted, hoisted()];
function hoisted() { return late; }`,
  },
  {
    name: "arrow bodies, sequences, IIFEs, new, tagged templates, optional calls",
    src: `
let k = 1;
const objArrow = (a) => ({ a, f: () => a + k });
const seq = (a) => (a, () => a + k);
const nested = (a) => (b) => (c) => a + b + c + k;
const iife = (function () { return () => k; })();
const nf = new function () { this.f = () => k; };
const tag = ((s, ...v) => () => s.raw.join("|") + v.join(",") + k)\`x\${1}y\`;
const opt = null;
export default () => [objArrow(1).f(), seq(2)(), nested(1)(2)(3), iife(), nf.f(), tag(),
  opt?.(), (() => () => k)()()];`,
  },
  {
    name: "object literals: duplicate keys, spreads, accessors, computed keys",
    src: `
let k = 1, ext = () => "ext";
const o = { f: () => k, f: () => k + 1, g: () => k, ...{ g: ext }, get h() { return k; },
  set h(v) { k = v; }, [("c" + "k")]: () => k, m() { return k; }, "m": ext };
export default () => { o.h = 7; return [o.f(), o.g(), o.h, o.ck(), o.ck.name, o.m(), o.f.name]; };`,
  },
  {
    name: "export forms",
    src: `
let k = 1;
export function decl() { return k; }
export const c = () => k;
export let l = () => k;
export class K { m() { return k; } }
export default function () { return decl() + c() + l() + new K().m() + k; }`,
  },
  {
    name: "default parameters and destructuring parameters",
    src: `
let k = 1;
function f(a, g = () => a + k, { h = () => a } = {}, ...rest) {
  return [g(), h(), rest.length, g.name, h.name];
}
const arrow = (a, b = () => a) => b();
export default () => [f(1), f(2, () => 9, {}, 1, 2), arrow(5), f.length, arrow.length];`,
  },
];

describe("instrument(): the rewritten module behaves like the original", () => {
  for (const c of SEMANTICS) {
    it(c.name, async () => {
      const { original, instrumented, result } = await both(c.src, c.options);
      assert.ok(result.sites > 0, "something was registered");
      assert.deepEqual(instrumented, original);
    });
  }

  it("a sloppy-mode script (CommonJS) with block functions and switch scopes", () => {
    const src = `
var k = 1;
function f() { if (true) { function inner() { return k; } } return inner; }
function sw(v) { switch (v) { case 1: let y = 2; function g() { return y; } return g; } }
with ({ q: 3 }) { var wq = () => q; }
return [f()(), sw(1)(), wq(), (function () { return typeof this; })()];`;
    const result = instrument(src, { sourceType: "script" });
    assert.equal(result.sourceType, "script");
    assert.ok(result.records > 0);
    assert.deepEqual(new Function(result.code)(), new Function(src)());
  });

  it("never adds line breaks, so line numbers stay", () => {
    const src = SEMANTICS.map((c) => c.src).join("\n");
    const out = instrument(src).code;
    assert.notEqual(out, src);
    assert.equal(out.split("\n").length, src.split("\n").length);
  });

  it("leaves a module without captured variables unchanged", () => {
    const src = "export const f = (x) => x + 1;\nexport function g() { return Math.max(1, 2); }\n";
    const r = instrument(src);
    assert.equal(r.code, src);
    assert.equal(r.records, 0);
  });

  it("throws InstrumentError on source it cannot parse", () => {
    assert.throws(() => instrument("let x = ;"), InstrumentError);
  });

  it("names an anonymous default-exported function the way Bun does", async () => {
    assert.equal(bunDefaultName("/a/my-file.test.ts"), "my_file_test_default");
    assert.equal(bunDefaultName("/a/1abc.js"), "_1abc_default");
    const src = "let k = 2;\nexport default function () { return k; }\n";
    const out = instrument(src, { path: "/x/my-mod.js" }).code;
    const m = await evalModule(out);
    assert.equal((m.default as AnyFn).name, "my_mod_default");
    assert.ok(recordOf(m.default as AnyFn) !== undefined, "registered");
  });

  it("mapLines and the lines option put reprinted code back on its original lines", () => {
    const original = [
      "interface T {",
      "  a: number;",
      "}",
      "",
      "export function f(x: number): number {",
      "  const y: number = x * 2;",
      "  return y;",
      "}",
      "export const g = (",
      "  z: string,",
      "): string => z;",
    ].join("\n");
    const produced = [
      "export function f(x) {",
      "  const y = x * 2;",
      "  return y;",
      "}",
      "export const g = (z) => z;",
      "",
    ].join("\n");
    const lines = mapLines(original, produced);
    assert.deepEqual(lines.slice(0, 5), [5, 6, 7, 0, 9]);
    const out = instrument(produced, { lines }).code.split("\n");
    assert.equal(out[4], "export function f(x) {");
    assert.equal(out[6], "  return y;");
    assert.equal(out[8], "export const g = (z) => z;");
  });
});

/** The reader, as the pickler finds it. */
function reader(): (fn: object) => ReturnType<typeof readInstrumentedScopes> {
  return sharedSlot().scopeReader as never;
}

describe("scope records and the synchronous reader", () => {
  it("is installed in the shared slot, and the helpers are globals", () => {
    assert.equal(reader(), readInstrumentedScopes);
    for (const name of INSTRUMENT_GLOBALS) assert.ok(name in globalThis, name);
  });

  it("closures of one scope instance share one record, other instances have their own", async () => {
    const m = await evalModule(
      instrument(`
export function make() { let n = 0; return { inc: () => ++n, get: () => n }; }`).code,
    );
    const a = (m.make as () => Counter)();
    const b = (m.make as () => Counter)();
    a.inc();
    const ra = reader()(a.inc)!;
    const rg = reader()(a.get)!;
    const rb = reader()(b.get)!;
    assert.equal(ra.chain[0].identity, rg.chain[0].identity);
    assert.notEqual(ra.chain[0].identity, rb.chain[0].identity);
    assert.deepEqual(ra.chain[0].names, ["n"]);
    assert.deepEqual(ra.chain[0].values, [1]);
    a.inc();
    assert.deepEqual(reader()(a.get)!.chain[0].values, [2], "values are read live");
    assert.deepEqual(rb.chain[0].values, [0]);
    assert.equal(ra.found.get("n"), 0);
  });

  it("per-iteration bindings get one record per iteration", async () => {
    const m = await evalModule(
      instrument(`
export const fns = [];
for (let i = 0; i < 3; i++) fns.push(() => i);`).code,
    );
    const reads = (m.fns as AnyFn[]).map((f) => reader()(f)!);
    assert.deepEqual(reads.map((r) => r.chain[0].values), [[0], [1], [2]]);
    assert.equal(new Set(reads.map((r) => r.chain[0].identity)).size, 3);
  });

  it("a variable in its temporal dead zone reads as TDZ", async () => {
    const m = await evalModule(
      instrument(`
const read = globalThis[Symbol.for("cloudpickle.shared")].scopeReader;
let touch = 0;
const f = () => later + touch++;
export const before = read(f);
let later = 1;
export const after = read(f);`).code,
    );
    const before = m.before as ReturnType<typeof readInstrumentedScopes> & object;
    const after = m.after as typeof before;
    const at = (r: typeof before, name: string) => {
      const snap = r.chain[r.found.get(name)!];
      return snap.values[snap.names.indexOf(name)];
    };
    assert.equal(at(before, "later"), TDZ);
    assert.deepEqual(before.uninitialized, ["later"]);
    assert.equal(at(after, "later"), 1);
    assert.deepEqual(after.uninitialized, []);
  });

  it("variables that never change go to the function's own snapshot", async () => {
    const m = await evalModule(
      instrument(`
import { strictEqual } from "node:assert";
const table = { unit: 3 };
let count = 0;
export const other = () => strictEqual(1, 1);
export const f = (x) => x * table.unit + count++;`).code,
    );
    const r = reader()(m.f as AnyFn)!;
    assert.equal(r.chain.length, 2);
    assert.deepEqual(r.chain[0].names, ["table"]);
    assert.equal(r.chain[0].identity, undefined);
    assert.deepEqual(r.chain[1].names, ["count"], "the import 'strictEqual' is not pulled in");
    assert.equal(r.chain[1].kind, "Module");
    assert.deepEqual(Object.fromEntries(r.found), { table: 0, count: 1 });
  });

  it("unregistered functions and functions loaded from a pickle read as undefined", async () => {
    assert.equal(reader()(() => 1), undefined);
    const m = await evalModule(
      instrument(`
let k = 1;
export function outer(j) { return () => j + k; }`).code,
    );
    assert.notEqual(reader()((m.outer as (j: number) => AnyFn)(1)), undefined);
    // The outer function's source evaluated elsewhere: its records have no parent there.
    const copy = (0, eval)(`(${String(m.outer)})`) as (j: number) => () => number;
    const inner = copy(2);
    assert.equal(reader()(inner), undefined);
    assert.throws(() => inner(), ReferenceError, "k is not defined here");
  });
});

describe("pickling instrumented code (any runtime with the reader installed)", () => {
  const src = `
let scale = 3;
export function setScale(v) { scale = v; }
export function makeCounter() { let n = 0; return { inc: () => ++n, get: () => n }; }
export const loop = [];
for (let i = 0; i < 3; i++) loop.push(() => i * scale);
export const fib = (n) => (n < 2 ? n : fib(n - 1) + fib(n - 2));
export function outer(a) { return (b) => (c) => a * 100 + b * 10 + c + scale; }`;

  it("dumpsSync and dumps capture automatically; shared variables stay shared", async () => {
    const m = await evalModule(instrument(src).code);
    const c = (m.makeCounter as () => Counter)();
    c.inc();
    for (const copy of [rtSync(c), await rtAsync(c)]) {
      copy.inc();
      copy.inc();
      assert.equal(copy.get(), 3);
    }
    assert.equal(c.get(), 1);
    const [loop, fib, deep] = rtSync([
      m.loop,
      m.fib,
      (m.outer as AnyFn as (a: number) => (
        b: number,
      ) => (c: number) => number)(1)(2),
    ]) as [(() => number)[], (n: number) => number, AnyFn];
    assert.deepEqual(loop.map((f) => f()), [0, 3, 6]);
    assert.equal(fib(10), 55);
    assert.equal((deep as (c: number) => number)(3), 126);
  });

  it("the factory itself pickles, and runs where only pass-through helpers exist", async () => {
    const m = await evalModule(instrument(src).code);
    const make = rtSync(m.makeCounter as () => Counter);
    const c = make();
    c.inc();
    assert.equal(c.get(), 1);
    // Its source names the helpers: evaluate it with the pass-through versions as locals.
    const helpers = passThroughHelpers();
    const build = new Function(
      ...INSTRUMENT_GLOBALS,
      `"use strict"; return (${String(m.makeCounter)});`,
    ) as (...h: unknown[]) => () => Counter;
    const again = build(...INSTRUMENT_GLOBALS.map((n) => helpers[n]))();
    again.inc();
    again.inc();
    assert.equal(again.get(), 2);
    installPassThroughHelpers(); // does not replace the real helpers
    assert.equal((globalThis as Record<string, unknown>).$cp$f === helpers.$cp$f, false);
  });
});

describe("the preload: automatic capture on Bun", { skip: !PRELOADED }, () => {
  it("a counter: inc and get share n after loading", async () => {
    const c = fx.makeCounter(5);
    c.inc();
    for (const [inc, get] of [rtSync([c.inc, c.get]), await rtAsync([c.inc, c.get])]) {
      inc();
      assert.equal(get(), 7, "a mutation through inc is seen by get");
    }
    assert.equal(c.get(), 6, "the original is untouched");
  });

  it("module-level let and const, and imports used by a closure", async () => {
    fx.setModuleLet(5);
    assert.equal(rtSync(fx.usesModule)(1), 16);
    assert.equal((await rtAsync(fx.usesModule))(1), 16);
    fx.setModuleLet(1);
    assert.equal(rtSync(fx.usesModule)(1), 12, "the current value is captured");
    assert.equal(rtSync(fx.usesImports)(2), 12);
    assert.equal((await rtAsync(fx.usesImports))(2), 12);
  });

  it("per-iteration loop bindings, a catch parameter, three levels of nesting", async () => {
    assert.deepEqual(rtSync(fx.loopClosures()).map((f) => f()), [0, 1, 2]);
    assert.deepEqual((await rtAsync(fx.loopClosures())).map((f) => f()), [0, 1, 2]);
    assert.equal(rtSync(fx.catchClosure())(), "caught!");
    assert.equal(rtSync(fx.threeLevels(1)(2))(3), 123);
    assert.equal((await rtAsync(fx.threeLevels(4)))(5)(6), 456);
  });

  it("recursion through a const, a function declaration, a default parameter", async () => {
    assert.equal(rtSync(fx.fib)(12), 144);
    assert.equal((await rtAsync(fx.fib))(12), 144);
    assert.equal(rtSync(fx.declared)(1), 11);
    assert.equal(rtSync(fx.withDefault(21))(), 42);
    assert.equal((await rtAsync(fx.withDefault(4)))(), 8);
  });

  it("a getter in an object literal shares its variable with a method", async () => {
    const o = fx.getterObject(1);
    o.bump();
    for (const copy of [rtSync(o), await rtAsync(o)]) {
      assert.equal(copy.value, 2);
      copy.bump();
      assert.equal(copy.value, 3);
    }
  });

  it("generators and async functions", async () => {
    assert.deepEqual([...rtSync(fx.counterGenerator(5))()], [0, 5, 10]);
    assert.equal(await rtSync(fx.asyncAdder(40))(2), 42);
  });

  it("closures defined in this test file", async () => {
    let hits = 0;
    const hit = (by: number) => (hits += by);
    const [hit2, read] = rtSync([hit, () => hits]);
    hit2(3);
    assert.equal(read(), 3);
    assert.equal(hits, 0);
    probe();
    assert.equal(rtSync(probe)(), probeCount + 1, "a module-level let of this file");
    const adders = [1, 2, 3].map((k) => (x: number) => x + k);
    assert.deepEqual((await rtAsync(adders)).map((f) => f(10)), [11, 12, 13]);
  });

  it("a plain .mjs module is instrumented too", () => {
    const h = plain.hitter(2);
    h();
    const [h2, now] = rtSync([h, plain.hitsNow]);
    assert.equal(h2(), 4);
    assert.equal(now(), 4);
  });

  it("CommonJS modules keep working (Bun's own loader; not instrumented)", async () => {
    const { createRequire } = await import("node:module");
    const require = createRequire(import.meta.url);
    type Label = (name: string) => () => string;
    const cjs = (await import("./instrumented/legacy.cjs")).default as { label: Label };
    const js = (await import("./instrumented/legacy_js.js")) as unknown as {
      default: Label;
      kind: string;
    };
    assert.equal(cjs.label("ab")(), "cjs:AB");
    assert.equal(js.default("x")(), "js:x");
    assert.equal(js.kind, "commonjs");
    assert.equal((require("./instrumented/legacy_js.js") as Label)("y")(), "js:y");
    assert.equal(recordOf(js.default("x")), undefined);
  });

  it("errors keep the line numbers of the original files", () => {
    assert.throws(fx.throwsHere, (e: Error) => /closures\.ts:84:/.test(e.stack ?? ""));
    assert.throws(plain.throwsOnLine12, (e: Error) => /plain\.mjs:12:/.test(e.stack ?? ""));
  });

  it("handles the project's modules, not node_modules, this package's lib/ or .cjs", () => {
    const root = fileURLToPath(new URL("..", import.meta.url));
    assert.equal(handles(`${root}tests/instrumented/closures.ts`), true);
    assert.equal(handles("/elsewhere/app/main.mjs"), true);
    assert.equal(handles("/elsewhere/app/view.tsx"), true);
    assert.equal(handles("/elsewhere/app/node_modules/pkg/index.js"), false);
    assert.equal(handles(`${root}lib/pickle/encoder.ts`), false);
    assert.equal(handles(`${root}mod.ts`), false);
    assert.equal(handles("/elsewhere/app/legacy.cjs"), false);
    assert.equal(handles("/elsewhere/app/legacy.js?cloudpickle-raw"), false);
  });

  it("transformFile: TypeScript is stripped and instrumented, CommonJS is recognised", () => {
    const ts = transformFile(
      "/x/a.ts",
      "let n: number = 0;\nexport const f = (): number => n++;\n",
    );
    assert.equal(ts.kind, "instrumented");
    assert.match((ts as { contents: string }).contents, /\$cp\$n\(\$cp\$a,/);
    const cjs = transformFile("/x/b.js", "const a = require('x');\nmodule.exports = () => a;\n");
    assert.equal(cjs.kind, "commonjs");
    const plainJs = transformFile("/x/c.js", "export const g = (x) => x;\n");
    assert.equal(plainJs.kind, "unchanged");
  });

  it("closures made by code loaded from a pickle carry the loader's records: they pickle again", () => {
    const make = rtSync(fx.makeCounter);
    const c = make(1);
    assert.notEqual(recordOf(c.inc), undefined);
    c.inc();
    assert.equal(c.get(), 2);
    const copy = loadsSync<typeof c>(dumpsSync(c));
    assert.equal(copy.inc(), 3);
    assert.equal(copy.get(), 3);
    assert.equal(c.get(), 2);
  });
});

describe("instrumented pickles in other runtimes", () => {
  const root = fileURLToPath(new URL("..", import.meta.url));
  const run = (cmd: string, args: string[], input?: string) => {
    const r = spawnSync(cmd, args, { cwd: root, input, encoding: "utf8", timeout: 60_000 });
    assert.equal(r.status, 0, `${cmd} ${args.join(" ")} failed:\n${r.stderr}`);
    return r.stdout;
  };
  const bun = `${root}node_modules/.bin/bun`;
  const deno = `${root}node_modules/.bin/deno`;

  it("closures pickled by Bun with the preload run in Deno and in Bun without it", () => {
    const pickle = run(bun, ["--preload", "./preload.ts", "tests/instrumented/produce.ts"]);
    const expected = { counter: 12, made: 7, loop: [0, 1, 2], deep: 123, usesModule: 12 };
    const consumer = "tests/instrumented/consume.ts";
    assert.deepEqual(JSON.parse(run(deno, ["run", "-A", consumer], pickle)), expected);
    assert.deepEqual(JSON.parse(run(bun, [consumer], pickle)), expected);
  });
});

describe("the preload's package finder and transform cache", () => {
  it("covers ES module package scopes and files, never CommonJS ones or this library", () => {
    const dir = mkdtempSync(join(tmpdir(), "cloudpickle-finder-"));
    try {
      const nm = join(dir, "node_modules");
      const files: Record<string, string> = {
        "esm/package.json": `{"type":"module"}`,
        "esm/index.js": "export const a = 1;",
        "esm/cjs/package.json": `{"type":"commonjs"}`,
        "esm/cjs/index.js": "module.exports = 1;",
        "cjs/package.json": `{"name":"cjs"}`,
        "cjs/index.js": "module.exports = () => 1;",
        "cjs/esm.mjs": "export default 1;",
        "cjs/modern.js": "import x from './esm.mjs';\nexport default x;",
        "own/package.json": `{"type":"module"}`,
        "own/mod.js": "export {};",
      };
      for (const [f, text] of Object.entries(files)) {
        mkdirSync(dirname(join(nm, f)), { recursive: true });
        writeFileSync(join(nm, f), text);
      }
      const at = (f: string) => join(nm, f);
      const resolve = (spec: string) => at(spec);
      const finder = new PackageFinder(at("own") + sep, resolve);
      const importer = join(dir, "main.mjs");
      const targets = finder.targets(importer, [
        "esm/index.js",
        "cjs/index.js",
        "cjs/esm.mjs",
        "cjs/modern.js",
        "own/mod.js",
        "node:fs",
        "fs",
        "./local.js",
      ]);
      assert.equal(targets.length, 3, targets.join("\n"));
      const filter = new RegExp(targets.join("|"));
      assert.equal(filter.test(at("esm/index.js")), true);
      assert.equal(filter.test(at("esm/lib/deep.mts")), true);
      assert.equal(filter.test(at("esm/node_modules/x/index.js")), false);
      assert.equal(filter.test(at("esm/index.cjs")), false);
      assert.equal(filter.test(at("cjs/esm.mjs")), true);
      assert.equal(filter.test(at("cjs/modern.js")), true);
      assert.equal(filter.test(at("cjs/index.js")), false);
      assert.equal(filter.test(at("own/mod.js")), false);
      // Known already: nothing new.
      assert.deepEqual(finder.targets(importer, ["esm/index.js", "cjs/esm.mjs"]), []);
      // A nested "type": "commonjs" inside a covered scope is caught when loaded.
      assert.equal(scopeIsCommonJs(at("esm/cjs/index.js")), true);
      assert.equal(scopeIsCommonJs(at("esm/index.js")), false);
      assert.equal(scopeIsCommonJs(at("cjs/index.js")), true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("the cache keys by text, name and salt; survives a damaged entry; falls back to memory", () => {
    const dir = mkdtempSync(join(tmpdir(), "cloudpickle-cache-"));
    try {
      const c = new TransformCache(join(dir, "c"), "v1");
      const k = c.key("a.js", "let x = 1;");
      assert.notEqual(k, c.key("b.js", "let x = 1;"));
      assert.notEqual(k, c.key("a.js", "let x = 2;"));
      assert.notEqual(k, new TransformCache(undefined, "v2").key("a.js", "let x = 1;"));
      assert.equal(c.get(k), undefined);
      c.set(k, { kind: "instrumented", contents: "x\ny", imports: ["z"] });
      assert.deepEqual(new TransformCache(join(dir, "c"), "v1").get(k), {
        kind: "instrumented",
        contents: "x\ny",
        imports: ["z"],
      });
      writeFileSync(join(dir, "c", k), "{not json");
      assert.equal(c.get(k), undefined);
      // Under a file: the folder cannot be made, entries stay in memory.
      writeFileSync(join(dir, "file"), "");
      const m = new TransformCache(join(dir, "file", "c"), "v1");
      m.set(k, { kind: "unchanged", imports: [] });
      assert.equal(m.folder, undefined);
      assert.deepEqual(m.get(k), { kind: "unchanged", imports: [] });
      assert.equal(cacheDir({ CLOUDPICKLE_CACHE_DIR: "off" }), undefined);
      assert.equal(cacheDir({ CLOUDPICKLE_CACHE_DIR: "/x" }), "/x");
      assert.equal(cacheDir({ XDG_CACHE_HOME: "/y" }), join("/y", "cloudpickle", "instrument"));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
