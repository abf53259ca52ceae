/**
 * The byte reader: every read checks that its bytes remain before touching or allocating
 * anything, and reports problems as {@linkcode UnpicklingError} with the byte offset.
 *
 * @module
 */

import { UnpicklingError } from "../errors.ts";
import { CORRUPT, WHOLE } from "./header.ts";
import { Buffer } from "node:buffer";
import { APPLY_MAX, WINDOW_MAX } from "./tuning.ts";

const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
/** Bytes decoded at once into a window that short Latin-1 strings are cut from. */
const WINDOW_CHUNK = 4096;
const fromCharCode = String.fromCharCode;
/** The one-character Latin-1 strings, made once. */
const LATIN1_UNITS: string[] = [];
for (let b = 0; b < 0x100; b++) LATIN1_UNITS.push(String.fromCharCode(b));
/** Reused argument arrays for short Latin-1 strings, one per length. */
const UNITS: number[][] = [];
for (let n = 0; n <= APPLY_MAX; n++) UNITS.push(new Array<number>(n).fill(0));

const CUT = `cannot load the pickle: it is truncated; ${WHOLE}`;
const CUT_NUMBER = `cannot load the pickle: it is truncated inside a number; ${WHOLE}`;
const OUT_OF_RANGE = `cannot load the pickle: a number is out of range; ${CORRUPT}`;
const OVERLONG = `cannot load the pickle: a number runs over 8 bytes; ${CORRUPT}`;
const NOT_UTF8 = `cannot load the pickle: a string is not valid UTF-8; ${CORRUPT}`;

/** Reads pickle bytes with bounds checks. */
export class ByteReader {
  /** The bytes being read. */
  buf: Uint8Array;
  /** Next read position. */
  pos: number;
  /** End of the readable region. */
  end: number;
  /** A DataView of `buf`, made when first needed (most small pickles read no float). */
  private view: DataView | null = null;
  /** `buf[winStart..winEnd)` decoded as Latin-1: short strings are cut out of it. */
  private win = "";
  /** `buf` as a Buffer (same bytes), made when first needed. */
  private latin1Bytes: Buffer | null = null;
  private winStart = 0;
  private winEnd = 0;

  /** Reads `buf` from `start` to `end`. */
  constructor(buf: Uint8Array, start = 0, end = buf.length) {
    this.buf = buf;
    this.pos = start;
    this.end = end;
  }

  /** Points the reader at other bytes, reusing it. */
  reset(buf: Uint8Array, start: number, end: number): void {
    if (buf !== this.buf) {
      this.buf = buf;
      this.view = null;
    }
    this.pos = start;
    this.end = end;
    this.win = "";
    this.latin1Bytes = null;
    this.winStart = this.winEnd = 0;
  }

  /** Throws an {@linkcode UnpicklingError} at `offset` (default: the current position). */
  fail(message: string, offset: number = this.pos, cause?: unknown): never {
    throw new UnpicklingError(message, offset, cause === undefined ? undefined : { cause });
  }

  /** The error of a pickle that ends before `n` more bytes (kept out of the hot methods). */
  private cut(n: number): never {
    return this.fail(
      `cannot load the pickle: it is truncated (${n} bytes needed, ${
        this.end - this.pos
      } left); ${WHOLE}`,
    );
  }

  /** The error of a length `n`, declared at `at`, that runs past the end. */
  private pastEnd(n: number, at: number): never {
    return this.fail(
      `cannot load the pickle: a length it declares (${n}) runs past its end; ${CORRUPT}`,
      at,
    );
  }

  /** Fails unless `n` bytes remain. */
  need(n: number): void {
    if (n > this.end - this.pos) {
      this.cut(n);
    }
  }

  /** Reads one byte. */
  byte(): number {
    if (this.pos >= this.end) this.fail(CUT);
    return this.buf[this.pos++];
  }

  /** Reads an unsigned LEB128 varint of at most 8 bytes. */
  varint(): number {
    const buf = this.buf;
    let pos = this.pos;
    if (pos < this.end) {
      const b = buf[pos];
      if (b < 0x80) {
        this.pos = pos + 1;
        return b;
      }
    }
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 8; i++) {
      if (pos >= this.end) this.fail(CUT_NUMBER);
      const b = buf[pos++];
      result += (b & 0x7f) * scale;
      if (b < 0x80) {
        if (result > Number.MAX_SAFE_INTEGER) this.fail(OUT_OF_RANGE, this.pos);
        this.pos = pos;
        return result;
      }
      scale *= 128;
    }
    return this.fail(OVERLONG);
  }

  /** Reads a varint used as a length or count of items that take at least `unit` bytes. */
  length(unit: number): number {
    const at = this.pos;
    const n = this.varint();
    if (n * unit > this.end - this.pos) {
      this.pastEnd(n, at);
    }
    return n;
  }

  /** The DataView of `buf`, made on first use: one costs 60-150 ns, a third of a tiny load. */
  private dataView(): DataView {
    const buf = this.buf;
    return this.view ??= new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  /** Reads a u32 little endian. */
  u32(): number {
    this.need(4);
    const v = this.dataView().getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }

  /** Reads a float64 little endian. */
  float64(): number {
    this.need(8);
    const v = this.dataView().getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }

  /** Returns a view of the next `n` bytes (no copy) and moves past them. */
  bytes(n: number): Uint8Array {
    this.need(n);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /** Reads `n` Latin-1 bytes (one per code unit) as a string. */
  latin1(n: number): string {
    this.need(n);
    const buf = this.buf;
    const start = this.pos;
    this.pos = start + n;
    if (n === 1) return LATIN1_UNITS[buf[start]];
    if (n <= APPLY_MAX) {
      const units = UNITS[n];
      for (let i = 0; i < n; i++) units[i] = buf[start + i];
      return fromCharCode.apply(null, units);
    }
    if (n > WINDOW_MAX) return this.asBuffer().toString("latin1", start, start + n);
    if (start < this.winStart || start + n > this.winEnd) this.window(start);
    return this.win.substring(start - this.winStart, start - this.winStart + n);
  }

  /**
   * Reads `n` UTF-8 bytes as a string; invalid UTF-8 is an error. Buffer's decoder (no view
   * to allocate, 2.5 times faster than TextDecoder on Deno) replaces invalid sequences with
   * U+FFFD, so a string holding U+FFFD is decoded again by the strict decoder, which throws
   * where the bytes were invalid.
   */
  utf8(n: number): string {
    this.need(n);
    const start = this.pos;
    const s = this.asBuffer().toString("utf8", start, start + n);
    if (s.includes("\uFFFD")) {
      try {
        decoder.decode(this.buf.subarray(start, start + n));
      } catch (e) {
        return this.fail(NOT_UTF8, start, e);
      }
    }
    this.pos = start + n;
    return s;
  }

  /** `buf` as a Node Buffer over the same bytes, for its native Latin-1 and UTF-8 decoding. */
  private asBuffer(): Buffer {
    return this.latin1Bytes ??= Buffer.from(
      this.buf.buffer,
      this.buf.byteOffset,
      this.buf.byteLength,
    );
  }

  /** Decodes the chunk of bytes that starts at `start` (n <= WINDOW_MAX < WINDOW_CHUNK). */
  private window(start: number): void {
    const end = Math.min(this.end, start + WINDOW_CHUNK);
    this.win = this.asBuffer().toString("latin1", start, end);
    this.winStart = start;
    this.winEnd = end;
  }

  /** Reads `n` UTF-16LE code units as a string. */
  utf16(n: number): string {
    this.need(n * 2);
    const buf = this.buf;
    let p = this.pos;
    let s = "";
    const CHUNK = 4096;
    const units = new Array<number>(Math.min(n, CHUNK));
    for (let done = 0; done < n; done += CHUNK) {
      const m = Math.min(CHUNK, n - done);
      if (units.length !== m) units.length = m;
      for (let i = 0; i < m; i++, p += 2) units[i] = buf[p] | (buf[p + 1] << 8);
      s += fromCharCode.apply(null, units);
    }
    this.pos = p;
    return s;
  }

  /** Reads a bigint magnitude: varint byte count + little-endian bytes. */
  bigintMagnitude(): bigint {
    const n = this.length(1);
    const buf = this.buf;
    const start = this.pos;
    this.pos += n;
    if (n <= 6) {
      let v = 0;
      for (let i = n - 1; i >= 0; i--) v = v * 256 + buf[start + i];
      return BigInt(v);
    }
    if (n === 8) return this.dataView().getBigUint64(start, true);
    return this.words(start, 0, Math.ceil(n / 8), n);
  }

  /**
   * The magnitude of 64-bit words `lo..hi` of the `n` bytes at `start`, split in halves: each
   * shift and or is linear in its operands, so the whole is O(n log n), where adding one word
   * at a time copies the growing bigint each time (quadratic: 256 KB took 6-14 s).
   */
  private words(start: number, lo: number, hi: number, n: number): bigint {
    if (hi - lo <= 8) {
      let v = 0n;
      for (let w = hi - 1; w >= lo; w--) v = (v << 64n) | this.word(start, w, n);
      return v;
    }
    const mid = (lo + hi) >>> 1;
    return (this.words(start, mid, hi, n) << BigInt((mid - lo) * 64)) |
      this.words(start, lo, mid, n);
  }

  /** Word `w` (little endian) of the `n` bytes at `start`; the last one may be partial. */
  private word(start: number, w: number, n: number): bigint {
    const at = start + w * 8;
    if (at + 8 <= start + n) return this.dataView().getBigUint64(at, true);
    const buf = this.buf;
    let hi = 0;
    let lo = 0;
    const end = start + n;
    for (let i = Math.min(end, at + 8) - 1; i >= at + 4; i--) hi = hi * 256 + buf[i];
    for (let i = Math.min(end, at + 4) - 1; i >= at; i--) lo = lo * 256 + buf[i];
    return (BigInt(hi) << 32n) | BigInt(lo);
  }
}
