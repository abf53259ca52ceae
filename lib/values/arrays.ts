/**
 * Arrays: dense ones as their elements; holes, non-default attributes, named properties and
 * integrity levels through the sparse form and the property list. In the structured mode
 * (`fidelity: "structured"`) an array keeps its length, holes and own enumerable string-keyed
 * properties, as data (getters read); attributes, symbols and integrity levels are dropped.
 *
 * @module
 */

import * as T from "../format/tags.ts";
import type { ByteReader } from "../format/reader.ts";
import {
  type Encoder,
  F_ARRAY,
  F_LIST,
  S_PROPS,
  S_SPARSE,
  S_SPARSE_DENSE,
} from "../pickle/encoder.ts";
import { propsFrame } from "../pickle/properties.ts";
import {
  denseValues,
  flagsOf,
  integrity,
  isDenseWithoutNamed,
  LONG_ARRAY,
  scanIsExact,
} from "./inspect.ts";
import { types } from "node:util";
import { refuseProxy } from "./refused.ts";
import type { DecodeFrame, Decoder } from "../pickle/decoder.ts";
import { K_ARRAY, K_SPARSE } from "../pickle/decode_table.ts";
import { NOT_PRIMITIVE, readPrimitive } from "./primitives.ts";

// Write side.

const getOwnPropertyNames = Object.getOwnPropertyNames;
const getOwnPropertySymbols = Object.getOwnPropertySymbols;
const getOwnPropertyDescriptor = Object.getOwnPropertyDescriptor;
const isExtensible = Object.isExtensible;
const isProxy = types.isProxy;
const objectKeys = Object.keys;

/**
 * Writes a dense, extensible array with no other own properties; false for any other. In the
 * structured mode a dense array without enumerable named properties is enough (symbols,
 * attributes and integrity levels are not kept).
 */
export function writeSimpleArray(enc: Encoder, a: unknown[]): boolean {
  if (isProxy(a)) return false;
  const len = a.length;
  if (
    !denseWithoutNamed(enc, a, len) ||
    !enc.structured && (getOwnPropertySymbols(a).length !== 0 || !isExtensible(a) ||
        getOwnPropertyDescriptor(a, "length")!.writable !== true)
  ) return false;
  enc.nextId++;
  enc.w.byte(T.ARRAY);
  enc.w.varint(len);
  if (len > 0) enc.push(F_ARRAY, 0, a, len);
  return true;
}

/** {@linkcode isDenseWithoutNamed}, asking {@linkcode scanIsExact} once per walk. */
function denseWithoutNamed(enc: Encoder, a: unknown[], len: number): boolean {
  if (len < LONG_ARRAY) return isDenseWithoutNamed(a, len, false);
  if (enc.scanExact === 0) enc.scanExact = scanIsExact() ? 1 : 2;
  return isDenseWithoutNamed(a, len, enc.scanExact === 1);
}

/** Writes an array; `notSimple` when {@linkcode writeSimpleArray} already said no. */
export function writeArray(enc: Encoder, a: unknown[], notSimple: boolean): void {
  if (isProxy(a)) refuseProxy(enc);
  if (enc.structured) return writeStructuredArray(enc, a);
  const len = a.length;
  const syms = getOwnPropertySymbols(a);
  const plain = !notSimple && denseWithoutNamed(enc, a, len) && syms.length === 0 &&
    isExtensible(a) && getOwnPropertyDescriptor(a, "length")!.writable === true;
  enc.memo.set(a, enc.nextId++);
  const w = enc.w;
  if (plain) {
    w.byte(T.ARRAY);
    w.varint(len);
    if (len > 0) enc.push(F_ARRAY, 0, a, len);
    return;
  }
  // The full picture: every own index (enumerable or not), named property and symbol.
  // Elements whose attributes differ from what the integrity level implies go to the
  // property list with their descriptors; the rest are plain elements.
  const level = integrity(a);
  const expected = level === T.INTEGRITY_FROZEN
    ? T.PROP_ENUMERABLE
    : level === T.INTEGRITY_SEALED
    ? T.PROP_ENUMERABLE | T.PROP_WRITABLE
    : T.PROP_DEFAULT;
  const elements: unknown[] = [];
  const named: (string | symbol)[] = [];
  const lengthFixed = level !== T.INTEGRITY_FROZEN &&
    getOwnPropertyDescriptor(a, "length")!.writable !== true;
  // An array's own keys are its indices in ascending order, then "length" (made with the
  // array), then its named properties in creation order.
  const names = getOwnPropertyNames(a);
  let i = 0;
  for (; i < names.length; i++) {
    const name = names[i];
    if (name === "length") break;
    const d = getOwnPropertyDescriptor(a, name)!;
    if ("value" in d && flagsOf(d) === expected) elements.push(+name, d.value);
    else named.push(name);
  }
  if (lengthFixed) named.push("length");
  for (i++; i < names.length; i++) named.push(names[i]);
  for (const sym of syms) named.push(sym);
  // The memo id was taken above; WITH_PROPS must precede the array's own tag.
  if (named.length > 0 || level !== T.INTEGRITY_EXTENSIBLE) {
    w.byte(T.WITH_PROPS);
    propsFrame(enc, a, named, null);
  }
  const count = elements.length >> 1;
  if (count === len) {
    w.byte(T.ARRAY);
    w.varint(len);
    if (len > 0) enc.push(F_LIST, S_SPARSE_DENSE, a, len).items = denseValues(elements);
  } else {
    w.byte(T.SPARSE_ARRAY);
    w.varint(len);
    w.varint(count);
    if (count > 0) enc.push(F_LIST, S_SPARSE, a, elements.length).items = elements;
  }
}

/** Structured mode: an array other than a dense one without named properties. */
function writeStructuredArray(enc: Encoder, a: unknown[]): void {
  const len = a.length;
  enc.memo.set(a, enc.nextId++);
  const w = enc.w;
  // Own enumerable string keys: the indices in ascending order, then the named properties.
  const keys = objectKeys(a);
  const elements: unknown[] = [];
  let i = 0;
  for (; i < keys.length; i++) {
    const k = keys[i];
    const x = Number(k);
    if (x >>> 0 !== x || x === 4294967295 || String(x) !== k) break;
    elements.push(x, a[x]);
  }
  if (i < keys.length) {
    const items: unknown[] = [];
    for (; i < keys.length; i++) items.push(keys[i], T.PROP_DEFAULT, a[keys[i] as never]);
    const count = items.length / 3;
    items.push(T.INTEGRITY_EXTENSIBLE);
    w.byte(T.WITH_PROPS);
    const f = enc.push(F_LIST, S_PROPS, a, items.length);
    f.items = items;
    f.pre = count;
  }
  const count = elements.length >> 1;
  if (count === len) {
    w.byte(T.ARRAY);
    w.varint(len);
    if (len > 0) enc.push(F_LIST, S_SPARSE_DENSE, a, len).items = denseValues(elements);
  } else {
    w.byte(T.SPARSE_ARRAY);
    w.varint(len);
    w.varint(count);
    if (count > 0) enc.push(F_LIST, S_SPARSE, a, elements.length).items = elements;
  }
}

// Read side.

/** Arrays up to this length are made at their size. */
const SIZED_ARRAY = 16;

/** ARRAY: its leading primitive elements at once, the rest through a frame. */
export function readArray(dec: Decoder): unknown[] {
  const r = dec.r;
  const n = r.length(1);
  // A short array gets its exact size (V8 gives a pushed-to empty array room for 17
  // elements: 190 bytes for one); a long one grows as it is filled.
  const a: unknown[] = n <= SIZED_ARRAY ? new Array(n) : [];
  dec.memo.push(a);
  // A run of numbers first (arrays of numbers), then other primitives, without the general
  // dispatch.
  let i = readNumbers(r, a, n);
  for (; i < n; i++) {
    const v = readPrimitive(dec);
    if (v === NOT_PRIMITIVE) break;
    a[i] = v;
  }
  if (i < n) dec.push(K_ARRAY, a, n).i = i;
  return a;
}

/**
 * Reads the numbers at the start of an array's elements into `a` (small integers, varint
 * integers, floats), up to the first other value; returns how many it read. A loop of its
 * own, which only ever sees numbers: JavaScriptCore keeps it optimized however many other
 * kinds of arrays were read before (with strings and objects in the same loop, it fell back
 * to a slower tier after a few kinds of arrays, and read long number arrays 2x slower).
 */
function readNumbers(r: ByteReader, a: unknown[], n: number): number {
  let i = 0;
  for (; i < n; i++) {
    const p = r.pos;
    const tag = p < r.end ? r.buf[p] : -1;
    if (tag >= 0 && tag <= T.SMALL_INT_MAX) {
      r.pos = p + 1;
      a[i] = tag;
    } else if (tag === T.FLOAT64) {
      r.pos = p + 1;
      a[i] = r.float64();
    } else if (tag === T.INT_POS) {
      r.pos = p + 1;
      a[i] = r.varint();
    } else break;
  }
  return i;
}

/** An element of an array's frame. */
export function deliverArrayElement(_dec: Decoder, f: DecodeFrame, v: unknown, i: number): void {
  // By index: the object may already have another prototype (SET_PROTO, subclasses).
  (f.target as unknown[])[i] = v;
}

/** SPARSE_ARRAY: its length, then (index, value) pairs in index order. */
export function readSparseArray(dec: Decoder, at: number): unknown[] {
  dec.heavy(at, 1);
  const r = dec.r;
  const len = r.varint();
  if (len > 4294967295) dec.corrupt("a sparse array's length is out of range", at);
  const count = r.length(2);
  if (count > len) dec.corrupt("a sparse array has more elements than its length", at);
  // Not `new Array(len)`: it reserves storage for len elements (V8 below 2^25, 256 MB;
  // on Bun seconds), so a 39-byte pickle could cost that. An element at the end,
  // deleted, gives the length with sparse storage in both engines.
  const a: unknown[] = [];
  if (len > 0) {
    a[len - 1] = undefined;
    delete a[len - 1];
  }
  dec.memo.push(a);
  if (count > 0) dec.push(K_SPARSE, a, count * 2).extra = 0;
  return a;
}

/** An index or an element of a sparse array's frame. */
export function deliverSparseItem(dec: Decoder, f: DecodeFrame, v: unknown, i: number): void {
  if (i & 1) {
    (f.target as unknown[])[f.key as number] = v;
    return;
  }
  if (
    typeof v !== "number" || !Number.isInteger(v) || v < f.extra ||
    v >= (f.target as unknown[]).length
  ) {
    dec.corrupt("a sparse array's index is out of order or out of range");
  }
  f.key = v;
  f.extra = v + 1;
}
