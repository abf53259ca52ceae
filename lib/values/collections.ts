/**
 * Collections: Map and Set.
 *
 * @module
 */

import type { DecodeFrame, Decoder } from "../pickle/decoder.ts";
import { K_MAP, K_SET } from "../pickle/decode_table.ts";

// Read side.

const mapSet = Map.prototype.set;
const setAdd = Set.prototype.add;

/** MAP: its entries come through a frame, key then value. */
export function readMap(dec: Decoder, at: number): Map<unknown, unknown> {
  dec.heavy(at, 1);
  const n = dec.r.length(2);
  const m = new Map();
  dec.memo.push(m);
  if (n > 0) dec.push(K_MAP, m, n * 2);
  return m;
}

/** A key or a value of a map's frame. */
export function deliverMapItem(_dec: Decoder, f: DecodeFrame, v: unknown, i: number): void {
  if (i & 1) mapSet.call(f.target as Map<unknown, unknown>, f.key, v);
  else f.key = v;
}

/** SET: its elements come through a frame. */
export function readSet(dec: Decoder, at: number): Set<unknown> {
  dec.heavy(at, 1);
  const n = dec.r.length(1);
  const s = new Set();
  dec.memo.push(s);
  if (n > 0) dec.push(K_SET, s, n);
  return s;
}

/** An element of a set's frame. */
export function deliverSetElement(_dec: Decoder, f: DecodeFrame, v: unknown): void {
  setAdd.call(f.target as Set<unknown>, v);
}
