/**
 * Binary data: ArrayBuffer and SharedArrayBuffer (fixed, resizable, growable, detached),
 * typed arrays, Buffers and DataViews over them, and buffers handed out of band to
 * `bufferCallback`.
 *
 * @module
 */

import { types } from "node:util";
import * as T from "../format/tags.ts";
import type { Encoder } from "../pickle/encoder.ts";
import { extras, propsFrame } from "../pickle/properties.ts";
import { writeOther } from "../pickle/dispatch.ts";
import { isLengthTracking, never } from "./inspect.ts";
import * as K from "./kinds.ts";
import { typedArrayNameOf } from "./brands.ts";
import { outOfBoundsMessage, VIEW_DETACHED, VIEW_OUT_OF_BOUNDS, viewState } from "./views.ts";

// Write side.

const getOwnPropertySymbols = Object.getOwnPropertySymbols;
const isExtensible = Object.isExtensible;

/** Writes an ArrayBuffer met through its prototype. */
export function writeArrayBuffer(enc: Encoder, o: object): void {
  if (!types.isArrayBuffer(o)) return writeOther(enc, o);
  extras(enc, o, never);
  arrayBuffer(enc, o as ArrayBuffer);
}

/** Writes an ArrayBuffer's bytes in band, or its out-of-band index. */
function arrayBuffer(enc: Encoder, ab: ArrayBuffer): void {
  const w = enc.w;
  const cb = enc.opts.bufferCallback;
  if (cb !== undefined && !ab.detached) {
    const index = oobIndex(enc, ab, cb);
    if (index >= 0) {
      enc.memo.set(ab, enc.nextId++);
      enc.flags |= T.FLAG_OOB;
      w.byte(T.OOB_BUFFER);
      w.varint(index);
      return;
    }
  }
  enc.memo.set(ab, enc.nextId++);
  w.byte(T.ARRAY_BUFFER);
  if (ab.detached) {
    w.byte(T.BUFFER_DETACHED);
    w.varint(0);
    return;
  }
  bufferBytes(enc, ab, ab.resizable, ab.maxByteLength);
}

/** A buffer's operands: resizable (with its maximum) or not, its length, its bytes. */
function bufferBytes(enc: Encoder, b: ArrayBufferLike, resizable: boolean, max: number): void {
  const w = enc.w;
  if (resizable) {
    w.byte(T.BUFFER_RESIZABLE);
    w.varint(max);
  } else {
    w.byte(0);
  }
  w.varint(b.byteLength);
  w.bytes(new Uint8Array(b));
}

/**
 * The out-of-band index of `ab`, or -1 for a buffer written in band. With
 * `EncodeOptions.oob`, bufferCallback is asked once per buffer over all the walks of a call.
 */
function oobIndex(enc: Encoder, ab: ArrayBuffer, cb: (buffer: ArrayBuffer) => unknown): number {
  const oob = enc.opts.oob;
  let index = oob?.ids.get(ab);
  if (index !== undefined) return index;
  let inBand: unknown;
  try {
    inBand = cb(ab);
  } catch (e) {
    enc.fail("cannot pickle this buffer: bufferCallback threw (see the cause)", e);
  }
  index = inBand ? -1 : oob === undefined ? enc.oobCount++ : oob.count++;
  oob?.ids.set(ab, index);
  return index;
}

/** Writes a SharedArrayBuffer: a copy of its bytes (growable ones with their maximum). */
export function writeSharedArrayBuffer(enc: Encoder, o: object): void {
  if (!types.isSharedArrayBuffer(o)) return writeOther(enc, o);
  extras(enc, o, never);
  const sab = o as SharedArrayBuffer;
  enc.memo.set(o, enc.nextId++);
  enc.w.byte(T.SHARED_ARRAY_BUFFER);
  bufferBytes(enc, sab, sab.growable, sab.maxByteLength);
}

/** Writes a typed array, Buffer or DataView (`kind` says which) with its buffer inline. */
export function writeView(enc: Encoder, o: object, kind: number): void {
  const type = kind - K.K_VIEW;
  const v = o as ArrayBufferView;
  if (
    type === T.VIEW_DATAVIEW
      ? !types.isDataView(v)
      : typedArrayNameOf(v) !== (type === T.VIEW_BUFFER ? "Uint8Array" : T.VIEW_TYPES[type])
  ) {
    writeOther(enc, v);
    return;
  }
  const state = viewState(v, type === T.VIEW_DATAVIEW);
  if (state === VIEW_OUT_OF_BOUNDS) {
    enc.fail(outOfBoundsMessage(type === T.VIEW_BUFFER ? "Buffer" : T.VIEW_TYPES[type]));
  }
  // Named properties of typed arrays are not looked for: listing own keys would
  // enumerate every index. Symbols and integrity are cheap to check.
  const syms = getOwnPropertySymbols(v);
  if (syms.length > 0 || !isExtensible(v)) {
    enc.w.byte(T.WITH_PROPS);
    // Views with elements cannot be sealed or frozen: non-extensible is all they can be.
    const level = isExtensible(v) ? T.INTEGRITY_EXTENSIBLE : T.INTEGRITY_NON_EXTENSIBLE;
    propsFrame(enc, v, syms, null, level);
  }
  enc.memo.set(v, enc.nextId++);
  const buffer = v.buffer;
  // A detached view is empty whatever it was: offset and length 0 (a DataView's throw).
  const detached = state === VIEW_DETACHED;
  const tracking = !detached && isLengthTracking(v);
  const w = enc.w;
  w.byte(T.VIEW);
  w.byte2(type, tracking ? T.VIEW_LENGTH_TRACKING : 0);
  // The buffer is written inline (it has no children), so the view's operands follow it.
  if (!enc.ref(buffer)) {
    if (types.isSharedArrayBuffer(buffer)) writeSharedArrayBuffer(enc, buffer);
    else arrayBuffer(enc, buffer as ArrayBuffer);
  }
  w.varint(detached ? 0 : v.byteOffset);
  if (!tracking) {
    w.varint(
      detached ? 0 : type === T.VIEW_DATAVIEW ? v.byteLength : (v as Uint8Array).length,
    );
  }
}
