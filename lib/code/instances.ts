/**
 * Instances: of classes with private members (rebuilt with their private state), and
 * objects given another prototype (instances of subclasses of built-ins).
 *
 * @module
 */

import * as T from "../format/tags.ts";
import { rebuildInstance, setPrivate, setStaticPrivate } from "./private_state.ts";
import { type DecodeFrame, type Decoder, HOLE, NOT_DONE, PENDING } from "../pickle/decoder.ts";
import { K_PRIVATE, K_PROPS } from "../pickle/decode_table.ts";
import { ownedBuffer } from "../values/binary.ts";

// Read side.

const isPrototypeOf = Object.prototype.isPrototypeOf;

/** INSTANCE: the prototype, the own properties, then the private fields. */
export function readInstance(dec: Decoder, at: number): object {
  const slot = dec.memo.length;
  dec.memo.push(HOLE);
  // Private values are read last, after the own properties, after the prototype.
  const priv = dec.push(K_PRIVATE, null, NOT_DONE);
  priv.count = -1;
  priv.extra = 0;
  const props = dec.push(K_PROPS, null, NOT_DONE);
  props.count = -1;
  const proto = dec.value();
  if (proto === PENDING || proto === null || typeof proto !== "object") {
    dec.corrupt("an instance's prototype is not an object", at);
  }
  dec.checkPrototype(proto, at);
  let o: object;
  try {
    o = rebuildInstance(proto as object) ?? Object.create(proto as object);
  } catch (e) {
    return dec.r.fail(
      `cannot rebuild an instance: its class's private members cannot be restored ` +
        `(${String(e)}); load with the class the pickle was made with`,
      at,
      e,
    );
  }
  dec.memo[slot] = o;
  props.target = o;
  priv.target = o;
  return o;
}

/** Starts a private field frame: reads its count, once the value it fills exists. */
export function beginPrivateFields(dec: Decoder, f: DecodeFrame): void {
  f.count = dec.r.length(2);
  f.n = f.count * 2;
}

/** A name or a value of a private field frame (static ones on a class: extra 1). */
export function deliverPrivateField(dec: Decoder, f: DecodeFrame, v: unknown, i: number): void {
  if ((i & 1) === 0) {
    if (typeof v !== "string") dec.corrupt("a private field's name is not a string");
    f.key = v;
    return;
  }
  if (f.target === null) return;
  try {
    if (f.extra === 1) setStaticPrivate(f.target as object, f.key as string, v);
    else setPrivate(f.target as object, f.key as string, v);
  } catch (e) {
    dec.r.fail(
      `cannot restore the private field #${String(f.key)}: ${String(e)}; ` +
        "load with the class the pickle was made with",
      dec.r.pos,
      e,
    );
  }
}

/** SET_PROTO: a prototype, then the object that takes it. */
export function readSetProto(dec: Decoder, at: number): object {
  const r = dec.r;
  const proto = dec.value();
  if (proto === PENDING || (proto !== null && typeof proto !== "object")) {
    dec.corrupt("an object's new prototype is not an object", at);
  }
  dec.checkPrototype(proto, at);
  const next = r.pos < r.end ? r.buf[r.pos] : -1;
  if (next === T.REF || next === T.REDUCE || next === T.SET_PROTO) {
    dec.corrupt("a new prototype is given to a value that cannot take it", at);
  }
  const o = next === T.OOB_BUFFER ? ownedBuffer(dec, r.pos) : dec.value();
  if (o === null || typeof o !== "object") {
    dec.corrupt("a new prototype is given to a value that is not an object", at);
  }
  // Data only: a built-in keeps its kind (an array never becomes a Map), the prototype
  // of a subclass admitted by reference extends the one it had.
  if (
    !dec.opts.allowCode && proto !== null &&
    !isPrototypeOf.call(Object.getPrototypeOf(o) ?? proto, proto as object)
  ) {
    dec.r.fail(
      "cannot give a loaded object a prototype of another kind than the object's " +
        "(allowCode: false); load with allowCode: true if the pickle is trusted",
      at,
    );
  }
  try {
    Object.setPrototypeOf(o, proto as object | null);
  } catch (e) {
    return dec.corrupt("an object's prototype cannot be set", at, e);
  }
  return o as object;
}
