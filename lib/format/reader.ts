/**
 * The byte reader: every read checks that its bytes remain before touching or allocating
 * anything, and reports problems as {@linkcode UnpicklingError} with the byte offset.
 *
 * @module
 */

import { UnpicklingError } from "../pickle/errors.ts";
import { Buffer } from "node:buffer";
import { APPLY_MAX, WINDOW_MAX } from "../runtime/engine.ts";

const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
/** Bytes decoded at once into a window that short ASCII strings are cut from. */
const WINDOW_CHUNK = 4096;
const fromCharCode = String.fromCharCode;
/** The one-character ASCII strings, made once. */
const ASCII: string[] = [];
for (let b = 0; b < 0x80; b++) ASCII.push(String.fromCharCode(b));
/** Reused argument arrays for short ASCII strings, one per length. */
const UNITS: number[][] = [];
for (let n = 0; n <= APPLY_MAX; n++) UNITS.push(new Array<number>(n).fill(0));

/** Reads pickle bytes with bounds checks. */
export class ByteReader {
  /** The bytes being read. */
  buf: Uint8Array;
  /** Next read position. */
  pos: number;
  /** End of the readable region. */
  end: number;
  private view: DataView;
  /** A decoded chunk of `buf[winStart..winEnd)` (ASCII runs of it are cut out as strings). */
  private win = "";
  /** `buf` as a Buffer (same bytes), made when a window is first needed. */
  private latin1: Buffer | null = null;
  private winStart = 0;
  private winEnd = 0;

  /** Reads `buf` from `start` to `end`. */
  constructor(buf: Uint8Array, start = 0, end = buf.length) {
    this.buf = buf;
    this.pos = start;
    this.end = end;
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  /** Points the reader at other bytes, reusing it. */
  reset(buf: Uint8Array, start: number, end: number): void {
    if (buf !== this.buf) {
      this.buf = buf;
      this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    }
    this.pos = start;
    this.end = end;
    this.win = "";
    this.latin1 = null;
    this.winStart = this.winEnd = 0;
  }

  /** Throws an {@linkcode UnpicklingError} at `offset` (default: the current position). */
  fail(message: string, offset: number = this.pos, cause?: unknown): never {
    throw new UnpicklingError(message, offset, cause === undefined ? undefined : { cause });
  }

  /** Fails unless `n` bytes remain. */
  need(n: number): void {
    if (n > this.end - this.pos) {
      this.fail(`truncated pickle: ${n} bytes needed, ${this.end - this.pos} left`);
    }
  }

  /** Reads one byte. */
  byte(): number {
    if (this.pos >= this.end) this.fail("truncated pickle: unexpected end");
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
      if (pos >= this.end) this.fail("truncated pickle: varint cut short");
      const b = buf[pos++];
      result += (b & 0x7f) * scale;
      if (b < 0x80) {
        if (result > Number.MAX_SAFE_INTEGER) this.fail("varint out of range", this.pos);
        this.pos = pos;
        return result;
      }
      scale *= 128;
    }
    return this.fail("varint longer than 8 bytes");
  }

  /** Reads a varint used as a length or count of items that take at least `unit` bytes. */
  length(unit: number): number {
    const at = this.pos;
    const n = this.varint();
    if (n * unit > this.end - this.pos) {
      this.fail(`declared length ${n} runs past the end of the pickle`, at);
    }
    return n;
  }

  /** Reads a u32 little endian. */
  u32(): number {
    this.need(4);
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }

  /** Reads a float64 little endian. */
  float64(): number {
    this.need(8);
    const v = this.view.getFloat64(this.pos, true);
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

  /** Reads `n` UTF-8 bytes as a string. */
  utf8(n: number): string {
    this.need(n);
    const buf = this.buf;
    const start = this.pos;
    if (n <= WINDOW_MAX) {
      let i = 0;
      while (i < n && buf[start + i] < 0x80) i++;
      if (i === n) {
        this.pos = start + n;
        if (n === 1) return ASCII[buf[start]];
        if (n <= APPLY_MAX) {
          const units = UNITS[n];
          for (let j = 0; j < n; j++) units[j] = buf[start + j];
          return fromCharCode.apply(null, units);
        }
        if (start < this.winStart || start + n > this.winEnd) this.window(start, n);
        return this.win.substring(start - this.winStart, start - this.winStart + n);
      }
    }
    try {
      const s = decoder.decode(buf.subarray(start, start + n));
      this.pos = start + n;
      return s;
    } catch (e) {
      return this.fail("invalid UTF-8 in string", start, e);
    }
  }

  /** Decodes the chunk of bytes that starts at `start` (and holds `n` bytes at least). */
  private window(start: number, n: number): void {
    const end = Math.min(this.end, start + (n > WINDOW_CHUNK ? n : WINDOW_CHUNK));
    // Only ASCII runs are ever cut out of it, so the single-byte decoding is exact there
    // (Buffer's latin1 is several times faster than TextDecoder's windows-1252 here).
    const b = this.latin1 ??= Buffer.from(
      this.buf.buffer,
      this.buf.byteOffset,
      this.buf.byteLength,
    );
    this.win = b.toString("latin1", start, end);
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
    let hex = "";
    for (let i = n - 1; i >= 0; i--) {
      const b = buf[start + i];
      hex += (b < 16 ? "0" : "") + b.toString(16);
    }
    return BigInt("0x" + hex);
  }
}
