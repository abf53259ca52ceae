/**
 * Maps and Sets: their entries in insertion order, read through the intrinsics (a Map may
 * have any prototype, and its own methods may be replaced).
 *
 * @module
 */

import { types } from "node:util";
import * as T from "../format/tags.ts";
import { type Encoder, F_LIST, S_MAP, S_SET } from "../pickle/encoder.ts";
import { extras } from "../pickle/properties.ts";
import { writeOther } from "../pickle/dispatch.ts";
import { never } from "./inspect.ts";
import { mapEntries, setValues } from "./brands.ts";

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
