/**
 * Builds pickles from the grammar of the tag table (lib/format/tags.ts): every tag, with its
 * operands drawn from typical, boundary and hostile values (lengths past the input, huge
 * varints, invalid UTF-8, lone surrogates, odd keys, prototypes, references to any memo id).
 * Code tags appear with and without the code flag; generated pickles are always loaded with
 * `allowCode: false`, so the code they hold must be refused, and its sources are harmless.
 *
 * @module
 */

import * as T from "../../lib/format/tags.ts";
import { Bytes, frame } from "./bytes.ts";
import type { Rng } from "./prng.ts";

const KEYS = [
  "a",
  "b",
  "length",
  "__proto__",
  "constructor",
  "prototype",
  "toString",
  "valueOf",
  "then",
  "0",
  "1",
  "4294967295",
  "-1",
  "name",
  "message",
  "stack",
  "cause",
  "errors",
  "",
  "x".repeat(40),
];
const SYMBOL_NAMES = [
  "iterator",
  "asyncIterator",
  "hasInstance",
  "toPrimitive",
  "toStringTag",
  "species",
  "unscopables",
  "isConcatSpreadable",
  "match",
  "dispose",
  "nope",
  "__proto__",
  "prototype",
];
const GLOBAL_PATHS = [
  "Math.max",
  "Object.prototype",
  "Array.prototype",
  "Function.prototype",
  "Object.assign",
  "Object.defineProperty",
  "Reflect.setPrototypeOf",
  "Map",
  "Promise.reject",
  "Symbol.iterator",
  "",
  "nope.nope",
  "Object.prototype.__proto__",
  "JSON.parse",
  "%TypedArray%.prototype.set",
  "%GeneratorFunction%",
  "%ArrayIteratorPrototype%.next",
  "%Nope%",
  "%%",
  "x.%TypedArray%",
];
const SOURCES = [
  "function f() { return 1; }",
  "() => 2",
  "class A {}",
  "class B extends Object {}",
  "function () {",
  "m() { return 3; }",
  "get x() { return 4; }",
  "async function* g() {}",
  "",
];
const REGEXPS = [
  "a+b",
  "(?<n>x)",
  "\\p{L}+",
  "[\\p{L}--[a-z]]",
  "(a*)*b",
  "\\",
  "(",
  "[",
  "\\k<n>",
  "(?<a>.)(?<a>.)",
];
const FLAGS = ["", "g", "gimsuy", "v", "iv", "dgimsuyv", "uv", "q", "gg"];
const URLS = [
  "https://example.com/a?b=1",
  "file:///tmp/x",
  "not a url",
  "http://[::1]:80/",
  "blob:x",
  "https://ü.example/",
  "http://%zz/",
  "",
];
const MODULE_NAMES = ["node:path", "./nope.ts", "npm:nope@1.0.0", "https://example.com/m.js", ""];

/** Interesting numbers for varints: boundaries and claims past any input. */
function count(rng: Rng, typical: number): number {
  const r = rng.int(20);
  if (r < 14) return rng.int(typical + 1);
  if (r < 16) return rng.small(16);
  if (r === 16) return 2 ** rng.int(54) - rng.int(2);
  if (r === 17) return rng.pick([127, 128, 255, 256, 65535, 65536, 2 ** 31, 2 ** 32, 2 ** 53 - 1]);
  return rng.small(8);
}

/** Generator state of one pickle. */
/** Captured variable names: plain, in the temporal dead zone (`!`), and malformed marks. */
const SCOPE_NAMES = ["v", "v", "v!", "!", "v!!", "let!", "a.b!", "globalThis.x!"] as const;

class Gen {
  b = new Bytes();
  memo = 0;
  shapes = 0;
  nullShapes = 0;
  budget: number;
  usedCode = false;
  constructor(readonly rng: Rng, size: number) {
    this.budget = size;
  }

  str(s?: string): void {
    const rng = this.rng;
    if (s === undefined) {
      s = rng.chance(0.5)
        ? rng.pick(KEYS)
        : String.fromCharCode(...Array.from({ length: rng.small(5) }, () => rng.small(16)));
    }
    const form = rng.int(10);
    const latin = [...s].every((c) => c.charCodeAt(0) <= 0xff);
    if (form < 5 && latin && s.length <= T.SHORT_STRING_MAX) {
      this.b.u8(T.SHORT_STRING + s.length);
      for (const c of s) this.b.u8(c.charCodeAt(0));
    } else if (form < 6 && latin) {
      this.b.u8(T.LATIN1).varint(s.length);
      for (const c of s) this.b.u8(c.charCodeAt(0));
    } else if (form < 8) {
      const utf8 = new TextEncoder().encode(s);
      if (utf8.length < 256 && rng.chance(0.5)) this.b.u8(T.STR8).u8(utf8.length).all(utf8);
      else this.b.u8(T.STR32).u32(utf8.length).all(utf8);
    } else {
      this.b.u8(T.STR16).varint(s.length);
      for (let i = 0; i < s.length; i++) {
        const u = s.charCodeAt(i);
        this.b.u8(u).u8(u >> 8);
      }
    }
  }

  /** A property list: count, then key, flags, value(s); then the integrity level. */
  props(depth: number): void {
    const rng = this.rng;
    const n = rng.chance(0.9) ? rng.int(4) : count(rng, 8);
    this.b.varint(n);
    const real = Math.min(n, 6);
    for (let i = 0; i < real; i++) {
      if (rng.chance(0.15)) this.value(depth + 1, "symbol");
      else this.str(rng.pick(KEYS));
      const flags = rng.chance(0.8) ? rng.pick([7, 5, 3, 1, 0, 8, 12, 15]) : rng.int(64);
      this.b.u8(flags);
      if (flags & T.PROP_ACCESSOR) {
        this.value(depth + 1);
        this.value(depth + 1);
      } else this.value(depth + 1);
    }
    this.b.u8(rng.chance(0.9) ? rng.int(4) : rng.byte());
  }

  value(depth: number, want?: "symbol" | "object" | "buffer"): void {
    const rng = this.rng;
    const b = this.b;
    this.budget--;
    const leaf = depth > 12 || this.budget <= 0;
    if (want === "symbol") {
      const k = rng.int(3);
      if (k === 0) b.u8(T.SYMBOL_FOR), this.str();
      else if (k === 1) b.u8(T.SYMBOL_WELL_KNOWN), this.str(rng.pick(SYMBOL_NAMES));
      else {
        b.u8(T.SYMBOL_UNIQUE).u8(rng.int(3));
        this.memo++;
        if (rng.chance(0.7)) this.str();
      }
      return;
    }
    if (want === "buffer" && rng.chance(0.8)) return this.buffer();
    if (want === "object" && rng.chance(0.7)) return this.object(depth);
    if (leaf || rng.chance(0.3)) return this.primitive();
    const r = rng.int(100);
    if (r < 30) return this.object(depth);
    if (r < 36) return this.buffer();
    if (r < 42) {
      // VIEW
      b.u8(T.VIEW).u8(rng.chance(0.9) ? rng.int(T.VIEW_TYPES.length) : rng.byte()).u8(rng.int(3));
      this.memo++;
      this.value(depth + 1, "buffer");
      b.varint(count(rng, 8));
      if (rng.chance(0.8)) b.varint(count(rng, 8));
      return;
    }
    if (r < 46) {
      b.u8(T.ERROR);
      const ctor = rng.chance(0.8) ? rng.int(T.ERROR_TYPES.length) : rng.byte();
      b.u8(ctor);
      this.memo++;
      if ((ctor & 0x7f) === T.ERROR_DOM_EXCEPTION) this.str(), this.str();
      if (ctor & T.ERROR_HOST) this.str(rng.pick(["Deno.errors.NotFound", "", "Object", "nope"]));
      return this.props(depth);
    }
    if (r < 50) {
      b.u8(T.REGEXP);
      this.memo++;
      this.str(rng.chance(0.8) ? rng.pick(REGEXPS) : undefined);
      this.str(rng.pick(FLAGS));
      b.varint(count(rng, 3));
      return;
    }
    if (r < 53) {
      b.u8(rng.chance(0.5) ? T.URL_TAG : T.URL_SEARCH_PARAMS);
      this.memo++;
      return this.str(rng.pick(URLS));
    }
    if (r < 57) {
      const file = rng.chance(0.5);
      b.u8(file ? T.FILE : T.BLOB);
      this.memo++;
      if (file) this.str(), this.str(), this.value(depth + 1);
      else this.str();
      const n = count(rng, 6);
      b.varint(n);
      for (let i = 0; i < Math.min(n, 8); i++) b.u8(rng.byte());
      return;
    }
    if (r < 61) {
      b.u8(T.PROMISE).u8(rng.chance(0.9) ? rng.int(2) : rng.byte());
      this.memo++;
      return this.value(depth + 1);
    }
    if (r < 65) {
      b.u8(T.BOXED).u8(rng.chance(0.9) ? rng.int(5) : rng.byte());
      this.memo++;
      return this.value(depth + 1);
    }
    if (r < 68) {
      b.u8(T.DATE).f64(rng.pick([0, NaN, 8.64e15, 8.64e15 + 1, -1, Infinity, 1.5]));
      this.memo++;
      return;
    }
    if (r < 78) {
      // prototypes chosen by the pickle
      const k = rng.int(4);
      if (k === 0) {
        b.u8(T.OBJECT_WITH_PROTO);
        this.memo++;
        this.value(depth + 1, "object");
        return this.props(depth);
      }
      if (k === 1) {
        b.u8(T.SET_PROTO);
        this.value(depth + 1, "object");
        return this.value(depth + 1, "object");
      }
      if (k === 2) {
        b.u8(T.INSTANCE);
        this.memo++;
        this.value(depth + 1, "object");
        this.props(depth);
        const n = rng.int(3);
        b.varint(n);
        for (let i = 0; i < n; i++) this.str(), this.value(depth + 1);
        return;
      }
      b.u8(T.PROTOTYPE_OF);
      this.memo++;
      return this.value(depth + 1);
    }
    if (r < 84) {
      b.u8(T.WITH_PROPS);
      this.object(depth);
      return this.props(depth);
    }
    return this.code(depth);
  }

  primitive(): void {
    const rng = this.rng;
    const b = this.b;
    const r = rng.int(24);
    if (r < 3) return void b.u8(rng.int(64));
    if (r < 6) return this.str();
    if (r < 8) {
      return void b.u8(rng.pick([T.UNDEFINED, T.NULL, T.FALSE, T.TRUE, T.NAN, T.NEG_ZERO]));
    }
    if (r < 10) return void b.u8(rng.chance(0.5) ? T.INT_POS : T.INT_NEG).varint(count(rng, 1000));
    if (r < 11) {
      return void b.u8(T.FLOAT64).f64(rng.pick([1.5, -0, NaN, Infinity, 1e308, 5e-324, 64]));
    }
    if (r < 13) {
      b.u8(rng.chance(0.5) ? T.BIGINT_POS : T.BIGINT_NEG);
      const n = count(rng, 12);
      b.varint(n);
      for (let i = 0; i < Math.min(n, 40); i++) b.u8(rng.byte());
      return;
    }
    if (r < 15) {
      // a string tag with a length claim and random bytes (invalid UTF-8, lone surrogates)
      const tag = rng.pick([T.STR8, T.STR32, T.STR16, T.LATIN1]);
      const n = count(rng, 10);
      b.u8(tag);
      if (tag === T.STR8) b.u8(n);
      else if (tag === T.STR32) b.u32(n);
      else b.varint(n);
      for (let i = 0; i < Math.min(n * (tag === T.STR16 ? 2 : 1), 24); i++) b.u8(rng.byte());
      return;
    }
    if (r < 17) return void this.value(99, "symbol");
    if (r < 21) {
      return void b.u8(T.REF).varint(rng.chance(0.8) ? rng.int(this.memo + 1) : count(rng, 10));
    }
    if (r < 22) return void b.u8(T.OOB_BUFFER).varint(count(rng, 2));
    if (r < 23) return void b.u8(rng.byte());
    b.u8(rng.chance(0.5) ? T.OBJECT : T.NULL_OBJECT).varint(rng.int(this.shapes + 2));
    this.memo++;
    // values for the shape are not known here; a few follow
    for (let i = rng.int(3); i > 0; i--) this.primitive();
  }

  object(depth: number): void {
    const rng = this.rng;
    const b = this.b;
    const r = rng.int(8);
    if (r < 3) {
      const nul = rng.chance(0.3);
      b.u8(nul ? T.NULL_OBJECT_NEW_SHAPE : T.OBJECT_NEW_SHAPE);
      const n = rng.chance(0.9) ? rng.int(5) : count(rng, 5);
      b.varint(n);
      this.memo++;
      this.shapes++;
      const real = Math.min(n, 8);
      for (let i = 0; i < real; i++) this.str(rng.pick(KEYS));
      for (let i = 0; i < real; i++) this.value(depth + 1);
      return;
    }
    if (r < 5) {
      const n = rng.chance(0.9) ? rng.int(5) : count(rng, 5);
      b.u8(T.ARRAY).varint(n);
      this.memo++;
      for (let i = 0; i < Math.min(n, 8); i++) this.value(depth + 1);
      return;
    }
    if (r < 6) {
      const len = count(rng, 10);
      const n = rng.int(4);
      b.u8(T.SPARSE_ARRAY).varint(len).varint(n);
      this.memo++;
      for (let i = 0; i < n; i++) {
        if (rng.chance(0.8)) b.u8(rng.int(64));
        else this.primitive();
        this.value(depth + 1);
      }
      return;
    }
    const map = rng.chance(0.5);
    const n = rng.chance(0.9) ? rng.int(4) : count(rng, 4);
    b.u8(map ? T.MAP : T.SET).varint(n);
    this.memo++;
    for (let i = 0; i < Math.min(n, 6); i++) {
      this.value(depth + 1);
      if (map) this.value(depth + 1);
    }
  }

  buffer(): void {
    const rng = this.rng;
    const b = this.b;
    const shared = rng.chance(0.3);
    b.u8(shared ? T.SHARED_ARRAY_BUFFER : T.ARRAY_BUFFER);
    const flags = rng.chance(0.9) ? rng.int(shared ? 2 : 4) : rng.byte();
    b.u8(flags);
    if (flags & 1) b.varint(count(rng, 64));
    const n = count(rng, 16);
    b.varint(n);
    for (let i = 0; i < Math.min(n, 32); i++) b.u8(rng.byte());
    this.memo++;
  }

  code(depth: number): void {
    const rng = this.rng;
    const b = this.b;
    this.usedCode = true;
    const r = rng.int(7);
    this.memo++;
    if (r === 0) return b.u8(T.GLOBAL), this.str(rng.pick(GLOBAL_PATHS));
    if (r === 1) {
      b.u8(T.REDUCE).u8(rng.int(2));
      b.u8(T.GLOBAL), this.str(rng.pick(GLOBAL_PATHS));
      this.memo++;
      this.object(depth + 1);
      return this.value(depth + 1);
    }
    if (r === 2 || r === 3) {
      if (r === 3) b.u8(T.PROTOTYPES).u8(rng.int(4)), this.value(depth + 1, "object");
      const form = rng.int(4);
      b.u8(T.FUNCTION).u8(form).u8(rng.int(3));
      this.str(rng.pick(SOURCES));
      if (form === 3) this.str("fuzz.0");
      if (rng.chance(0.5)) b.u8(T.NULL);
      else {
        b.u8(T.SCOPE).varint(1);
        this.str(rng.pick(SCOPE_NAMES));
        b.u8(T.NULL);
        this.value(depth + 1);
      }
      if (form === 3) b.varint(0);
      this.props(depth);
      return this.props(depth);
    }
    if (r === 4) {
      b.u8(T.SCOPE).varint(1);
      this.str(rng.pick(SCOPE_NAMES));
      b.u8(T.NULL);
      return this.value(depth + 1);
    }
    if (r === 5) return void b.u8(T.MODULE).varint(rng.int(3));
    b.u8(T.EXPORT).varint(rng.int(3)).varint(1);
    this.str(rng.pick(["default", "join", "x"]));
  }
}

/** One generated pickle (unsigned; the caller may sign it). */
export function generate(rng: Rng): { bytes: Uint8Array; flags: number } {
  const g = new Gen(rng, 1 + rng.small(6));
  let flags = 0;
  const modules = rng.chance(0.08);
  if (modules) {
    flags |= T.FLAG_MODULES;
    const n = rng.int(3);
    g.b.varint(n);
    for (let i = 0; i < n; i++) g.str(rng.pick(MODULE_NAMES));
  }
  g.value(0);
  if (g.usedCode && rng.chance(0.8)) flags |= T.FLAG_CODE;
  if (rng.chance(0.05)) flags |= T.FLAG_OOB;
  if (rng.chance(0.03)) flags = rng.byte() & ~T.FLAG_SIGNED;
  if (rng.chance(0.05)) g.value(0); // trailing bytes
  const version = rng.chance(0.98) ? T.FORMAT_VERSION : rng.byte();
  return { bytes: frame(flags, g.b.out(), version), flags };
}
