/**
 * The decoder's own tags and frame kinds, beside the families': the root frame, collected
 * operands, REF (a value met before) and the reserved tag bytes.
 *
 * @module
 */

import { type DecodeFrame, type Decoder, HOLE } from "./decoder.ts";

/** The root frame's one child: the value decode() returns. */
export function deliverRoot(_dec: Decoder, f: DecodeFrame, v: unknown): void {
  f.value = v;
}

/** Collects a child value in the frame's `items` (K_COLLECT, reduce operands). */
export function deliverCollected(_dec: Decoder, f: DecodeFrame, v: unknown, i: number): void {
  f.items![i] = v;
}

/** REF: a value met before, by its memo id. */
export function readRef(dec: Decoder, at: number): unknown {
  const id = dec.r.varint();
  if (id >= dec.memo.length) dec.corrupt(`a reference points at the unknown memo id ${id}`, at);
  const v = dec.memo[id];
  if (v === HOLE) dec.corrupt("a reference points at an object that is still being built", at);
  return v;
}

/** A reserved tag byte. */
export function readUnknown(dec: Decoder, at: number): never {
  return dec.corrupt("a byte starts no known value (a pickle of a newer format?)", at);
}
