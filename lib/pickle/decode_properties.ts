/**
 * Property lists on the read side, shared by the families: a frame that defines each
 * property with its descriptor (key, flags, value or getter and setter), then applies the
 * integrity level; and WITH_PROPS, a value followed by such a list.
 *
 * @module
 */

import { isLiveWeak } from "../values/weak.ts";
import * as T from "../format/tags.ts";
import { type DecodeFrame, type Decoder, NOT_DONE } from "./decoder.ts";
import { K_PROPS } from "./decode_table.ts";
import { ownedBuffer } from "../values/binary.ts";

const defineProperty = Object.defineProperty;

/** WITH_PROPS: a value (an object, not another list), then its property list. */
export function readWithProps(dec: Decoder, at: number): unknown {
  const r = dec.r;
  const props = dec.push(K_PROPS, null, NOT_DONE);
  props.count = -1;
  const next = r.pos < r.end ? r.buf[r.pos] : -1;
  if (next === T.WITH_PROPS || next === T.REF || next === T.REDUCE) {
    dec.corrupt("a property list follows a value that cannot take one", at);
  }
  const inner = next === T.OOB_BUFFER ? ownedBuffer(dec, r.pos) : dec.inlineValue();
  if (inner === null || (typeof inner !== "object" && typeof inner !== "function")) {
    dec.corrupt("a property list follows a value that cannot take one", at);
  }
  if (isLiveWeak(dec, inner)) {
    // Returned as it is: the list goes onto a stand-in.
    props.target = Object.create(null);
    return inner;
  }
  dec.checkOwned(inner, at);
  props.target = inner;
  return inner;
}

/** Starts a property list frame: reads its count, once the value it fills exists. */
export function beginProperties(dec: Decoder, f: DecodeFrame): void {
  f.count = dec.r.length(3);
  f.step = 0;
}

/** One item of a property list: key, flags, value or getter, setter; then integrity. */
export function deliverProperty(dec: Decoder, f: DecodeFrame, v: unknown): void {
  if (f.count === 0) {
    if (typeof v !== "number" || v < 0 || v > 3 || (v | 0) !== v) {
      dec.corrupt("an integrity level is not 0 to 3");
    }
    const o = f.target as object;
    if (f.items !== null) replaceMembers(o, f.items as PropertyKey[]);
    if (v === T.INTEGRITY_FROZEN) Object.freeze(o);
    else if (v === T.INTEGRITY_SEALED) Object.seal(o);
    else if (v === T.INTEGRITY_NON_EXTENSIBLE) Object.preventExtensions(o);
    f.n = f.i;
    return;
  }
  switch (f.step) {
    case 0:
      if (typeof v !== "string" && typeof v !== "symbol") {
        dec.corrupt("a property key is neither a string nor a symbol");
      }
      f.key = v;
      f.step = 1;
      return;
    case 1:
      if (typeof v !== "number" || v < 0 || v > 15 || (v | 0) !== v) {
        dec.corrupt("a property's flags are not 0 to 15");
      }
      f.extra = v;
      f.step = 2;
      return;
    case 2:
      if (f.extra & T.PROP_ACCESSOR) {
        f.value = v;
        f.step = 3;
        return;
      }
      define(dec, f, {
        value: v,
        writable: (f.extra & T.PROP_WRITABLE) !== 0,
        enumerable: (f.extra & T.PROP_ENUMERABLE) !== 0,
        configurable: (f.extra & T.PROP_CONFIGURABLE) !== 0,
      });
      return;
    default: {
      const get = f.value;
      if (
        (get !== undefined && typeof get !== "function") ||
        (v !== undefined && typeof v !== "function")
      ) {
        dec.corrupt("an accessor property's getter or setter is not a function");
      }
      define(dec, f, {
        get: get as () => unknown,
        set: v as (x: unknown) => void,
        enumerable: (f.extra & T.PROP_ENUMERABLE) !== 0,
        configurable: (f.extra & T.PROP_CONFIGURABLE) !== 0,
      });
    }
  }
}

function define(dec: Decoder, f: DecodeFrame, d: PropertyDescriptor): void {
  try {
    defineProperty(f.target, f.key as PropertyKey, d);
  } catch (e) {
    dec.corrupt(`the property ${String(f.key)} cannot be defined on its value`, dec.r.pos, e);
  }
  if (f.items !== null) f.items.push(f.key);
  f.value = undefined;
  f.step = 0;
  f.count--;
}

/**
 * The keys that the property lists of the last pickle loaded gave each loaded class and its
 * prototype (the members added to the class after its definition, at home).
 */
const pickledMembers = new WeakMap<object, PropertyKey[]>();
/** Members every class has, never taken away. */
const KEPT: ReadonlySet<PropertyKey> = new Set(["length", "name", "prototype", "constructor"]);

/**
 * Makes the property list of frame `f` the members of a loaded class or of its prototype (see
 * {@linkcode replaceMembers}).
 */
export function asMembers(f: DecodeFrame): void {
  f.items = [];
}

/**
 * The members a newer pickle of a loaded class no longer has (deleted at home since) are
 * deleted here too, so a long-lived worker runs no stale member: those an earlier pickle
 * gave `o` that the list just read (`keys`) lacks. Members the loading process added itself
 * are kept.
 */
function replaceMembers(o: object, keys: PropertyKey[]): void {
  const before = pickledMembers.get(o);
  if (before !== undefined) {
    for (const k of before) {
      if (!KEPT.has(k) && !keys.includes(k)) Reflect.deleteProperty(o, k);
    }
  }
  pickledMembers.set(o, keys);
}
