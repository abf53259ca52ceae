/**
 * The byte reader: every read checks that its bytes remain before touching or allocating
 * anything, and reports problems as {@linkcode UnpicklingError} with the byte offset.
 *
 * @module
 */

import { UnpicklingError } from "../pickle/errors.ts";
import { APPLY_MAX, CONCAT_MAX } from "../runtime/engine.ts";

const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
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
    if (n === 1) {
      const b = buf[start];
      if (b < 0x80) {
        this.pos = start + 1;
        return ASCII[b];
      }
    } else if (n <= CONCAT_MAX) {
      const end = start + n;
      let s = "";
      let i = start;
      for (; i < end; i++) {
        const b = buf[i];
        if (b >= 0x80) break;
        s += fromCharCode(b);
      }
      if (i === end) {
        this.pos = end;
        return s;
      }
    } else if (n <= APPLY_MAX) {
      const units = UNITS[n];
      let i = 0;
      for (; i < n; i++) {
        const b = buf[start + i];
        if (b >= 0x80) break;
        units[i] = b;
      }
      if (i === n) {
        this.pos = start + n;
        return fromCharCode.apply(null, units);
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
