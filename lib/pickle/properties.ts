/**
 * Own properties, for every family that has them: the property-list frame (keys with their
 * attributes and values, then the integrity level) and the WITH_PROPS prefix of built-ins
 * that carry properties of their own.
 *
 * @module
 */

import * as T from "../format/tags.ts";
import { integrity, never } from "../values/inspect.ts";
import { type EncodeFrame, type Encoder, F_LIST, S_PROPS } from "./encoder.ts";

const getOwnPropertyNames = Object.getOwnPropertyNames;
const getOwnPropertySymbols = Object.getOwnPropertySymbols;
const getOwnPropertyDescriptor = Object.getOwnPropertyDescriptor;
const isExtensible = Object.isExtensible;

/** Rewrites a property's descriptor before it is written (e.g. an error's stack as data). */
export type DescriptorFix = (
  o: object,
  key: string | symbol,
  d: PropertyDescriptor,
) => PropertyDescriptor;

/**
 * Pushes a property-list frame for `keys` of `o` (count, entries, integrity). It runs
 * after the frame pushed next (the object's own contents) completes.
 */
export function propsFrame(
  enc: Encoder,
  o: object,
  keys: (string | symbol)[],
  fix: DescriptorFix | null,
  level: number = integrity(o),
): EncodeFrame {
  const items: unknown[] = [];
  let count = 0;
  for (const key of keys) {
    let d = getOwnPropertyDescriptor(o, key);
    if (d === undefined) continue;
    if (fix !== null) d = fix(o, key, d);
    count++;
    let flags = (d.enumerable ? T.PROP_ENUMERABLE : 0) |
      (d.configurable ? T.PROP_CONFIGURABLE : 0);
    if ("value" in d) {
      if (d.writable) flags |= T.PROP_WRITABLE;
      items.push(key, flags, d.value);
    } else {
      items.push(key, flags | T.PROP_ACCESSOR, d.get, d.set);
    }
  }
  items.push(level);
  const f = enc.push(F_LIST, S_PROPS, o, items.length);
  f.items = items;
  f.pre = count;
  return f;
}

/** Writes a WITH_PROPS prefix when `o` has own properties beyond `skip`, or is not extensible. */
export function extras(enc: Encoder, o: object, skip: (key: string | symbol) => boolean): void {
  // Most built-ins have no own property at all: two cheap counts say so (ownKeys is slow
  // on V8).
  if (
    skip === never && getOwnPropertyNames(o).length === 0 &&
    getOwnPropertySymbols(o).length === 0 && isExtensible(o)
  ) return;
  const keys = Reflect.ownKeys(o);
  let named: (string | symbol)[] | null = null;
  for (const k of keys) {
    if (!skip(k)) (named ??= []).push(k);
  }
  if (named === null && isExtensible(o)) return;
  enc.w.byte(T.WITH_PROPS);
  propsFrame(enc, o, named ?? [], null);
}
