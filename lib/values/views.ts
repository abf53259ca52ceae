/**
 * Views whose buffer changed under them: a typed array or DataView whose resizable buffer
 * shrank below its end (out of bounds), or whose buffer was detached (transferred). Their
 * getters report an empty view at offset 0 (typed arrays) or throw (DataView), so they are
 * told apart here before a pickle of them is written.
 *
 * @module
 */

import { viewBuffer } from "./buffer_slots.ts";

const getPrototypeOf = Object.getPrototypeOf;
const getter = (proto: object, name: string) =>
  Object.getOwnPropertyDescriptor(proto, name)!.get as (this: unknown) => unknown;
const TYPED_ARRAY_PROTO = getPrototypeOf(Uint8Array.prototype) as object;
const typedArrayByteLength = getter(TYPED_ARRAY_PROTO, "byteLength");
/** `%TypedArray%.prototype.at`: validates the view (throws when out of bounds or detached). */
const typedArrayAt = (TYPED_ARRAY_PROTO as { at: (this: unknown, i: number) => unknown }).at;
const dataViewByteLength = getter(DataView.prototype, "byteLength");
const detachedGetter = Object.getOwnPropertyDescriptor(ArrayBuffer.prototype, "detached")?.get;

/** The view can be read. */
export const VIEW_OK = 0;
/** The view's buffer was detached: an empty view, whatever its offset and length were. */
export const VIEW_DETACHED = 1;
/** The view reaches past the end of its (shrunk) resizable buffer. */
export const VIEW_OUT_OF_BOUNDS = 2;

/** Which of the states above view `v` (a real typed array or DataView) is in: one getter call. */
export function viewState(v: ArrayBufferView, isDataView: boolean): number {
  try {
    if (isDataView) {
      dataViewByteLength.call(v);
      return VIEW_OK;
    }
    if (typedArrayByteLength.call(v) !== 0) return VIEW_OK;
    typedArrayAt.call(v, 0);
    return VIEW_OK;
  } catch {
    // Out of bounds or detached: told apart below.
  }
  return detachedGetter !== undefined && detachedGetter.call(viewBuffer(v, isDataView)) === true
    ? VIEW_DETACHED
    : VIEW_OUT_OF_BOUNDS;
}

/** The refusal of an out-of-bounds view of class `name`. */
export function outOfBoundsMessage(name: string): string {
  return `cannot pickle a ${name} out of the bounds of its buffer: its resizable ` +
    "ArrayBuffer shrank below the view's end; resize the buffer back first, or pickle a new " +
    "view over what is left";
}
