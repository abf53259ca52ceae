/**
 * The byte reader: every read checks that its bytes remain before touching or allocating
 * anything, and reports problems as {@linkcode UnpicklingError} with the byte offset.
 *
 * @module
 */

import { UnpicklingError } from "../errors.ts";
import { CORRUPT, CUT, CUT_NUMBER, NOT_UTF8, OUT_OF_RANGE, OVERLONG, WHOLE } from "./header.ts";
import { Buffer } from "node:buffer";
import {
  APPLY_MAX,
  BATCH,
  BATCH_MAX,
  LITTLE_ENDIAN,
  UTF8_DECODER_MIN,
  UTF8_JS_MAX,
  UTF8_NATIVE,
  WINDOW_MAX,
} from "./tuning.ts";
import { LATIN1, SHORT_STRING, STR16, STR8, UNDEFINED } from "./tags.ts";
import { utf8Units } from "./utf8.ts";
import {
  BATCH_BYTES,
  BATCH_SIZE,
  BATCH_UNITS,
  decoder,
  fromCharCode,
  LATIN1_UNITS,
  latin1Slice,
  lenient,
  ucs2Slice,
  UNITS,
  UTF8_UNITS,
  utf8Slice,
  WINDOW_CHUNK,
} from "./string_sources.ts";

/**
 * Scratch memory the first floats of a load are read through (little-endian hosts): making a
 * DataView of the pickle costs 60-150 ns on V8, about what decoding a small message costs
 * besides, while copying 8 bytes into this costs a few.
 */
const SCRATCH_F64 = new Float64Array(1);
const SCRATCH_BYTES = new Uint8Array(SCRATCH_F64.buffer);
/** Floats a load reads through the scratch memory before it makes a DataView. */
const SCRATCH_READS = 8;

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
  /** Floats read through the scratch memory since the last reset (see float64). */
  private scratchReads = 0;
  /** `buf[winStart..winEnd)` decoded as Latin-1: short strings are cut out of it. */
  private win = "";
  /** `buf` as a Buffer (same bytes), made when first needed. */
  private latin1Bytes: Buffer | null = null;
  private winStart = 0;
  private winEnd = 0;
  /** Short UTF-8 and UTF-16 strings decoded ahead as one string (see ByteReader.batched). */
  private batch = "";
  /** Per batched string: the byte offset of its bytes, ... */
  private batchAt: number[] = [];
  /** ... its key (UTF-8: byte count; UTF-16: minus the unit count), ... */
  private batchKey: number[] = [];
  /** ... and where it starts in `batch` (entry i + 1: where it ends). */
  private batchOff: number[] = [0];
  private batchCount = 0;
  private batchNext = 0;
  /** Bytes before this offset were looked at by a batch already. */
  private batchEnd = 0;

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
    this.scratchReads = 0;
    this.win = "";
    this.latin1Bytes = null;
    this.winStart = this.winEnd = 0;
    this.batch = "";
    this.batchCount = this.batchNext = this.batchEnd = 0;
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
    const buf = this.buf;
    const p = this.pos;
    this.pos = p + 4;
    return (buf[p] | (buf[p + 1] << 8) | (buf[p + 2] << 16)) + buf[p + 3] * 0x1000000;
  }

  /**
   * Reads a float64 little endian: the first few of a load through scratch memory, the rest
   * through a DataView of the pickle (made once, fastest for many).
   */
  float64(): number {
    this.need(8);
    const p = this.pos;
    this.pos = p + 8;
    const view = this.view;
    return view !== null ? view.getFloat64(p, true) : this.firstFloat64(p);
  }

  /** The float64 at `p` when the reader has no DataView yet (kept out of float64). */
  private firstFloat64(p: number): number {
    if (!LITTLE_ENDIAN || ++this.scratchReads > SCRATCH_READS) {
      return this.dataView().getFloat64(p, true);
    }
    const buf = this.buf;
    const s = SCRATCH_BYTES;
    s[0] = buf[p];
    s[1] = buf[p + 1];
    s[2] = buf[p + 2];
    s[3] = buf[p + 3];
    s[4] = buf[p + 4];
    s[5] = buf[p + 5];
    s[6] = buf[p + 6];
    s[7] = buf[p + 7];
    return SCRATCH_F64[0];
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
    if (n > WINDOW_MAX) {
      return latin1Slice !== null
        ? latin1Slice.call(buf, start, start + n)
        : this.asBuffer().toString("latin1", start, start + n);
    }
    if (start < this.winStart || start + n > this.winEnd) this.window(start);
    return this.win.substring(start - this.winStart, start - this.winStart + n);
  }

  /**
   * Reads `n` UTF-8 bytes as a string; invalid UTF-8 is an error. Short strings are decoded
   * by {@linkcode ByteReader.utf8Short} where the engine makes that fastest
   * ({@linkcode UTF8_JS_MAX}); the rest by a native decoder that replaces invalid sequences
   * with U+FFFD ({@linkcode UTF8_NATIVE}), so a string holding U+FFFD is decoded again by
   * the strict decoder, which throws where the bytes were invalid.
   */
  utf8(n: number): string {
    this.need(n);
    const start = this.pos;
    if (BATCH && n !== 0 && n <= BATCH_MAX) {
      const s = this.batched(start, n);
      if (s !== null) {
        this.pos = start + n;
        return s;
      }
    }
    if (n <= UTF8_JS_MAX) {
      const s = this.utf8Short(start, n);
      if (s !== null) {
        this.pos = start + n;
        return s;
      }
    }
    const s = UTF8_NATIVE === "decoder" && n > UTF8_DECODER_MIN
      ? lenient.decode(this.buf.subarray(start, start + n))
      : utf8Slice !== null
      ? utf8Slice.call(this.buf, start, start + n)
      : this.asBuffer().toString("utf8", start, start + n);
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

  /**
   * Decodes the `n` (at most {@linkcode UTF8_JS_MAX}) UTF-8 bytes at `start` in JavaScript,
   * or returns null at the first byte that is not part of a well-formed sequence (overlong
   * forms, encoded surrogates and code points past U+10FFFF included): the caller then
   * decodes them natively, which reports the error.
   */
  private utf8Short(start: number, n: number): string | null {
    const buf = this.buf;
    const end = start + n;
    const units = UTF8_UNITS;
    let k = 0;
    for (let i = start; i < end;) {
      const b = buf[i++];
      if (b < 0x80) {
        units[k++] = b;
      } else if (b < 0xe0) {
        if (b < 0xc2 || i >= end) return null;
        const b1 = buf[i++];
        if ((b1 & 0xc0) !== 0x80) return null;
        units[k++] = ((b & 0x1f) << 6) | (b1 & 0x3f);
      } else if (b < 0xf0) {
        if (i + 1 >= end) return null;
        const b1 = buf[i], b2 = buf[i + 1];
        i += 2;
        if ((b1 & 0xc0) !== 0x80 || (b2 & 0xc0) !== 0x80) return null;
        const c = ((b & 0x0f) << 12) | ((b1 & 0x3f) << 6) | (b2 & 0x3f);
        if (c < 0x800 || (c >= 0xd800 && c <= 0xdfff)) return null;
        units[k++] = c;
      } else {
        if (b > 0xf4 || i + 2 >= end) return null;
        const b1 = buf[i], b2 = buf[i + 1], b3 = buf[i + 2];
        i += 3;
        if ((b1 & 0xc0) !== 0x80 || (b2 & 0xc0) !== 0x80 || (b3 & 0xc0) !== 0x80) return null;
        const c = ((b & 0x07) << 18) | ((b1 & 0x3f) << 12) | ((b2 & 0x3f) << 6) | (b3 & 0x3f);
        if (c < 0x10000 || c > 0x10ffff) return null;
        units[k++] = 0xd7c0 + (c >> 10); // 0xd800 + ((c - 0x10000) >> 10)
        units[k++] = 0xdc00 | (c & 0x3ff);
      }
    }
    const out = UNITS[k];
    for (let j = 0; j < k; j++) out[j] = units[j];
    return fromCharCode.apply(null, out);
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
    this.win = latin1Slice !== null
      ? latin1Slice.call(this.buf, start, end)
      : this.asBuffer().toString("latin1", start, end);
    this.winStart = start;
    this.winEnd = end;
  }

  /**
   * Reads `n` UTF-16LE code units as a string. Buffer's UCS-2 decoding copies code units as
   * they are (lone surrogates kept, nothing to validate), at any byte offset.
   */
  utf16(n: number): string {
    this.need(n * 2);
    const start = this.pos;
    this.pos = start + n * 2;
    if (n === 0) return "";
    if (BATCH && n <= BATCH_MAX) {
      const s = this.batched(start, -n);
      if (s !== null) return s;
    }
    return ucs2Slice !== null
      ? ucs2Slice.call(this.buf, start, start + n * 2)
      : this.asBuffer().toString("ucs2", start, start + n * 2);
  }

  /**
   * The string whose bytes start at `start` (key: UTF-8 byte count, or minus the UTF-16 unit
   * count), cut out of the current batch, or null when it is not batched. A batch is made when
   * a short string is read past the bytes the last batch looked at: that string and the short
   * UTF-8 and UTF-16 strings that follow it as values (over Latin-1 ones), up to a string
   * that is not valid UTF-8 or a byte that is no string tag, are decoded in JavaScript into
   * one array of code units that becomes one string in one native call; each is then a
   * `substring` of it, where a native decoder call per short string would cost more than the
   * string. The bytes after a string may be no string at all (the operands of another tag):
   * then they are decoded but never asked for, and a string is only taken from the batch when
   * it is asked for at the very offset, with the very key, it was decoded at. Every byte is
   * looked at by one batch at most, so the work stays linear in the pickle.
   */
  private batched(start: number, key: number): string | null {
    const at = this.batchAt;
    const count = this.batchCount;
    let i = this.batchNext;
    while (i < count && at[i] < start) i++;
    if (i === count) {
      if (start < this.batchEnd || !this.fill(start, key)) return null;
      i = 0;
    } else if (at[i] !== start || this.batchKey[i] !== key) {
      this.batchNext = i;
      return null;
    }
    this.batchNext = i + 1;
    return this.batch.substring(this.batchOff[i], this.batchOff[i + 1]);
  }

  /** Makes a batch that starts with the string at `start` (see batched); false if invalid. */
  private fill(start: number, key: number): boolean {
    const buf = this.buf;
    const end = this.end;
    const at = this.batchAt;
    const keys = this.batchKey;
    const off = this.batchOff;
    const units = BATCH_UNITS;
    let count = 0;
    let k = 0;
    let p = start;
    at[0] = start;
    keys[0] = key;
    for (;;) {
      // The string at p with `key`: its bytes are within the pickle, its units fit.
      if (key > 0) {
        const e = p + key;
        const next = utf8Units(buf, p, e, units, k);
        if (next < 0) break;
        k = next;
        p = e;
      } else {
        for (const e = p - 2 * key; p < e; p += 2) units[k++] = buf[p] | (buf[p + 1] << 8);
      }
      count++;
      off[count] = k;
      // Past Latin-1 strings to the next UTF-8 or UTF-16 one, if any.
      key = 0;
      while (p + 1 < end) {
        const tag = buf[p];
        const n = buf[p + 1];
        if (tag >= SHORT_STRING && tag < UNDEFINED) {
          p += 1 + tag - SHORT_STRING;
          continue;
        }
        if (tag === LATIN1 && n < 0x80) {
          p += 2 + n;
          continue;
        }
        if (tag === STR8 && n !== 0 && p + 2 + n <= end && k + n <= BATCH_SIZE) key = n;
        if (tag === STR16 && n !== 0 && n < 0x80 && p + 2 + 2 * n <= end && k + n <= BATCH_SIZE) {
          key = -n;
        }
        break;
      }
      if (key === 0) break;
      p += 2;
      at[count] = p;
      keys[count] = key;
    }
    this.batchEnd = p;
    this.batchCount = count;
    this.batchNext = 0;
    if (count === 0) return false;
    this.batch = BATCH_BYTES.toString("ucs2", 0, 2 * k);
    return true;
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
