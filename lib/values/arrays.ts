/**
 * Arrays: dense and sparse.
 *
 * @module
 */

import * as T from "../format/tags.ts";
import type { DecodeFrame, Decoder } from "../pickle/decoder.ts";
import { K_ARRAY, K_SPARSE } from "../pickle/decode_table.ts";
import { NOT_PRIMITIVE, readPrimitive } from "./primitives.ts";

// Read side.

/** Arrays up to this length are made at their size. */
const SIZED_ARRAY = 16;

/** ARRAY: its leading primitive elements at once, the rest through a frame. */
export function readArray(dec: Decoder): unknown[] {
  const r = dec.r;
  const n = r.length(1);
  // A short array gets its exact size (V8 gives a pushed-to empty array room for 17
  // elements: 190 bytes for one); a long one grows as it is filled.
  const a: unknown[] = n <= SIZED_ARRAY ? new Array(n) : [];
  dec.memo.push(a);
  let i = 0;
  for (; i < n; i++) {
    // Small integers and floats (arrays of numbers) without the general dispatch.
    const p = r.pos;
    const tag = p < r.end ? r.buf[p] : -1;
    if (tag >= 0 && tag <= T.SMALL_INT_MAX) {
      r.pos = p + 1;
      a[i] = tag;
      continue;
    }
    if (tag === T.FLOAT64) {
      r.pos = p + 1;
      a[i] = r.float64();
      continue;
    }
    const v = readPrimitive(dec);
    if (v === NOT_PRIMITIVE) break;
    a[i] = v;
  }
  if (i < n) dec.push(K_ARRAY, a, n).i = i;
  return a;
}

/** An element of an array's frame. */
export function deliverArrayElement(_dec: Decoder, f: DecodeFrame, v: unknown, i: number): void {
  // By index: the object may already have another prototype (SET_PROTO, subclasses).
  (f.target as unknown[])[i] = v;
}

/** SPARSE_ARRAY: its length, then (index, value) pairs in index order. */
export function readSparseArray(dec: Decoder, at: number): unknown[] {
  dec.heavy(at, 1);
  const r = dec.r;
  const len = r.varint();
  if (len > 4294967295) dec.corrupt("a sparse array's length is out of range", at);
  const count = r.length(2);
  if (count > len) dec.corrupt("a sparse array has more elements than its length", at);
  // Not `new Array(len)`: it reserves storage for len elements (V8 below 2^25, 256 MB;
  // on Bun seconds), so a 39-byte pickle could cost that. An element at the end,
  // deleted, gives the length with sparse storage in both engines.
  const a: unknown[] = [];
  if (len > 0) {
    a[len - 1] = undefined;
    delete a[len - 1];
  }
  dec.memo.push(a);
  if (count > 0) dec.push(K_SPARSE, a, count * 2).extra = 0;
  return a;
}

/** An index or an element of a sparse array's frame. */
export function deliverSparseItem(dec: Decoder, f: DecodeFrame, v: unknown, i: number): void {
  if (i & 1) {
    (f.target as unknown[])[f.key as number] = v;
    return;
  }
  if (
    typeof v !== "number" || !Number.isInteger(v) || v < f.extra ||
    v >= (f.target as unknown[]).length
  ) {
    dec.corrupt("a sparse array's index is out of order or out of range");
  }
  f.key = v;
  f.extra = v + 1;
}
