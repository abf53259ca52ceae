/**
 * What the disassembler knows of a value from its tag ("effective tag": for a REF, the tag of
 * the value it points to), for the checks the loader makes on operands.
 *
 * @module
 */

import * as T from "../format/tags.ts";

/** Tags of numbers besides the small ints. */
const NUMBER_TAGS = new Set([T.INT_POS, T.INT_NEG, T.FLOAT64, T.NAN, T.NEG_ZERO]);
/** Tags of strings besides the short strings. */
export const STRING_TAGS = new Set([T.STR8, T.STR32, T.STR16, T.LATIN1]);

/** Whether a value of effective tag `k` is a number (or a reducer's result, known later). */
export function isNumber(k: number): boolean {
  return (k >= 0 && k <= T.SMALL_INT_MAX) || NUMBER_TAGS.has(k) || k === T.REDUCE;
}

/** Whether a value of effective tag `k` is a primitive. */
export function isPrimitive(k: number): boolean {
  return k >= 0 && (k < T.REF || k === T.LATIN1);
}

/** Whether a value of effective tag `k` is a string. */
export function isString(k: number): boolean {
  return (k >= T.SHORT_STRING && k < T.UNDEFINED) || STRING_TAGS.has(k);
}

/** Whether a value of effective tag `k` is a property key (a string or a symbol). */
export function isKey(k: number): boolean {
  return isString(k) || k === T.SYMBOL_UNIQUE || k === T.REDUCE;
}

/** Whether a BOXED value of kind `kind` may hold a value of effective tag `k`. */
export function boxes(kind: number, k: number): boolean {
  switch (kind) {
    case T.BOXED_NUMBER:
      return isNumber(k);
    case T.BOXED_STRING:
      return isString(k);
    case T.BOXED_BOOLEAN:
      return k === T.TRUE || k === T.FALSE;
    case T.BOXED_BIGINT:
      return k === T.BIGINT_POS || k === T.BIGINT_NEG;
    default:
      return k === T.SYMBOL_UNIQUE;
  }
}
