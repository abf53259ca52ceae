/**
 * The state of buffers and views read through the intrinsic getters and methods, whatever the
 * object's prototype says: an ArrayBuffer or typed array given another prototype (a class's,
 * a plain object) keeps its internal slots but no longer inherits `byteLength`, `buffer` or
 * `resize`, and a prototype may define its own under those names.
 *
 * @module
 */

import { types } from "node:util";
import { VIEW_TYPES } from "../format/tags.ts";
import { INTRINSICS } from "./intrinsics.ts";

type Getter<T> = (this: unknown) => T;

const getter = <T>(proto: object, name: string): Getter<T> =>
  Object.getOwnPropertyDescriptor(proto, name)!.get as Getter<T>;
/** A getter newer runtimes have (`detached`, `resizable`, `growable`…), else one giving `fallback`. */
const optionalGetter = <T>(proto: object, name: string, fallback: T): Getter<T> =>
  (Object.getOwnPropertyDescriptor(proto, name)?.get as Getter<T> | undefined) ?? (() => fallback);

const AB = ArrayBuffer.prototype;
const SAB = SharedArrayBuffer.prototype;
const TYPED = Object.getPrototypeOf(Uint8Array.prototype) as object;
const DV = DataView.prototype;

const abByteLength = getter<number>(AB, "byteLength");
const abResizable = optionalGetter<boolean>(AB, "resizable", false);
const abMaxByteLength = optionalGetter<number | undefined>(AB, "maxByteLength", undefined);
const abDetached = optionalGetter<boolean>(AB, "detached", false);
const abResize = (AB as { resize?: (this: unknown, n: number) => void }).resize;
const sabByteLength = getter<number>(SAB, "byteLength");
const sabGrowable = optionalGetter<boolean>(SAB, "growable", false);
const sabMaxByteLength = optionalGetter<number | undefined>(SAB, "maxByteLength", undefined);
const typedBuffer = getter<ArrayBufferLike>(TYPED, "buffer");
const typedByteOffset = getter<number>(TYPED, "byteOffset");
const typedByteLength = getter<number>(TYPED, "byteLength");
const typedLength = getter<number>(TYPED, "length");
const dvBuffer = getter<ArrayBufferLike>(DV, "buffer");
const dvByteOffset = getter<number>(DV, "byteOffset");
const dvByteLength = getter<number>(DV, "byteLength");

/** A real ArrayBuffer's length in bytes. */
export function bufferByteLength(b: ArrayBuffer): number {
  return abByteLength.call(b);
}

/** Whether a real ArrayBuffer is resizable. */
export function bufferResizable(b: ArrayBuffer): boolean {
  return abResizable.call(b) === true;
}

/** A real ArrayBuffer's maximum length (its length when it is not resizable). */
export function bufferMaxByteLength(b: ArrayBuffer): number {
  return abMaxByteLength.call(b) ?? abByteLength.call(b);
}

/** Whether a real ArrayBuffer was detached (transferred). */
export function bufferDetached(b: ArrayBuffer): boolean {
  return abDetached.call(b) === true;
}

/** Resizes a real resizable ArrayBuffer. */
export function resizeBuffer(b: ArrayBuffer, length: number): void {
  abResize!.call(b, length);
}

/** A real SharedArrayBuffer's length in bytes. */
export function sharedByteLength(b: SharedArrayBuffer): number {
  return sabByteLength.call(b);
}

/** Whether a real SharedArrayBuffer is growable. */
export function sharedGrowable(b: SharedArrayBuffer): boolean {
  return sabGrowable.call(b) === true;
}

/** A real SharedArrayBuffer's maximum length (its length when it is not growable). */
export function sharedMaxByteLength(b: SharedArrayBuffer): number {
  return sabMaxByteLength.call(b) ?? sabByteLength.call(b);
}

/** The buffer of a real typed array or DataView. */
export function viewBuffer(v: ArrayBufferView, isDataView: boolean): ArrayBufferLike {
  return isDataView ? dvBuffer.call(v) : typedBuffer.call(v);
}

/** The byte offset of a real typed array or DataView (DataView's throws when out of bounds). */
export function viewByteOffset(v: ArrayBufferView, isDataView: boolean): number {
  return isDataView ? dvByteOffset.call(v) : typedByteOffset.call(v);
}

/** The length in bytes of a real typed array or DataView. */
export function viewByteLength(v: ArrayBufferView, isDataView: boolean): number {
  return isDataView ? dvByteLength.call(v) : typedByteLength.call(v);
}

/** The element count of a real typed array. */
export function typedArrayLength(v: ArrayBufferView): number {
  return typedLength.call(v);
}

const typedName = getter<string | undefined>(TYPED, Symbol.toStringTag as unknown as string);
/** Bytes per element by typed array name, from the view types the format knows. */
const ELEMENT_SIZE: Record<string, number> = {};
for (const name of VIEW_TYPES) {
  const size = (INTRINSICS[name] as { BYTES_PER_ELEMENT?: number } | undefined)?.BYTES_PER_ELEMENT;
  if (typeof size === "number") ELEMENT_SIZE[name] = size;
}

/** The bytes per element of a real typed array (1 for a DataView). */
export function elementSize(v: ArrayBufferView, isDataView: boolean): number {
  return isDataView ? 1 : ELEMENT_SIZE[typedName.call(v) ?? ""] ?? 1;
}

/**
 * Whether a real typed array or DataView follows its resizable buffer's length. Nothing tells
 * it directly: the buffer is resized by one element and back (no other code runs meanwhile,
 * and the bytes are restored) to see whether the view's length moves.
 */
export function isLengthTracking(v: ArrayBufferView, isDataView: boolean): boolean {
  const b = viewBuffer(v, isDataView);
  const size = elementSize(v, isDataView);
  const byteLength = (): number => viewByteLength(v, isDataView);
  const end = viewByteOffset(v, isDataView) + byteLength();
  if (types.isSharedArrayBuffer(b)) {
    // A growable SharedArrayBuffer cannot shrink and growth is permanent: a view that
    // reaches its end is taken as length-tracking.
    const sab = b as SharedArrayBuffer;
    return sharedGrowable(sab) && sharedByteLength(sab) - end < size;
  }
  const ab = b as ArrayBuffer;
  if (!bufferResizable(ab) || bufferByteLength(ab) - end >= size) return false;
  const before = bufferByteLength(ab);
  const seen = byteLength();
  if (before + size <= bufferMaxByteLength(ab)) {
    resizeBuffer(ab, before + size);
    const moved = byteLength() !== seen;
    resizeBuffer(ab, before);
    return moved;
  }
  if (before < size) return true;
  const tail = new Uint8Array(ab, before - size, size).slice();
  resizeBuffer(ab, before - size);
  const moved = byteLength() === seen - size && seen > size;
  resizeBuffer(ab, before);
  new Uint8Array(ab, before - size, size).set(tail);
  return moved || seen <= size;
}
