/**
 * Built-in objects of the language with internal state: Date, RegExp and the boxed
 * primitives (`new Number(1)`, `Object(Symbol())`…).
 *
 * @module
 */

import * as T from "../format/tags.ts";
import * as K from "./kinds.ts";
import { types } from "node:util";
import type { Encoder } from "../pickle/encoder.ts";
import { extras } from "../pickle/properties.ts";
import { writeOther, writeValue } from "../pickle/dispatch.ts";
import { isLastIndex, never, stringOwnKeys } from "./inspect.ts";
import { dateTime, regExpFlags, regExpSource } from "./brands.ts";
import { type Decoder, HOLE } from "../pickle/decoder.ts";
import { overLimit, regExpCost } from "../pickle/limits.ts";

// Write side.

const getOwnPropertyDescriptor = Object.getOwnPropertyDescriptor;
const ownKeys = Reflect.ownKeys;
const isExtensible = Object.isExtensible;

/** Writes a Date: its time value. */
export function writeDate(enc: Encoder, o: object): void {
  if (!types.isDate(o)) return writeOther(enc, o);
  extras(enc, o, never);
  enc.memo.set(o, enc.nextId++);
  enc.w.byte(T.DATE);
  enc.w.float64(dateTime.call(o as Date));
}

/** Writes a RegExp: source, flags, and lastIndex when it is a plain writable integer. */
export function writeRegExp(enc: Encoder, o: object): void {
  if (!types.isRegExp(o)) return writeOther(enc, o);
  const re = o as RegExp;
  const last = re.lastIndex;
  const inline = Number.isSafeInteger(last) && last >= 0 &&
    getOwnPropertyDescriptor(re, "lastIndex")!.writable === true;
  // Nearly every RegExp has no own property but lastIndex: then its flags are read at once,
  // and there is nothing for the property list (the one key count serves both).
  const bare = inline && ownKeys(re).length === 1 && isExtensible(re);
  if (!bare) extras(enc, o, inline ? isLastIndex : never);
  enc.memo.set(o, enc.nextId++);
  const w = enc.w;
  w.byte(T.REGEXP);
  w.string(regExpSource(re));
  w.string(regExpFlags(re, bare));
  w.varint(inline ? last : 0);
}

/** Per boxed family, from K_BOXED_NUMBER on: its brand check, sub-tag and valueOf. */
const BOXED: readonly [(o: object) => boolean, number, (this: unknown) => unknown][] = [
  [types.isNumberObject, T.BOXED_NUMBER, Number.prototype.valueOf],
  [types.isStringObject, T.BOXED_STRING, String.prototype.valueOf],
  [types.isBooleanObject, T.BOXED_BOOLEAN, Boolean.prototype.valueOf],
  [types.isBigIntObject, T.BOXED_BIGINT, BigInt.prototype.valueOf],
  [types.isSymbolObject, T.BOXED_SYMBOL, Symbol.prototype.valueOf],
];

/** Writes a boxed primitive of the family `kind`: its primitive, written inline. */
export function writeBoxed(enc: Encoder, o: object, kind: number): void {
  const [isBoxed, sub, valueOf] = BOXED[kind - K.K_BOXED_NUMBER];
  // Not boxed (`Object.create(Number.prototype)`): an ordinary object, written by writeOther.
  if (!isBoxed(o)) return writeOther(enc, o);
  const prim = valueOf.call(o);
  extras(enc, o, kind === K.K_BOXED_STRING ? stringOwnKeys((prim as string).length) : never);
  enc.memo.set(o, enc.nextId++);
  enc.w.byte2(T.BOXED, sub);
  // The primitive has no children: written inline, as the loader reads it.
  writeValue(enc, prim);
}

// Read side.

/** The type of the primitive of each boxed kind (BOXED_NUMBER...). */
const BOXED_TYPES = ["number", "string", "boolean", "bigint", "symbol"];

/** DATE: its time. */
export function readDate(dec: Decoder): Date {
  const d = new Date(dec.r.float64());
  dec.memo.push(d);
  return d;
}

/** REGEXP: source, flags, lastIndex; its cost counts against LoadOptions.maxRegExpCost. */
export function readRegExp(dec: Decoder, at: number): RegExp {
  const r = dec.r;
  const source = dec.string();
  const flags = dec.string();
  const last = r.varint();
  dec.spentRegExp += regExpCost(source, flags);
  if (dec.spentRegExp > dec.regExpBudget) {
    r.fail(
      overLimit(
        "the cost of the pickle's regular expressions (limit: LoadOptions.maxRegExpCost " +
          "plus one per byte of the pickle)",
        dec.spentRegExp,
        "maxRegExpCost",
        dec.regExpBudget,
      ),
      at,
    );
  }
  let re: RegExp;
  try {
    re = new RegExp(source, flags);
  } catch (e) {
    return dec.corrupt(`a regular expression is invalid (${(e as Error).message})`, at, e);
  }
  re.lastIndex = last;
  dec.memo.push(re);
  return re;
}

/** BOXED: kind, then the primitive. */
export function readBoxed(dec: Decoder, at: number): object {
  const sub = dec.r.byte();
  const slot = dec.memo.length;
  dec.memo.push(HOLE);
  const v = dec.inlineValue();
  const expected = BOXED_TYPES[sub];
  if (expected === undefined || typeof v !== expected) {
    dec.corrupt("a boxed primitive is of another type than its kind", at);
  }
  const o = Object(v) as object;
  dec.memo[slot] = o;
  return o;
}
