// Load-time instrumentation (the Bun preload, lib/instrument/): the transform keeps the
// behaviour of the code it rewrites. The transform is pure JavaScript, so these tests run under
// Deno and Bun. Its scope records and reader: tests/instrument_reader_test.ts; the preload
// itself: tests/preload_test.ts and tests/preload_packages_test.ts.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  bunDefaultName,
  instrument,
  InstrumentError,
  type InstrumentOptions,
  mapLines,
} from "../lib/instrument/instrument.ts";
import { recordOf } from "../lib/runtime/instrumented.ts";
import { type AnyFn, both, evalModule } from "./instrumented/shared.ts";

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
