/**
 * Maps and Sets: their entries in insertion order, read through the intrinsics (a Map may
 * have any prototype, and its own methods may be replaced).
 *
 * @module
 */

import * as T from "../format/tags.ts";
import { types } from "node:util";
import { type Encoder, F_LIST, S_MAP, S_SET } from "../pickle/encoder.ts";
import { extras } from "../pickle/properties.ts";
import { writeOther } from "../pickle/dispatch.ts";
import { never } from "./inspect.ts";
import { mapEntries, setValues } from "./brands.ts";
import type { DecodeFrame, Decoder } from "../pickle/decoder.ts";
import { K_MAP, K_SET } from "../pickle/decode_table.ts";

// Write side.

/** Writes a Map: its entry count, then key and value of each entry. */
export function writeMap(enc: Encoder, o: object): void {
  if (!types.isMap(o)) return writeOther(enc, o);
  extras(enc, o, never);
  enc.memo.set(o, enc.nextId++);
  const m = o as Map<unknown, unknown>;
  const items: unknown[] = [];
  // Through the intrinsics: its prototype may be anything (a reparented Map).
  for (const [k, v] of mapEntries.call(m)) items.push(k, v);
  enc.w.byte(T.MAP);
  enc.w.varint(items.length >> 1);
  if (items.length > 0) enc.push(F_LIST, S_MAP, o, items.length).items = items;
}

/** Writes a Set: its member count, then each member. */
export function writeSet(enc: Encoder, o: object): void {
  if (!types.isSet(o)) return writeOther(enc, o);
  extras(enc, o, never);
  enc.memo.set(o, enc.nextId++);
  const items = Array.from(setValues.call(o as Set<unknown>));
  enc.w.byte(T.SET);
  enc.w.varint(items.length);
  if (items.length > 0) enc.push(F_LIST, S_SET, o, items.length).items = items;
}

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
