/**
 * Values of the web platform: URL, URLSearchParams, Blob and File (whose bytes the async
 * forms read before the pickle is written).
 *
 * @module
 */

import * as T from "../format/tags.ts";
import type { Encoder } from "../pickle/encoder.ts";
import { extras } from "../pickle/properties.ts";
import { writeOther } from "../pickle/dispatch.ts";
import { intrinsic, isBranded } from "./inspect.ts";
import * as K from "./kinds.ts";
import { fileReference } from "./resources.ts";
import { BLOB_PROTO } from "./intrinsics.ts";

// Write side.

/** Writes a URL: its href. */
export function writeURL(enc: Encoder, o: object, _kind: number, proto: object): void {
  if (!isBranded(o, proto, "href")) return writeOther(enc, o);
  extras(enc, o, intrinsic(K.K_URL));
  enc.memo.set(o, enc.nextId++);
  enc.w.byte(T.URL_TAG);
  enc.w.string((o as URL).href);
}

/** Writes a URLSearchParams: its query string. */
export function writeURLSearchParams(
  enc: Encoder,
  o: object,
  _kind: number,
  proto: object,
): void {
  if (!isBranded(o, proto, "size")) return writeOther(enc, o);
  extras(enc, o, intrinsic(K.K_URL_SEARCH_PARAMS));
  enc.memo.set(o, enc.nextId++);
  enc.w.byte(T.URL_SEARCH_PARAMS);
  enc.w.string(String(o));
}

/** Writes a Blob or a File met through its prototype. */
export function writeBlobOrFile(enc: Encoder, o: object): void {
  if (!isBranded(o, BLOB_PROTO, "size")) return writeOther(enc, o);
  // Bun's File and Blob share one prototype: a File is a Blob with a name.
  writeBlob(enc, o as Blob, typeof (o as File).name === "string");
}

/**
 * Writes a Blob (or a File, with `isFile`): its type (a File's name and date too) and its
 * bytes, which the prefetch pass read; the first walks of the async form leave them empty
 * and note the Blob for it.
 */
export function writeBlob(enc: Encoder, b: Blob, isFile: boolean): void {
  const reference = fileReference(b);
  if (reference !== undefined) enc.fail(reference);
  extras(enc, b, intrinsic(isFile ? K.K_FILE : K.K_BLOB));
  if (!enc.async) {
    const what = isFile ? "File" : "Blob";
    enc.fail(
      `cannot pickle a ${what} with dumpsSync: its bytes are read asynchronously; use the ` +
        "async dumps() or dump()",
    );
  }
  const s = enc.opts.settled?.get(b);
  enc.memo.set(b, enc.nextId++);
  const bytes = s?.kind === "bytes" ? s.bytes : new Uint8Array(0);
  if (s === undefined) enc.unsettled.push(b);
  const w = enc.w;
  if (isFile) {
    const f = b as File;
    w.byte(T.FILE);
    w.string(f.name);
    w.string(f.type);
    w.number(f.lastModified);
  } else {
    w.byte(T.BLOB);
    w.string(b.type);
  }
  w.varint(bytes.length);
  w.bytes(bytes);
}
