/**
 * Objects: plain and null-prototype objects (by shape), and objects of another prototype.
 *
 * @module
 */

import * as T from "../format/tags.ts";
import { type DecodeFrame, type Decoder, HOLE, NOT_DONE, PENDING } from "../pickle/decoder.ts";
import { K_OBJECT, K_PROPS } from "../pickle/decode_table.ts";
import { NOT_PRIMITIVE, readPrimitive } from "./primitives.ts";
import {
  addShape,
  findShape,
  fromTemplate,
  hashShape,
  hasRepeat,
  newObject,
  type Shape,
} from "../pickle/shapes.ts";

// Read side.

/** OBJECT_NEW_SHAPE, NULL_OBJECT_NEW_SHAPE: a shape (its keys), then an object of it. */
export function readNewShape(dec: Decoder, at: number, tag: number): object {
  // A shape costs its keys, a cache entry and a hidden class (10-20 µs in Deno).
  dec.heavy(at, 4);
  const r = dec.r;
  const nullProto = tag === T.NULL_OBJECT_NEW_SHAPE;
  const start = r.pos;
  const n = r.length(1);
  for (let i = 0; i < n; i++) skipString(dec);
  const end = r.pos;
  const hash = hashShape(r.buf, start, end, nullProto);
  let shape = findShape(r.buf, start, end, hash, nullProto);
  if (shape === undefined) {
    r.pos = start;
    r.varint();
    const keys: string[] = new Array(n);
    for (let i = 0; i < n; i++) keys[i] = dec.string();
    if (hasRepeat(keys)) dec.corrupt("an object shape repeats a key", at);
    shape = addShape(keys, nullProto, r.buf.subarray(start, end), hash);
  }
  dec.shapes.push(shape);
  return newShapedObject(dec, shape);
}

/** OBJECT, NULL_OBJECT: an object of a shape defined before. */
export function readShapedObject(dec: Decoder, at: number, tag: number): object {
  const id = dec.r.varint();
  const shape = dec.shapes[id];
  if (shape === undefined) dec.corrupt(`an object refers to the unknown shape ${id}`, at);
  if (shape.nullProto !== (tag === T.NULL_OBJECT)) {
    dec.corrupt("an object refers to a shape of the other prototype", at);
  }
  return newShapedObject(dec, shape);
}

/** Moves past a value that must be a string, without decoding it. */
function skipString(dec: Decoder): void {
  const r = dec.r;
  const at = r.pos;
  const tag = r.byte();
  let n: number;
  if (tag >= T.SHORT_STRING && tag < T.UNDEFINED) n = tag - T.SHORT_STRING;
  else if (tag === T.LATIN1) n = r.varint();
  else if (tag === T.STR8) n = r.byte();
  else if (tag === T.STR32) n = r.u32();
  else if (tag === T.STR16) n = r.length(2) * 2;
  else return dec.corrupt("a string was expected and another value found", at);
  r.need(n);
  r.pos += n;
}

function newShapedObject(dec: Decoder, shape: Shape): Record<string, unknown> {
  if (shape.nullProto) dec.heavy(dec.r.pos, 1);
  const keys = shape.keys;
  const n = keys.length;
  // Leading primitive values go straight into the new object (they take no memo slot,
  // so the object's slot is still the next one); the rest come through a frame.
  const vals = dec.vals;
  let i = 0;
  for (; i < n; i++) {
    const v = readPrimitive(dec);
    if (v === NOT_PRIMITIVE) break;
    vals[i] = v;
  }
  for (let j = i; j < n; j++) vals[j] = undefined;
  // Data-only loads generate no code (see shapes.ts); objects of shapes without a factory
  // yet (each may compile one) are budgeted.
  const o = !dec.opts.allowCode
    ? fromTemplate(shape, vals)
    : shape.make !== null || --dec.slowObjects >= 0
    ? newObject(shape, vals)
    : newObject(shape, vals, false);
  for (let j = 0; j < i; j++) vals[j] = undefined;
  dec.memo.push(o);
  if (i < n) {
    const f = dec.push(K_OBJECT, o, n);
    f.items = keys;
    f.i = i;
  }
  return o;
}

/** A value of an object's frame, in its shape's key order. */
export function deliverObjectValue(_dec: Decoder, f: DecodeFrame, v: unknown, i: number): void {
  (f.target as Record<string, unknown>)[(f.items as string[])[i]] = v;
}

/** OBJECT_WITH_PROTO: the prototype, then a property list. */
export function readObjectWithProto(dec: Decoder, at: number): object {
  dec.heavy(at, 1);
  const slot = dec.memo.length;
  dec.memo.push(HOLE);
  // The property list is read after the prototype's own contents: its frame goes first.
  const props = dec.push(K_PROPS, null, NOT_DONE);
  props.count = -1;
  const proto = dec.value();
  if (
    proto === PENDING ||
    (proto !== null && typeof proto !== "object" && typeof proto !== "function")
  ) {
    dec.corrupt("an object's prototype is neither an object nor null", at);
  }
  dec.checkPrototype(proto, at);
  const o = Object.create(proto as object | null) as object;
  dec.memo[slot] = o;
  props.target = o;
  return o;
}
