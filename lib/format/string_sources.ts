/**
 * What the reader builds strings from besides its own loops: Buffer's native decoders called on
 * the pickle's own bytes, the one-character Latin-1 strings, and reused argument arrays for
 * `String.fromCharCode`.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import { APPLY_MAX, UTF8_JS_MAX } from "./tuning.ts";

/** The one-character Latin-1 strings, made once. */
export const LATIN1_UNITS: string[] = [];
for (let b = 0; b < 0x100; b++) LATIN1_UNITS.push(String.fromCharCode(b));
/** Reused argument arrays for short Latin-1 strings, one per length. */
export const UNITS: number[][] = [];
for (let n = 0; n <= Math.max(APPLY_MAX, UTF8_JS_MAX); n++) {
  UNITS.push(new Array<number>(n).fill(0));
}
/** Scratch code units of a short UTF-8 string (at most one per byte). */
export const UTF8_UNITS = new Array<number>(UTF8_JS_MAX).fill(0);

/** A Buffer method that decodes `this[start..end)`; see {@linkcode sliceOf}. */
export type Slice = (this: Uint8Array, start: number, end: number) => string;

/**
 * Buffer's `name` decoding method (`latin1Slice`, `utf8Slice`, `ucs2Slice`), called on the pickle's own Uint8Array:
 * Deno and Bun decode one as they decode a Buffer, which spares making a Buffer over the
 * pickle (a Uint8Array subclass: 50-90 ns, a twentieth of a small message's load). Null where
 * the method is missing or does not give what `toString(encoding)` of a Buffer gives for every
 * byte value (checked once), where the reader makes the Buffer.
 */
function sliceOf(name: string, encoding: "latin1" | "utf8" | "ucs2"): Slice | null {
  const f = (Buffer.prototype as unknown as Record<string, unknown>)[name];
  if (typeof f !== "function") return null;
  const probe = new Uint8Array(258);
  for (let i = 0; i < 258; i++) probe[i] = i & 0xff;
  try {
    const want = Buffer.from(probe.buffer).toString(encoding, 1, 257);
    return f.call(probe, 1, 257) === want ? f as Slice : null;
  } catch {
    return null;
  }
}
export const latin1Slice = sliceOf("latin1Slice", "latin1");
export const utf8Slice = sliceOf("utf8Slice", "utf8");
export const ucs2Slice = sliceOf("ucs2Slice", "ucs2");

/** Code units a batch of short strings holds at most (see ByteReader.batched). */
export const BATCH_SIZE = 4096;
/** The code units of the batch being made (made into a string at once, so shared). */
export const BATCH_UNITS = new Uint16Array(BATCH_SIZE);
/** The same memory as bytes, for Buffer's UCS-2 decoding. */
export const BATCH_BYTES = Buffer.from(BATCH_UNITS.buffer);

/** UTF-8 decoding that throws on invalid sequences. */
export const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
/** Replaces invalid sequences with U+FFFD instead of throwing (see ByteReader.utf8). */
export const lenient = new TextDecoder("utf-8", { ignoreBOM: true });

/** Bytes decoded at once into a window that short Latin-1 strings are cut from. */
export const WINDOW_CHUNK = 4096;
export const fromCharCode = String.fromCharCode;
