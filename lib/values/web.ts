/**
 * Web values: URL, URLSearchParams, Blob, File.
 *
 * @module
 */

import type { Decoder } from "../pickle/decoder.ts";
import { BlobClass, FileClass, URLClass, URLSearchParamsClass } from "./intrinsics.ts";
import { DEFAULT_LIMITS, overLimit, urlAuthorityLength } from "../pickle/limits.ts";
import * as T from "../format/tags.ts";

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
    const lm = dec.value();
    if (typeof lm !== "number") dec.corrupt("a File's lastModified is not a number", at);
    lastModified = lm as number;
  }
  const n = r.length(1);
  // An empty part list makes an empty blob several times faster (Deno).
  const parts = n === 0 ? [] : [r.bytes(n).slice()];
  const b = isFile
    ? new FileClass(parts, name, { type, lastModified })
    : new BlobClass(parts, { type });
  dec.memo.push(b);
  return b;
}
