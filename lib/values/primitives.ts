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
import { SYMBOL_ID_MAX, symbolId, symbolOf } from "./symbol_identity.ts";
import type { Decoder } from "../pickle/decoder.ts";

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
    w.byte2(T.SYMBOL_UNIQUE, T.SYMBOL_HAS_ID);
  } else {
    w.byte2(T.SYMBOL_UNIQUE, T.SYMBOL_HAS_ID | T.SYMBOL_HAS_DESCRIPTION);
    w.string(d);
  }
  w.string(symbolId(s));
}

// Read side.

/** Returned by readPrimitive when the next value is not one it reads (nothing was read). */
export const NOT_PRIMITIVE: unique symbol = Symbol("not primitive");

/**
 * Reads the next value if it is a common primitive (number, string, boolean, null,
 * undefined); otherwise reads nothing and returns {@linkcode NOT_PRIMITIVE}. Containers use
 * it to take their leading primitive children at once, without a trip through the frame loop.
 */
export function readPrimitive(dec: Decoder): unknown {
  const r = dec.r;
  const at = r.pos;
  if (at >= r.end) return NOT_PRIMITIVE;
  const tag = r.buf[at];
  if (tag <= T.SMALL_INT_MAX) {
    r.pos = at + 1;
    return tag;
  }
  if (tag < T.UNDEFINED) {
    r.pos = at + 1;
    return r.latin1(tag - T.SHORT_STRING);
  }
  switch (tag) {
    case T.UNDEFINED:
      r.pos = at + 1;
      return undefined;
    case T.NULL:
      r.pos = at + 1;
      return null;
    case T.FALSE:
      r.pos = at + 1;
      return false;
    case T.TRUE:
      r.pos = at + 1;
      return true;
    case T.INT_POS:
      r.pos = at + 1;
      return r.varint();
    case T.INT_NEG: {
      r.pos = at + 1;
      const m = r.varint();
      if (m === 0) dec.corrupt("a negative integer has the magnitude 0", at);
      return -m;
    }
    case T.FLOAT64:
      r.pos = at + 1;
      return r.float64();
    case T.NAN:
      r.pos = at + 1;
      return NaN;
    case T.NEG_ZERO:
      r.pos = at + 1;
      return -0;
    case T.LATIN1:
      r.pos = at + 1;
      return r.latin1(r.varint());
    case T.STR8:
      r.pos = at + 1;
      return r.utf8(r.byte());
    case T.STR16:
      r.pos = at + 1;
      return r.utf16(r.length(2));
    default:
      return NOT_PRIMITIVE;
  }
}

/** The tags readPrimitive reads, reached through the table (their byte again). */
export function readCommonPrimitive(dec: Decoder, at: number): unknown {
  dec.r.pos = at;
  return readPrimitive(dec);
}

/** BIGINT_POS, BIGINT_NEG. */
export function readBigInt(dec: Decoder, _at: number, tag: number): bigint {
  const m = dec.r.bigintMagnitude();
  return tag === T.BIGINT_NEG ? -m : m;
}

/** STR32: a long UTF-8 string. */
export function readLongUtf8(dec: Decoder): string {
  return dec.r.utf8(dec.r.u32());
}

/** STR16: a UTF-16 string (read by readPrimitive; kept for the table's entry). */
export function readUtf16(dec: Decoder): string {
  return dec.r.utf16(dec.r.length(2));
}

/** SYMBOL_FOR: a registered symbol. */
export function readRegisteredSymbol(dec: Decoder): symbol {
  return Symbol.for(dec.string());
}

/** SYMBOL_WELL_KNOWN: `Symbol[name]`. */
export function readWellKnownSymbol(dec: Decoder, at: number): symbol {
  const name = dec.string();
  const s = Object.hasOwn(Symbol, name)
    ? (Symbol as unknown as Record<string, unknown>)[name]
    : undefined;
  if (typeof s !== "symbol") {
    dec.r.fail(
      `cannot load the well-known symbol Symbol.${name}: this runtime does not have it; ` +
        "load the pickle where it exists",
      at,
    );
  }
  return s;
}

/**
 * SYMBOL_UNIQUE: a symbol of its own (one memo slot, so every use is the same symbol); with an
 * id, the symbol this process knows by that id (see symbol_identity.ts).
 */
export function readUniqueSymbol(dec: Decoder, at: number): symbol {
  dec.heavy(at, 1);
  const flags = dec.r.byte();
  if (flags > (T.SYMBOL_HAS_ID | T.SYMBOL_HAS_DESCRIPTION)) {
    dec.corrupt("a symbol's flags are not known", at);
  }
  const description = flags & T.SYMBOL_HAS_DESCRIPTION ? dec.string() : undefined;
  let s: symbol;
  if (flags & T.SYMBOL_HAS_ID) {
    const id = dec.string();
    if (id.length === 0 || id.length > SYMBOL_ID_MAX) {
      dec.corrupt("a symbol's id is not a string of 1 to 64 characters", at);
    }
    s = symbolOf(id, description);
  } else s = Symbol(description);
  dec.memo.push(s);
  return s;
}
