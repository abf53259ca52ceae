/**
 * Built-in objects: Date, RegExp, boxed primitives.
 *
 * @module
 */

import type { Decoder } from "../pickle/decoder.ts";
import { HOLE } from "../pickle/decoder.ts";
import { overLimit, regExpCost } from "../pickle/limits.ts";

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
  const v = dec.value();
  const expected = BOXED_TYPES[sub];
  if (expected === undefined || typeof v !== expected) {
    dec.corrupt("a boxed primitive is of another type than its kind", at);
  }
  const o = Object(v) as object;
  dec.memo[slot] = o;
  return o;
}
