/**
 * The built-in classes the library pickles and rebuilds, taken from the global object once,
 * when the library loads: deleting or replacing `globalThis.Blob` (or `URL`, `File`,
 * `DOMException`, an error or typed array class) afterwards changes nothing for pickling and
 * loading.
 *
 * @module
 */

import { ERROR_TYPES, VIEW_TYPES } from "../format/tags.ts";

const g = globalThis as unknown as Record<string, unknown>;

/** The classes by global name (undefined where this runtime has none). */
export const INTRINSICS: Readonly<Record<string, unknown>> = (() => {
  const out: Record<string, unknown> = Object.create(null);
  for (const name of [...ERROR_TYPES, ...VIEW_TYPES]) out[name] = g[name];
  for (const name of ["URL", "URLSearchParams", "Blob", "File"]) out[name] = g[name];
  return Object.freeze(out);
})();

/** `URL`. */
export const URLClass = INTRINSICS.URL as typeof URL;
/** `URLSearchParams`. */
export const URLSearchParamsClass = INTRINSICS.URLSearchParams as typeof URLSearchParams;
/** `Blob`. */
export const BlobClass = INTRINSICS.Blob as typeof Blob;
/** `File`. */
export const FileClass = INTRINSICS.File as typeof File;
/** `Blob.prototype` (also that of Bun's Files). */
export const BLOB_PROTO = BlobClass?.prototype as object;
/** `Blob.prototype.arrayBuffer`. */
export const blobArrayBuffer = BlobClass?.prototype.arrayBuffer as (this: Blob) => Promise<
  ArrayBuffer
>;
/** `DOMException` (undefined where the runtime has none). */
export const DOMExceptionClass = INTRINSICS.DOMException as
  | (new (message?: string, name?: string) => Error)
  | undefined;
/** `Bun.inspect`, on Bun. */
export const bunInspect = (g.Bun as { inspect?: (v: unknown) => string } | undefined)?.inspect;
