/**
 * Class instances written as shapes: an ordinary object of a class's prototype whose own
 * properties are default data properties is written as its instance shape (the prototype and
 * its keys, once per walk) and its values (INSTANCE_NEW_SHAPE, INSTANCE_SHAPED), and the
 * instances of a chain met before in the walk take a shorter path, {@linkcode writeOrdinary},
 * which asks once per chain what the chain answers for all of its objects. The read side and
 * every other kind of instance are in instances.ts.
 *
 * @module
 */

import * as T from "../format/tags.ts";
import { type Encoder, F_OBJECT } from "../pickle/encoder.ts";
import { writeValue } from "../pickle/dispatch.ts";
import { reduce as REDUCE_SYMBOL } from "../pickle/options.ts";
import { isOrdinary } from "../values/brands.ts";
import { resourceOf } from "../values/resources.ts";
import { sameKeys } from "../values/inspect.ts";
import { BuiltinObject } from "./by_reference.ts";
import { globalPathOf } from "./globals.ts";
import type { Chain } from "./instances.ts";
import { types } from "node:util";

const getPrototypeOf = Object.getPrototypeOf;
const getOwnPropertyNames = Object.getOwnPropertyNames;
const getOwnPropertySymbols = Object.getOwnPropertySymbols;
const getOwnPropertyDescriptor = Object.getOwnPropertyDescriptor;
const isExtensible = Object.isExtensible;
const hasOwn = Object.hasOwn;
const isProxy = types.isProxy;
const TO_STRING_TAG = Symbol.toStringTag;

/** Instances with more own properties than this take the property list. */
const SHAPE_KEYS_MAX = 1024;
/** Instance shapes a walk writes per prototype at most (then its instances take the list). */
const SHAPES_PER_CHAIN = 64;

/** An instance shape written by this walk: the keys of instances of one prototype. */
export interface WrittenShape {
  readonly names: string[];
  readonly id: number;
}

/**
 * Whether what `writeOther` asks of an object before it reaches `writeInstance`
 * has, for every object of prototype `proto` (whose chain ends at `base`, Object.prototype or
 * null) without own symbol keys and without an own `constructor`, the answer it has for an
 * ordinary instance: it is no BuiltinObject, has no `[reduce]` method, and no
 * `Symbol.toStringTag` changes what `Object.prototype.toString` says of it (see
 * {@linkcode isOrdinary}, which also answers whether it is an error).
 */
export function ordinaryChain(proto: object, base: object | null): boolean {
  const builtinObject = BuiltinObject.prototype;
  for (let p: object | null = proto; p !== null; p = getPrototypeOf(p)) {
    if (
      isProxy(p) || p === builtinObject || hasOwn(p, REDUCE_SYMBOL) || hasOwn(p, TO_STRING_TAG)
    ) return false;
    if (p === base) break;
  }
  return true;
}

/**
 * Writes `o`, of prototype `proto` whose chain `chain` (met before in this walk) is
 * {@linkcode Chain.ordinary}, when it is an ordinary instance with only default data
 * properties of string keys (none named `constructor`): the path of most instances, which
 * skips the questions whose answer the chain already gave. `o` holds the next memo id
 * already (taken by the caller). False (nothing written, no id used) for any other object,
 * which `writeOther` then examines in full.
 */
export function writeOrdinary(enc: Encoder, o: object, proto: object, chain: Chain): boolean {
  if (isProxy(o)) return false;
  const names = getOwnPropertyNames(o);
  const n = names.length;
  if (n > SHAPE_KEYS_MAX || getOwnPropertySymbols(o).length !== 0 || !isExtensible(o)) {
    return false;
  }
  // The values are taken from the descriptors that prove them data (no Object.values).
  const items = new Array<unknown>(n);
  for (let i = 0; i < n; i++) {
    const key = names[i];
    if (key === "constructor") return false;
    const d = getOwnPropertyDescriptor(o, key)!;
    if (d.writable !== true || d.enumerable !== true || d.configurable !== true) return false;
    items[i] = d.value;
  }
  // What the object is by its internal slots, whether it is a global, a native resource. (Its
  // chain ends at this realm's Object.prototype: it is no other realm's built-in.)
  if (!isOrdinary(o) || globalPathOf(o, true) !== undefined || resourceOf(o, proto) !== undefined) {
    return false;
  }
  return writeShaped(enc, o, proto, chain, names, items, true);
}

/**
 * Writes an ordinary object of prototype `proto` whose own properties are all default data
 * properties with string keys, on an extensible object, as an instance shape (prototype and
 * keys, once per walk) and its values; false (nothing written) for any other.
 */
export function writeShapedInstance(
  enc: Encoder,
  o: object,
  proto: object,
  chain: Chain,
): boolean {
  const names = getOwnPropertyNames(o);
  const n = names.length;
  if (n > SHAPE_KEYS_MAX || getOwnPropertySymbols(o).length !== 0 || !isExtensible(o)) {
    return false;
  }
  const items = new Array<unknown>(n);
  for (let i = 0; i < n; i++) {
    const d = getOwnPropertyDescriptor(o, names[i])!;
    if (d.writable !== true || d.enumerable !== true || d.configurable !== true) return false;
    items[i] = d.value;
  }
  return writeShaped(enc, o, proto, chain, names, items, false);
}

/**
 * Writes `o` by its instance shape (`names`, its values `items`), false when its chain has
 * too many shapes; `held` when `o` holds the next memo id already.
 */
function writeShaped(
  enc: Encoder,
  o: object,
  proto: object,
  chain: Chain,
  names: string[],
  items: unknown[],
  held: boolean,
): boolean {
  const n = names.length;
  let s = chain.last;
  if (s === null || s.names.length !== n || !sameKeys(s.names, names)) {
    s = null;
    const list = chain.shapes;
    if (list !== null) {
      for (let i = 0; i < list.length; i++) {
        const x = list[i];
        if (x.names.length === n && sameKeys(x.names, names)) {
          s = x;
          break;
        }
      }
      if (s === null && list.length >= SHAPES_PER_CHAIN) return false;
    }
  }
  if (held) enc.nextId++;
  else enc.memo.set(o, enc.nextId++);
  const observer = enc.opts.observer;
  if (observer !== undefined) observer.instance(proto);
  const w = enc.w;
  if (s !== null) {
    w.byte(T.INSTANCE_SHAPED);
    w.varint(s.id);
    pushValues(enc, o, names, items);
  } else {
    w.byte(T.INSTANCE_NEW_SHAPE);
    w.varint(n);
    for (let i = 0; i < n; i++) w.string(names[i]);
    // The values follow the prototype's own contents (their frame is pushed first), which
    // a plain-object prototype starts reading at once.
    pushValues(enc, o, names, items);
    writeValue(enc, proto);
    // Numbered once the prototype is written, as the loader numbers it once it is read.
    s = { names, id: enc.nextInstanceShape++ };
    (chain.shapes ??= []).push(s);
  }
  chain.last = s;
  return true;
}

/** Pushes the frame of an instance's values `items` (of its keys `names`). */
function pushValues(enc: Encoder, o: object, names: string[], items: unknown[]): void {
  const n = names.length;
  if (n === 0) return;
  const f = enc.push(F_OBJECT, 0, o, n);
  f.keys = names;
  f.items = items;
}
