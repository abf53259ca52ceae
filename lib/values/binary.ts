/**
 * Binary data: ArrayBuffer and SharedArrayBuffer (fixed, resizable, growable, detached),
 * typed arrays, Buffers and DataViews over them, and buffers handed out of band to
 * `bufferCallback`.
 *
 * @module
 */

import * as T from "../format/tags.ts";
import * as K from "./kinds.ts";
import { types } from "node:util";
import type { Encoder } from "../pickle/encoder.ts";
import { extras, propsFrame } from "../pickle/properties.ts";
import { writeOther, writeValue } from "../pickle/dispatch.ts";
import { integrity, never } from "./inspect.ts";
import {
  bufferByteLength,
  bufferDetached,
  bufferMaxByteLength,
  bufferResizable,
  isLengthTracking,
  sharedByteLength,
  sharedGrowable,
  sharedMaxByteLength,
  typedArrayLength,
  viewBuffer,
  viewByteLength,
  viewByteOffset,
} from "./buffer_slots.ts";
import { typedArrayNameOf } from "./brands.ts";
import { outOfBoundsMessage, VIEW_DETACHED, VIEW_OUT_OF_BOUNDS, viewState } from "./views.ts";
import { copyToBuffer } from "../format/allocate.ts";
import { INTRINSICS } from "./intrinsics.ts";
import { UnpicklingError } from "../errors.ts";
import { type Decoder, HOLE } from "../pickle/decoder.ts";
import { DEFAULT_LIMITS, overLimit } from "../pickle/limits.ts";

// Write side.

const getOwnPropertySymbols = Object.getOwnPropertySymbols;
const ownKeys = Reflect.ownKeys;
const isExtensible = Object.isExtensible;
const getPrototypeOf = Object.getPrototypeOf;
const AB_PROTO = ArrayBuffer.prototype;
const SAB_PROTO = SharedArrayBuffer.prototype;

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
  const detached = bufferDetached(ab);
  if (cb !== undefined && !detached) {
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
  if (detached) {
    w.byte(T.BUFFER_DETACHED);
    w.varint(0);
    return;
  }
  const resizable = bufferResizable(ab);
  bufferBytes(enc, ab, resizable, resizable ? bufferMaxByteLength(ab) : 0, bufferByteLength(ab));
}

/** A buffer's operands: resizable (with its maximum) or not, its length, its bytes. */
function bufferBytes(
  enc: Encoder,
  b: ArrayBufferLike,
  resizable: boolean,
  max: number,
  length: number,
): void {
  const w = enc.w;
  if (resizable) {
    w.byte(T.BUFFER_RESIZABLE);
    w.varint(max);
  } else {
    w.byte(0);
  }
  w.varint(length);
  w.bytes(new Uint8Array(b, 0, length));
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
  const growable = sharedGrowable(sab);
  bufferBytes(enc, sab, growable, growable ? sharedMaxByteLength(sab) : 0, sharedByteLength(sab));
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
  const isDataView = type === T.VIEW_DATAVIEW;
  // Named properties of typed arrays are not looked for: listing own keys would
  // enumerate every index. Symbols and integrity are cheap to check, and so are all the
  // keys of a DataView, which has no index keys.
  const keys = isDataView ? ownKeys(v) : getOwnPropertySymbols(v);
  if (keys.length > 0 || !isExtensible(v)) {
    enc.w.byte(T.WITH_PROPS);
    // Typed arrays with elements cannot be sealed or frozen: non-extensible is all they can
    // be (an empty one that is frozen is non-extensible with no properties).
    const level = isDataView
      ? integrity(v)
      : isExtensible(v)
      ? T.INTEGRITY_EXTENSIBLE
      : T.INTEGRITY_NON_EXTENSIBLE;
    propsFrame(enc, v, keys, null, level);
  }
  enc.memo.set(v, enc.nextId++);
  const buffer = viewBuffer(v, isDataView);
  // A detached view is empty whatever it was: offset and length 0 (a DataView's throw).
  const detached = state === VIEW_DETACHED;
  const tracking = !detached && isLengthTracking(v, isDataView);
  const w = enc.w;
  w.byte(T.VIEW);
  w.byte2(type, tracking ? T.VIEW_LENGTH_TRACKING : 0);
  // The buffer is written inline (it has no children), so the view's operands follow it.
  if (!enc.ref(buffer)) {
    const proto = getPrototypeOf(buffer);
    if (proto === AB_PROTO) writeArrayBuffer(enc, buffer);
    else if (proto === SAB_PROTO) writeSharedArrayBuffer(enc, buffer);
    // A buffer given another prototype: its prototype and bytes, inline (SET_PROTO).
    else writeValue(enc, buffer);
  }
  w.varint(detached ? 0 : viewByteOffset(v, isDataView));
  if (!tracking) {
    w.varint(detached ? 0 : isDataView ? viewByteLength(v, true) : typedArrayLength(v));
  }
}

// Read side.

type Ctor = new (...args: unknown[]) => object;

/** ARRAY_BUFFER, SHARED_ARRAY_BUFFER: flags, [maximum length], length, bytes. */
export function readArrayBuffer(
  dec: Decoder,
  at: number,
  tag: number,
): ArrayBuffer | SharedArrayBuffer {
  dec.heavy(at, 2);
  const shared = tag === T.SHARED_ARRAY_BUFFER;
  const r = dec.r;
  const flags = r.byte();
  if (flags > (shared ? 1 : 3)) dec.corrupt("a buffer's flags are out of range", at);
  const max = flags & T.BUFFER_RESIZABLE ? r.varint() : -1;
  const len = r.length(1);
  if (max >= 0 && max < len) dec.corrupt("a buffer is longer than its maximum length", at);
  if (max >= 0) {
    // Resizable buffers reserve their maximum length at once.
    const reserve = (dec.opts.limits ?? DEFAULT_LIMITS).maxBufferReserve;
    dec.spentReserve += max;
    if (dec.spentReserve > reserve) {
      r.fail(
        overLimit(
          "the maxByteLength reserved by the pickle's resizable buffers",
          dec.spentReserve,
          "maxBufferReserve",
          reserve,
        ),
        at,
      );
    }
  }
  let b: ArrayBuffer | SharedArrayBuffer;
  try {
    if (shared) {
      b = max >= 0
        ? new SharedArrayBuffer(len, { maxByteLength: max })
        : new SharedArrayBuffer(len);
    } else if (flags & T.BUFFER_DETACHED) {
      if (len !== 0) dec.corrupt("a detached buffer has bytes", at);
      b = new ArrayBuffer(0);
      dec.detach.push(b);
    } else if (max < 0 && r.buf.buffer instanceof ArrayBuffer) {
      // One allocation that copies, rather than a zero-filled buffer and a second pass.
      b = copyToBuffer(r.bytes(len));
      dec.memo.push(b);
      return b;
    } else {
      b = new ArrayBuffer(len, { maxByteLength: max });
    }
  } catch (e) {
    if (e instanceof UnpicklingError) throw e;
    return r.fail(
      `cannot allocate a buffer of ${len} bytes: ${(e as Error).message}; ` +
        "load the pickle where more memory is available",
      at,
      e,
    );
  }
  if (len > 0) new Uint8Array(b).set(r.bytes(len));
  dec.memo.push(b);
  return b;
}

/** OOB_BUFFER: the caller's buffer at an index of LoadOptions.buffers, itself. */
export function readOobBuffer(dec: Decoder, at: number): ArrayBuffer {
  const b = oob(dec, dec.r.varint(), at);
  dec.memo.push(b);
  return b;
}

/**
 * The caller's out-of-band buffer at the next OOB_BUFFER tag, copied: the pickle is about
 * to give it properties or a prototype, which the caller's own buffer never gets.
 */
export function ownedBuffer(dec: Decoder, at: number): ArrayBuffer {
  const r = dec.r;
  r.pos++;
  const b = oob(dec, r.varint(), at);
  let copy: ArrayBuffer;
  try {
    copy = bufferResizable(b)
      ? new ArrayBuffer(bufferByteLength(b), { maxByteLength: bufferMaxByteLength(b) })
      : new ArrayBuffer(bufferByteLength(b));
    new Uint8Array(copy).set(new Uint8Array(b));
  } catch (e) {
    return r.fail(
      `cannot copy the out-of-band buffer of ${bufferByteLength(b)} bytes: ` +
        `${(e as Error).message}; ` +
        "load the pickle where more memory is available",
      at,
      e,
    );
  }
  dec.memo.push(copy);
  return copy;
}

function oob(dec: Decoder, i: number, at: number): ArrayBuffer {
  const b = dec.opts.buffers[i];
  if (b === undefined) {
    dec.r.fail(
      `cannot load the pickle: it refers to out-of-band buffer ${i}, which was not supplied; ` +
        "pass the buffers of dumps in LoadOptions.buffers",
      at,
    );
  }
  return b;
}

/** VIEW: kind, flags, the buffer, offset, [length]. */
export function readView(dec: Decoder, at: number): ArrayBufferView {
  dec.heavy(at, 1);
  const r = dec.r;
  const type = r.byte();
  const flags = r.byte();
  if (flags > 1) dec.corrupt("a view's flags are out of range", at);
  const name = T.VIEW_TYPES[type];
  const Ctor = name === undefined ? undefined : INTRINSICS[name];
  if (name === undefined) dec.corrupt(`the view type ${type} is unknown`, at);
  if (typeof Ctor !== "function") {
    r.fail(
      `cannot load a ${name}: ${name} does not exist in this runtime; ` +
        "load the pickle where it exists",
      at,
    );
  }
  const slot = dec.memo.length;
  dec.memo.push(HOLE);
  const buffer = dec.inlineValue();
  // By the internal slots: an object given a buffer's prototype would be read as an
  // array-like of any length.
  if (!types.isArrayBuffer(buffer) && !types.isSharedArrayBuffer(buffer)) {
    dec.corrupt(`a ${name} is a view over something that is not a buffer`, at);
  }
  const offset = r.varint();
  const tracking = flags & T.VIEW_LENGTH_TRACKING;
  const length = tracking ? undefined : r.varint();
  let v: ArrayBufferView;
  try {
    if (type === T.VIEW_BUFFER) {
      v = (Ctor as unknown as { from(b: ArrayBufferLike, o: number, l?: number): Uint8Array })
        .from(buffer as ArrayBufferLike, offset, length);
    } else {
      v = tracking
        ? Reflect.construct(Ctor as Ctor, [buffer, offset]) as ArrayBufferView
        : Reflect.construct(Ctor as Ctor, [buffer, offset, length]) as ArrayBufferView;
    }
  } catch (e) {
    return dec.corrupt(`a ${name} does not fit its buffer (${(e as Error).message})`, at, e);
  }
  dec.memo[slot] = v;
  return v;
}
