/**
 * Views that cannot be read: a typed array or DataView whose resizable buffer shrank below
 * its end, or whose buffer was detached (transferred). Their getters report an empty view at
 * offset 0 (typed arrays) or throw (DataView), so a pickle of them would be silently wrong.
 *
 * @module
 */

const getPrototypeOf = Object.getPrototypeOf;
const getter = (proto: object, name: string) =>
  Object.getOwnPropertyDescriptor(proto, name)!.get as (this: unknown) => unknown;
const TYPED_ARRAY_PROTO = getPrototypeOf(Uint8Array.prototype) as object;
const typedArrayByteLength = getter(TYPED_ARRAY_PROTO, "byteLength");
/** `%TypedArray%.prototype.at`: validates the view (throws when out of bounds or detached). */
const typedArrayAt = (TYPED_ARRAY_PROTO as { at: (this: unknown, i: number) => unknown }).at;
const dataViewByteLength = getter(DataView.prototype, "byteLength");
const detachedGetter = Object.getOwnPropertyDescriptor(ArrayBuffer.prototype, "detached")?.get;

/**
 * Why view `v` (a real typed array or DataView, named `name`) cannot be pickled, or undefined
 * when it can. One getter call for views in bounds.
 */
export function viewProblem(
  v: ArrayBufferView,
  isDataView: boolean,
  name: string,
): string | undefined {
  try {
    if (isDataView) {
      dataViewByteLength.call(v);
      return undefined;
    }
    if (typedArrayByteLength.call(v) !== 0) return undefined;
    typedArrayAt.call(v, 0);
    return undefined;
  } catch {
    // Out of bounds or detached: told apart below.
  }
  const b = v.buffer;
  if (detachedGetter !== undefined && detachedGetter.call(b) === true) {
    return `a ${name} over a detached ArrayBuffer cannot be pickled: its buffer was ` +
      "transferred; pickle the buffer it was transferred to, or a view over that";
  }
  return `a ${name} out of the bounds of its buffer cannot be pickled: its resizable ` +
    "ArrayBuffer shrank below the view's end; resize the buffer back first, or pickle a new " +
    "view over what is left";
}
