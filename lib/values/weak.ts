/**
 * WeakMaps and WeakSets. Their entries cannot be listed, only asked for by key: a weak
 * collection is written empty where the walk meets it, and once the pickle's value is written,
 * each weak collection met is asked about every object and unique symbol the pickle holds;
 * the entries found are written after the value (WEAK_ENTRIES), and their values walked, until
 * nothing new is found. The loaded collection so holds every entry whose key travels with it:
 * every entry the loaded code can reach (a key that did not travel does not exist there).
 *
 * @module
 */

import * as T from "../format/tags.ts";
import { types } from "node:util";
import { type Encoder, F_LIST, S_WEAK } from "../pickle/encoder.ts";
import { extras } from "../pickle/properties.ts";
import { writeOther } from "../pickle/dispatch.ts";
import { never } from "./inspect.ts";
import type { DecodeFrame, Decoder } from "../pickle/decoder.ts";
import { K_WEAK } from "../pickle/decode_table.ts";
import { K_WEAK_MAP } from "./kinds.ts";
import { knownWeak, rememberWeak, weakIdOf } from "./weak_identity.ts";

const weakMapHas = WeakMap.prototype.has;
const weakMapGet = WeakMap.prototype.get;
const weakMapSet = WeakMap.prototype.set;
const weakSetHas = WeakSet.prototype.has;
const weakSetAdd = WeakSet.prototype.add;

// Write side.

/** Writes a WeakMap or a WeakSet, empty: its entries follow the pickle's value. */
export function writeWeak(enc: Encoder, o: object, kind: number): void {
  const isMap = kind === K_WEAK_MAP;
  if (isMap ? !types.isWeakMap(o) : !types.isWeakSet(o)) return writeOther(enc, o);
  extras(enc, o, never);
  enc.memo.set(o, enc.nextId++);
  enc.w.byte(T.WEAK_COLLECTION);
  enc.w.byte(isMap ? T.WEAK_MAP : T.WEAK_SET);
  enc.w.string(weakIdOf(o));
  enc.weak.push(o);
}

/**
 * After the pickle's value: the entries of the weak collections met whose keys the pickle
 * holds, in groups, until a group's values bring no new key or collection.
 */
export function writeWeakEntries(enc: Encoder): void {
  // How many of the memo's keys each collection was asked about (the memo only grows).
  const asked = new Map<object, number>();
  for (;;) {
    const keys = Array.from(enc.memo.keys());
    const items: unknown[] = [];
    for (const c of enc.weak) {
      const from = asked.get(c) ?? 0;
      const isMap = types.isWeakMap(c);
      for (let i = from; i < keys.length; i++) {
        const k = keys[i] as WeakKey;
        if (k === c || !canBeWeakKey(k)) continue;
        if (isMap) {
          if (weakMapHas.call(c, k)) items.push(c, k, weakMapGet.call(c, k));
        } else if (weakSetHas.call(c, k)) items.push(c, k, undefined);
      }
      asked.set(c, keys.length);
    }
    if (items.length === 0) return;
    enc.w.byte(T.WEAK_ENTRIES);
    enc.w.varint(items.length / 3);
    enc.push(F_LIST, S_WEAK, null, items.length).items = items;
    enc.run();
  }
}

function canBeWeakKey(k: unknown): boolean {
  return (typeof k === "object" && k !== null) || typeof k === "function" ||
    (typeof k === "symbol" && Symbol.keyFor(k) === undefined);
}

// Read side.

/**
 * Whether `o` is a weak collection this process had before the load (found by its id): it is
 * returned as it is, its pickled property list and prototype left unapplied, as a class the
 * process defined (see readWeak).
 */
export function isLiveWeak(dec: Decoder, o: unknown): boolean {
  return dec.weak.has(o as object) && dec.admitted.has(o);
}

/** Adds the entries a load found for weak collections the process had (see readWeak). */
export function addLiveEntries(later: readonly unknown[]): void {
  for (let i = 0; i < later.length; i += 3) {
    const c = later[i] as object;
    if (types.isWeakMap(c)) weakMapSet.call(c, later[i + 1] as WeakKey, later[i + 2]);
    else weakSetAdd.call(c, later[i + 1] as WeakKey);
  }
}

/**
 * WEAK_COLLECTION: the WeakMap or WeakSet this process knows by the id (with code allowed),
 * else an empty one; the WEAK_ENTRIES after the value fill it.
 */
export function readWeak(dec: Decoder, at: number): object {
  dec.heavy(at, 1);
  const kind = dec.r.byte();
  if (kind !== T.WEAK_MAP && kind !== T.WEAK_SET) {
    dec.corrupt(`weak collection of unknown kind ${kind}`, at);
  }
  const id = dec.string();
  // (Ids are a process tag and a count: 64 characters hold any.)
  if (id.length > 64) dec.corrupt("a weak collection's id is longer than 64 characters", at);
  const isMap = kind === T.WEAK_MAP;
  let c = dec.opts.allowCode ? knownWeak(id) : undefined;
  if (c !== undefined && (isMap ? !types.isWeakMap(c) : !types.isWeakSet(c))) {
    dec.corrupt("a weak collection's id names one of the other kind", at);
  }
  if (c === undefined) {
    c = isMap ? new WeakMap() : new WeakSet();
    if (dec.opts.allowCode) rememberWeak(id, c);
  } else {
    // The process had it: as for a class it defined, the pickle does not change it (its
    // property list and prototype are not applied); its entries for keys this load made are
    // added once the load succeeded.
    dec.admitted.add(c);
  }
  dec.memo.push(c);
  dec.weak.add(c);
  return c;
}

/** Reads the WEAK_ENTRIES groups that follow the pickle's value, up to `end`. */
export function readWeakEntries(dec: Decoder, end: number): void {
  const r = dec.r;
  while (r.pos < end && r.buf[r.pos] === T.WEAK_ENTRIES) {
    const at = r.pos;
    r.pos++;
    // Three values per entry, a byte each at least.
    const n = r.length(3);
    if (dec.weak.size === 0) dec.corrupt("weak collection entries without a weak collection", at);
    dec.tag = T.WEAK_ENTRIES;
    dec.push(K_WEAK, null, n * 3);
    dec.run();
  }
}

/** A collection, a key or a value of a WEAK_ENTRIES group. */
export function deliverWeakEntry(dec: Decoder, f: DecodeFrame, v: unknown, i: number): void {
  const at = dec.framedAt;
  switch (i % 3) {
    case 0:
      if (!dec.weak.has(v as object)) {
        dec.corrupt("a weak collection entry is for a value that is no weak collection of it", at);
      }
      f.target = v;
      return;
    case 1:
      if (!canBeWeakKey(v)) {
        dec.corrupt("a weak collection entry has a key that cannot be held weakly", at);
      }
      f.key = v;
      return;
    default: {
      const c = f.target as object;
      if (dec.admitted.has(c)) {
        if (types.isWeakSet(c) && v !== undefined) dec.corrupt("a WeakSet entry has a value", at);
        // A key the process had too (a built-in, an export): its entry there stays as it is.
        if (!dec.admitted.has(f.key)) dec.weakLater.push(c, f.key, v);
        return;
      }
      if (types.isWeakMap(c)) {
        weakMapSet.call(c, f.key as WeakKey, v);
      } else {
        if (v !== undefined) dec.corrupt("a WeakSet entry has a value", at);
        weakSetAdd.call(c, f.key as WeakKey);
      }
    }
  }
}
