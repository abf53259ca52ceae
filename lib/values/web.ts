/**
 * Values of the web platform: URL, URLSearchParams, Blob and File (whose bytes the async
 * forms read before the pickle is written).
 *
 * @module
 */

import * as T from "../format/tags.ts";
import * as K from "./kinds.ts";
import type { Encoder } from "../pickle/encoder.ts";
import { extras } from "../pickle/properties.ts";
import { writeOther } from "../pickle/dispatch.ts";
import { intrinsic, isBranded } from "./inspect.ts";
import { fileReference } from "./resources.ts";
import { BLOB_PROTO, BlobClass, FileClass, URLClass, URLSearchParamsClass } from "./intrinsics.ts";
import type { Decoder } from "../pickle/decoder.ts";
import { DEFAULT_LIMITS, overLimit, urlAuthorityLength } from "../pickle/limits.ts";

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

// Read side.

/** URL_TAG: its href; the length of its host counts against LoadOptions.maxUrlHostLength. */
export function readUrl(dec: Decoder, at: number): URL {
  dec.heavy(at, 1);
  const href = dec.string();
  const maxHost = (dec.opts.limits ?? DEFAULT_LIMITS).maxUrlHostLength;
  const host = urlAuthorityLength(href);
  if (host > maxHost) {
    dec.r.fail(overLimit("the length of a URL's host", host, "maxUrlHostLength", maxHost), at);
  }
  let u: URL;
  try {
    u = new URLClass(href);
  } catch (e) {
    return dec.corrupt("a URL is invalid", at, e);
  }
  dec.memo.push(u);
  return u;
}

/** URL_SEARCH_PARAMS: its query string. */
export function readUrlSearchParams(dec: Decoder, at: number): URLSearchParams {
  dec.heavy(at, 1);
  const p = new URLSearchParamsClass(dec.string());
  dec.memo.push(p);
  return p;
}

/** BLOB, FILE: [name], type, [lastModified], bytes. */
export function readBlob(dec: Decoder, at: number, tag: number): Blob {
  dec.heavy(at, 1);
  const r = dec.r;
  const isFile = tag === T.FILE;
  let name = "";
  let lastModified = 0;
  if (isFile) name = dec.string();
  const type = dec.string();
  if (isFile) {
    const lm = dec.inlineValue();
    if (typeof lm !== "number") dec.corrupt("a File's lastModified is not a number", at);
    lastModified = lm as number;
  }
  const n = r.length(1);
  // An empty part list makes an empty blob several times faster (Deno).
  const parts = n === 0 ? [] : [r.bytes(n).slice()];
  let b = newBlob(isFile, parts, name, type, lastModified);
  if (b.type !== type) {
    // Bun rewrites MIME types it knows when given in lower case ("text/plain" becomes
    // "text/plain;charset=utf-8"); given in upper case, it only lowercases them.
    const upper = newBlob(isFile, parts, name, type.toUpperCase(), lastModified);
    if (upper.type === type) b = upper;
  }
  dec.memo.push(b);
  return b;
}

function newBlob(
  isFile: boolean,
  parts: BlobPart[],
  name: string,
  type: string,
  lastModified: number,
): Blob {
  return isFile
    ? new FileClass(parts, name, { type, lastModified })
    : new BlobClass(parts, { type });
}
