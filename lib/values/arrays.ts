/**
 * Arrays: dense ones as their elements; holes, non-default attributes, named properties and
 * integrity levels through the sparse form and the property list.
 *
 * @module
 */

import * as T from "../format/tags.ts";
import { type Encoder, F_ARRAY, F_LIST, S_SPARSE, S_SPARSE_DENSE } from "../pickle/encoder.ts";
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

// Write side.

const getOwnPropertyNames = Object.getOwnPropertyNames;
const getOwnPropertySymbols = Object.getOwnPropertySymbols;
const getOwnPropertyDescriptor = Object.getOwnPropertyDescriptor;
const isExtensible = Object.isExtensible;
const isProxy = types.isProxy;

/** Writes a dense, extensible array with no other own properties; false for any other. */
export function writeSimpleArray(enc: Encoder, a: unknown[]): boolean {
  if (isProxy(a)) return false;
  const len = a.length;
  if (
    !denseWithoutNamed(enc, a, len) || getOwnPropertySymbols(a).length !== 0 ||
    !isExtensible(a) ||
    getOwnPropertyDescriptor(a, "length")!.writable !== true
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
