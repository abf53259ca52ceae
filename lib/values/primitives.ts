/**
 * Primitives: strings, numbers, bigints, booleans, undefined and null, symbols. Numbers,
 * strings and booleans are written by the encoder's loop itself (the hot path); this file
 * holds the rest.
 *
 * @module
 */

import * as T from "../format/tags.ts";
import type { Encoder } from "../pickle/encoder.ts";
import { wellKnownSymbols } from "./inspect.ts";

// Write side.

/** Writes a bigint: its sign as the tag, then its magnitude. */
export function writeBigInt(enc: Encoder, v: bigint): void {
  enc.w.byte(v < 0n ? T.BIGINT_NEG : T.BIGINT_POS);
  enc.w.bigintMagnitude(v < 0n ? -v : v);
}

/** Writes a symbol: registered (by key), well-known (by name), or unique (memoized). */
export function writeSymbol(enc: Encoder, s: symbol): void {
  const w = enc.w;
  const key = Symbol.keyFor(s);
  if (key !== undefined) {
    w.byte(T.SYMBOL_FOR);
    w.string(key);
    return;
  }
  const known = wellKnownSymbols().get(s);
  if (known !== undefined) {
    w.byte(T.SYMBOL_WELL_KNOWN);
    w.string(known);
    return;
  }
  if (enc.ref(s)) return;
  enc.memo.set(s, enc.nextId++);
  const d = s.description;
  if (d === undefined) {
    w.byte2(T.SYMBOL_UNIQUE, 0);
  } else {
    w.byte2(T.SYMBOL_UNIQUE, 1);
    w.string(d);
  }
}
