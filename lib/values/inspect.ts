/**
 * Looking at values without running their code: property attributes, integrity levels,
 * index keys, brands of host objects, length-tracking views, well-known symbols.
 *
 * @module
 */

import { isDeepStrictEqual } from "node:util";
import * as T from "../format/tags.ts";
import * as K from "./kinds.ts";
import { IS_JSC } from "../host.ts";
import { BlobClass, FileClass, URLClass, URLSearchParamsClass } from "./intrinsics.ts";

const getOwnPropertyDescriptor = Object.getOwnPropertyDescriptor;
const getOwnPropertyNames = Object.getOwnPropertyNames;
const isExtensible = Object.isExtensible;
const objectKeys = Object.keys;
const objectValues = Object.values;
const fnToString = Function.prototype.toString;

const intrinsicKeys = new Map<number, (key: string | symbol) => boolean>();
/**
 * Host objects (URL, Blob, …) may keep internal state in own symbol properties (Deno does):
 * those a fresh instance has too are not extra properties.
 */
export function intrinsic(kind: number): (key: string | symbol) => boolean {
  let skip = intrinsicKeys.get(kind);
  if (skip === undefined) {
    let sample: object | undefined;
    try {
      if (kind === K.K_URL) sample = new URLClass("http://a/");
      else if (kind === K.K_URL_SEARCH_PARAMS) sample = new URLSearchParamsClass();
      else if (kind === K.K_FILE) sample = new FileClass([], "");
      else sample = new BlobClass([]);
    } catch {
      sample = undefined;
    }
    const keys = new Set<string | symbol>(sample ? Reflect.ownKeys(sample) : []);
    skip = (key) => keys.has(key);
    // A failure is not kept: the next call tries again.
    if (sample !== undefined) intrinsicKeys.set(kind, skip);
  }
  return skip;
}

export function flagsOf(d: PropertyDescriptor): number {
  return (d.writable ? T.PROP_WRITABLE : 0) | (d.enumerable ? T.PROP_ENUMERABLE : 0) |
    (d.configurable ? T.PROP_CONFIGURABLE : 0);
}

/**
 * Arrays at least this long are proven free of holes and named properties by native scans
 * instead of `Object.keys`, which builds a string per index (about 4-30 ns each on V8, 50-400
 * on JavaScriptCore). On V8 the scan is worth it past a few hundred elements, where the keys
 * cost more than the once-per-pickle look at the prototypes ({@linkcode scanIsExact}) needs.
 */
export const LONG_ARRAY: number = IS_JSC ? 16 : 256;

/**
 * True when `a` (of length `len`) has an own element at every index and no own enumerable
 * string-keyed property besides them. Long arrays (see {@linkcode LONG_ARRAY}), when
 * `scanExact` (from {@linkcode scanIsExact}), are scanned: `includes(undefined)` is false only
 * where no element is a hole (or undefined), and then what remains is to see that no other
 * enumerable property exists. On V8 the native `Object.values` counts them (about 4 ns an
 * element). On JavaScriptCore it lists index keys too; there Bun's native
 * `isDeepStrictEqual` of the array and its `slice()` (which keeps elements only) answers in
 * about 15 ns an element, where it is seen to compare named properties (checked once), else
 * `for...in` counts them (about 75 ns).
 */
export function isDenseWithoutNamed(a: unknown[], len: number, scanExact: boolean): boolean {
  if (len >= LONG_ARRAY && scanExact && !a.includes(undefined)) {
    if (!IS_JSC) return objectValues(a).length === len;
    return DEEP_EQUAL_SEES_NAMED ? isDeepStrictEqual(a, a.slice()) : countEnumerable(a) === len;
  }
  const keys = objectKeys(a);
  return keys.length === len && (len === 0 || keys[len - 1] === String(len - 1));
}

/**
 * Whether the long-array scan of {@linkcode isDenseWithoutNamed} is exact now. A hole reads
 * through the prototypes: with an index-like key on `Array.prototype` or `Object.prototype`
 * it would not read as undefined, and a hole next to a named property would pass for an
 * element. The comparison with `slice()` sees that anyway (the copy has an own element
 * there); counting does not, so then the prototypes must have no such key. About 2 µs:
 * asked once per pickle that meets a long array.
 */
export function scanIsExact(): boolean {
  if (IS_JSC && DEEP_EQUAL_SEES_NAMED) return true;
  return !hasIndexKey(Array.prototype) && !hasIndexKey(Object.prototype);
}

function hasIndexKey(o: object): boolean {
  const names = getOwnPropertyNames(o);
  for (let i = 0; i < names.length; i++) {
    const c = names[i].charCodeAt(0);
    if (c >= 48 && c <= 57) return true;
  }
  return false;
}

function countEnumerable(a: unknown[]): number {
  let n = 0;
  for (const _ in a) n++;
  return n;
}

/** Whether `isDeepStrictEqual` tells an array from its `slice()` by named properties alone. */
function deepEqualSeesNamed(): boolean {
  try {
    const plain = [1, { a: 1 }, "x", NaN];
    const named = Object.assign([1, { a: 1 }, "x", NaN], { extra: 1 });
    return isDeepStrictEqual(plain, plain.slice()) && !isDeepStrictEqual(named, named.slice());
  } catch {
    return false;
  }
}

const DEEP_EQUAL_SEES_NAMED = IS_JSC && deepEqualSeesNamed();

/** The values of an [index, value, …] list that holds every index in order. */
export function denseValues(pairs: unknown[]): unknown[] {
  const out = new Array<unknown>(pairs.length >> 1);
  for (let i = 1, j = 0; i < pairs.length; i += 2, j++) out[j] = pairs[i];
  return out;
}

export function sameKeys(a: string[], b: string[]): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function never(): boolean {
  return false;
}

export function isLastIndex(k: string | symbol): boolean {
  return k === "lastIndex";
}

/** A String object's own "length" and the indices of its characters are not extras. */
export function stringOwnKeys(length: number): (k: string | symbol) => boolean {
  return (k) => k === "length" || (typeof k === "string" && isIndex(k) && +k < length);
}

/** True for canonical array index keys ("0", "1", …, "4294967294"). */
export function isIndex(k: string): boolean {
  const c = k.charCodeAt(0);
  if (c < 48 || c > 57) return false;
  if (k.length > 1 && c === 48) return false;
  const n = +k;
  return Number.isInteger(n) && n < 4294967295 && String(n) === k;
}

export function integrity(o: object): number {
  if (isExtensible(o)) return T.INTEGRITY_EXTENSIBLE;
  if (Object.isFrozen(o)) return T.INTEGRITY_FROZEN;
  if (Object.isSealed(o)) return T.INTEGRITY_SEALED;
  return T.INTEGRITY_NON_EXTENSIBLE;
}

/** V8 keeps an error's stack behind an accessor; it is pickled as the data it shows. */
export function stackAsData(
  o: object,
  key: string | symbol,
  d: PropertyDescriptor,
): PropertyDescriptor {
  if (key !== "stack" || "value" in d) return d;
  let value: unknown;
  try {
    value = d.get?.call(o);
  } catch {
    value = undefined;
  }
  return { value, writable: true, enumerable: d.enumerable, configurable: d.configurable };
}

export function isBranded(o: object, proto: object, getter: string): boolean {
  const d = getOwnPropertyDescriptor(proto, getter);
  if (d?.get === undefined) return false;
  try {
    d.get.call(o);
    return true;
  } catch {
    return false;
  }
}

/** Whether a reducer's callable is invoked with `new`. */
export function constructs(fn: (...args: unknown[]) => unknown): boolean {
  if (fn === (Symbol as unknown) || fn === (BigInt as unknown)) return false;
  let src: string;
  try {
    src = fnToString.call(fn);
  } catch {
    return false;
  }
  if (src.startsWith("class")) return true;
  const proto = (fn as { prototype?: unknown }).prototype;
  return src.includes("[native code]") && proto !== null && typeof proto === "object";
}

let wellKnown: Map<symbol, string> | undefined;
export function wellKnownSymbols(): Map<symbol, string> {
  if (wellKnown === undefined) {
    wellKnown = new Map();
    for (const name of getOwnPropertyNames(Symbol)) {
      const v = (Symbol as unknown as Record<string, unknown>)[name];
      if (typeof v === "symbol") wellKnown.set(v, name);
    }
  }
  return wellKnown;
}

/**
 * What `v` is, in words, for messages: "null", "undefined", "a string", "a Map", "an object".
 * Reads the constructor's name from the prototype's own data property (no getter runs).
 */
export function typeName(v: unknown): string {
  if (v === null || v === undefined) return String(v);
  if (typeof v !== "object") return `a ${typeof v}`;
  let name: unknown;
  try {
    const proto = Object.getPrototypeOf(v);
    name = proto === null ? undefined : getOwnPropertyDescriptor(proto, "constructor")?.value?.name;
  } catch {
    // A proxy that refuses: an object all the same.
  }
  if (typeof name !== "string" || !/^[A-Za-z_$]/.test(name) || name === "Object") {
    return "an object";
  }
  return `${/^[AEIO]/.test(name) ? "an" : "a"} ${name}`;
}

/** `v` as a message shows it: strings quoted, anything else as String() gives it. */
export function shown(v: unknown): string {
  if (typeof v === "string") return JSON.stringify(v);
  try {
    return String(v);
  } catch {
    return typeName(v);
  }
}
