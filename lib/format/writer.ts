/**
 * The byte writer: one growable buffer reused across pickles, with varint, float and string
 * fast paths. Callers reserve room with {@linkcode ByteWriter.ensure} before raw writes.
 *
 * @module
 */

import {
  FLOAT64,
  INT_NEG,
  INT_POS,
  LATIN1,
  NAN,
  NEG_ZERO,
  SHORT_STRING,
  SHORT_STRING_MAX,
  SMALL_INT_MAX,
  STR16,
  STR32,
  STR8,
} from "./tags.ts";
import { allocate } from "./allocate.ts";
import { HAND_OVER_LARGE } from "./tuning.ts";

const INITIAL_SIZE = 64 * 1024;
/** Past this size a finished pickle takes the buffer with it instead of being copied out. */
const HAND_OVER_SIZE = 1024 * 1024;
/** From this size a pickle copied out of the buffer is copied by the typed-array constructor. */
const COPY_CONSTRUCT_MIN = 65536;
/**
 * A raw write of at least this many bytes (a large typed array's contents) goes into a new
 * buffer that the pickle takes along (see {@linkcode ByteWriter.bytes}).
 */
const LARGE_WRITE = 1024 * 1024;
const encoder = new TextEncoder();
/**
 * `String.prototype.charCodeAt`, called through `call`: V8 then inlines it whatever the
 * string's representation, where `s.charCodeAt` is a property load whose cache turns
 * megamorphic on a mix of flat, cons (built by `+=`), internalized, one- and two-byte strings,
 * and every unit then costs a generic call (short strings wrote 3-4 times slower on Deno).
 */
const charCodeAt = String.prototype.charCodeAt;

/** Bytes of the varint of `n` (n >= 0). */
export function varintSize(n: number): number {
  let size = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 128);
    size++;
  }
  return size;
}

/** Writes pickle bytes into one growable buffer. */
export class ByteWriter {
  /** The buffer; valid up to {@linkcode ByteWriter.pos}. */
  buf: Uint8Array = new Uint8Array(INITIAL_SIZE);
  /** Next write position. */
  pos = 0;
  private view: DataView = new DataView(this.buf.buffer);
  /**
   * Whether `buf` was made for this pickle by a large write, to be handed to the caller
   * whole by {@linkcode ByteWriter.take}; the writer's own buffer then waits in `spare`.
   */
  private fresh = false;
  private spare: Uint8Array | null = null;

  /** Starts a new pickle at `start`. */
  reset(start: number): void {
    this.pos = start;
    if (this.fresh) {
      // Never taken (another writer copied it out): it stays the writer's own.
      this.fresh = false;
      this.spare = null;
    }
  }

  /** Makes room for `n` more bytes. */
  ensure(n: number): void {
    const need = this.pos + n;
    if (need > this.buf.length) this.grow(need);
  }

  private grow(need: number): void {
    let size = this.buf.length * 2;
    // One write far larger than the buffer (typed-array bytes): room for it and the rest of a
    // typical pickle, not 12% more memory to fault in.
    if (need > size * 4) size = need + INITIAL_SIZE;
    else if (size < need + (need >>> 3)) size = need + (need >>> 3);
    const next = allocate(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  /**
   * Returns bytes `start..pos` as a pickle the caller owns. Pickles are copied out so the
   * buffer can be reused, except those a large raw write went into a new buffer for (see
   * {@linkcode ByteWriter.bytes}), and large ones where the engine allocates without filling
   * ({@linkcode HAND_OVER_LARGE}): those take the buffer along.
   */
  take(start: number): Uint8Array {
    const end = this.pos;
    const size = end - start;
    if (this.fresh) {
      const out = this.buf.subarray(start, end);
      this.buf = this.spare ?? new Uint8Array(INITIAL_SIZE);
      this.view = new DataView(this.buf.buffer);
      this.spare = null;
      this.fresh = false;
      this.pos = 0;
      return out;
    }
    if (HAND_OVER_LARGE && size >= HAND_OVER_SIZE && size >= this.buf.length >>> 1) {
      const out = this.buf.subarray(start, end);
      this.buf = new Uint8Array(INITIAL_SIZE);
      this.view = new DataView(this.buf.buffer);
      this.pos = 0;
      return out;
    }
    // The typed-array copy constructor allocates without filling; slice() fills first.
    const out = size >= COPY_CONSTRUCT_MIN
      ? new Uint8Array(this.buf.subarray(start, end))
      : this.buf.slice(start, end);
    if (this.buf.length > 16 * HAND_OVER_SIZE) {
      this.buf = new Uint8Array(INITIAL_SIZE);
      this.view = new DataView(this.buf.buffer);
    }
    this.pos = 0;
    return out;
  }

  /** Writes one byte. */
  byte(b: number): void {
    if (this.pos >= this.buf.length) this.grow(this.pos + 1);
    this.buf[this.pos++] = b;
  }

  /** Writes two bytes. */
  byte2(a: number, b: number): void {
    if (this.pos + 2 > this.buf.length) this.grow(this.pos + 2);
    this.buf[this.pos++] = a;
    this.buf[this.pos++] = b;
  }

  /** Writes an unsigned LEB128 varint (0 <= n <= 2^53 - 1). */
  varint(n: number): void {
    if (this.pos + 8 > this.buf.length) this.grow(this.pos + 8);
    const buf = this.buf;
    let pos = this.pos;
    if (n < 0x80) {
      buf[pos++] = n;
    } else if (n < 0x10000000) {
      while (n >= 0x80) {
        buf[pos++] = (n & 0x7f) | 0x80;
        n >>>= 7;
      }
      buf[pos++] = n;
    } else {
      // Past 2^28 (epoch milliseconds, large ids): one division splits off the low 28 bits,
      // written as four bytes; the high part fits in 32 bits.
      let hi = Math.floor(n / 0x10000000);
      const lo = n - hi * 0x10000000;
      buf[pos] = (lo & 0x7f) | 0x80;
      buf[pos + 1] = ((lo >>> 7) & 0x7f) | 0x80;
      buf[pos + 2] = ((lo >>> 14) & 0x7f) | 0x80;
      buf[pos + 3] = (lo >>> 21) | 0x80;
      pos += 4;
      while (hi >= 0x80) {
        buf[pos++] = (hi & 0x7f) | 0x80;
        hi >>>= 7;
      }
      buf[pos++] = hi;
    }
    this.pos = pos;
  }

  /** Writes a u32 little endian. */
  u32(n: number): void {
    this.ensure(4);
    this.view.setUint32(this.pos, n, true);
    this.pos += 4;
  }

  /** Writes a float64 little endian; NaN is written with one canonical bit pattern. */
  float64(x: number): void {
    this.ensure(8);
    this.view.setFloat64(this.pos, x === x ? x : NaN, true);
    this.pos += 8;
  }

  /** Writes a number with the smallest fitting tag. */
  number(x: number): void {
    if (x >= 0 && x <= SMALL_INT_MAX && (x | 0) === x) {
      if (x === 0 && 1 / x < 0) this.byte(NEG_ZERO);
      else this.byte(x);
    } else if (Number.isSafeInteger(x)) {
      if (x > 0) {
        this.byte(INT_POS);
        this.varint(x);
      } else if (x < 0) {
        this.byte(INT_NEG);
        this.varint(-x);
      } else {
        this.byte(NEG_ZERO);
      }
    } else if (x !== x) {
      this.byte(NAN);
    } else {
      if (this.pos + 9 > this.buf.length) this.grow(this.pos + 9);
      const p = this.pos;
      this.buf[p] = FLOAT64;
      this.view.setFloat64(p + 1, x, true);
      this.pos = p + 9;
    }
  }

  /** Writes a few raw bytes (a loop beats `set` for short runs). */
  raw(src: Uint8Array): void {
    const n = src.length;
    if (n > 64) {
      this.bytes(src);
      return;
    }
    this.ensure(n);
    const buf = this.buf;
    let p = this.pos;
    for (let i = 0; i < n; i++) buf[p++] = src[i];
    this.pos = p;
  }

  /**
   * Writes raw bytes. A large write (a big typed array) goes into a new buffer of the size needed plus room for the rest of a typical pickle, which the pickle
   * then takes along: its bytes are copied once, into memory the caller keeps, where copying
   * them into the writer's buffer and the pickle out of it would copy them twice.
   */
  bytes(src: Uint8Array): void {
    const n = src.length;
    if (n >= LARGE_WRITE && !this.fresh) {
      this.handOver(this.pos + n + INITIAL_SIZE);
    } else {
      this.ensure(n);
    }
    this.buf.set(src, this.pos);
    this.pos += n;
  }

  /** Moves what was written so far into a new buffer of `size` bytes for the pickle to take. */
  private handOver(size: number): void {
    const next = allocate(size);
    next.set(this.buf.subarray(0, this.pos));
    if (this.buf.length <= 16 * HAND_OVER_SIZE) this.spare = this.buf;
    this.buf = next;
    this.view = new DataView(next.buffer);
    this.fresh = true;
  }

  /**
   * Writes a string value with its tag: Latin-1 when every code unit is U+00FF or below
   * (short string, LATIN1), else UTF-8 (STR8, STR32), or UTF-16 (STR16) when it has lone
   * surrogates or UTF-8 takes at least two bytes per code unit: UTF-16 loads faster, so it is
   * used wherever it is no larger (a mostly-ASCII string with a few characters past U+00FF
   * stays UTF-8). The helpers below are given the length: `s.length` of a string whose type
   * the engine does not know is a megamorphic property load on V8.
   */
  string(s: string): void {
    const len = s.length;
    if (len < 64) {
      this.ensure(2 + len * 3);
      const buf = this.buf;
      const start = this.pos;
      const first = len <= SHORT_STRING_MAX ? start + 1 : start + 2;
      let i = 0;
      for (; i < len; i++) {
        const c = charCodeAt.call(s, i);
        if (c > 0xff) break;
        buf[first + i] = c;
      }
      if (i === len) {
        if (first === start + 1) {
          buf[start] = SHORT_STRING | len;
        } else {
          buf[start] = LATIN1;
          buf[start + 1] = len; // a one-byte varint: len < 64
        }
        this.pos = first + len;
        return;
      }
      this.shortPastLatin1(s, len, start, first, i);
      return;
    }
    this.longString(s, len);
  }

  /**
   * The rest of a string of under 64 units whose unit `i` is past U+00FF, units 0..i written
   * as Latin-1 bytes from `first`: if all those are ASCII, they are their UTF-8 too, so UTF-8
   * goes on from unit i (moved to STR8's place if needed).
   */
  private shortPastLatin1(s: string, len: number, start: number, first: number, i: number): void {
    const buf = this.buf;
    let ascii = true;
    for (let j = first; j < first + i; j++) {
      if (buf[j] >= 0x80) {
        ascii = false;
        break;
      }
    }
    if (!ascii) {
      this.shortUtf8(s, len, start, 0);
    } else {
      if (first !== start + 2) {
        for (let j = i - 1; j >= 0; j--) buf[start + 2 + j] = buf[first + j];
      }
      this.shortUtf8(s, len, start, i);
    }
  }

  /** Writes a string of 64 units or more (see {@linkcode ByteWriter.string}). */
  private longString(s: string, len: number): void {
    // Encoded after room for a LATIN1 header; ASCII (every unit one byte) stays there.
    const head = 1 + varintSize(len);
    this.ensure(5 + len * 3);
    const start = this.pos;
    const { written } = encoder.encodeInto(s, this.buf.subarray(start + head));
    if (written === len) {
      this.buf[start] = LATIN1;
      this.pos = start + 1;
      this.varint(len);
      this.pos = start + head + len;
      return;
    }
    if (!s.isWellFormed()) {
      this.utf16(s, len);
      return;
    }
    if (written >= len * 2) {
      // As small or smaller in UTF-16 (text mostly past U+07FF), which loads faster.
      this.utf16(s, len);
      return;
    }
    if (head !== 5) this.buf.copyWithin(start + 5, start + head, start + head + written);
    this.buf[start] = STR32;
    this.view.setUint32(start + 1, written, true);
    this.pos = start + 5 + written;
  }

  /**
   * Writes a string of under 64 units with one past U+00FF as STR8 (UTF-8) at `start`, whose
   * units before `from` are ASCII, already written after the STR8 header.
   */
  private shortUtf8(s: string, len: number, start: number, from: number): void {
    const buf = this.buf;
    let p = start + 2 + from;
    for (let i = from; i < len; i++) {
      let c = charCodeAt.call(s, i);
      if (c < 0x80) {
        buf[p++] = c;
      } else if (c < 0x800) {
        buf[p++] = 0xc0 | (c >> 6);
        buf[p++] = 0x80 | (c & 0x3f);
      } else if (c >= 0xd800 && c <= 0xdfff) {
        const d = c <= 0xdbff && i + 1 < len ? charCodeAt.call(s, i + 1) : 0;
        if (d < 0xdc00 || d > 0xdfff) {
          this.pos = start;
          this.utf16(s, len);
          return;
        }
        i++;
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        buf[p++] = 0xf0 | (c >> 18);
        buf[p++] = 0x80 | ((c >> 12) & 0x3f);
        buf[p++] = 0x80 | ((c >> 6) & 0x3f);
        buf[p++] = 0x80 | (c & 0x3f);
      } else {
        buf[p++] = 0xe0 | (c >> 12);
        buf[p++] = 0x80 | ((c >> 6) & 0x3f);
        buf[p++] = 0x80 | (c & 0x3f);
      }
    }
    if (p - start - 2 >= len * 2) {
      // As small or smaller in UTF-16 (text mostly past U+07FF), which loads faster.
      this.pos = start;
      this.utf16(s, len);
      return;
    }
    buf[start] = STR8;
    buf[start + 1] = p - start - 2; // at most 63 × 3 bytes
    this.pos = p;
  }

  /**
   * Writes a string as raw UTF-16 code units (STR16): strings with lone surrogates (kept as
   * they are), and strings whose UTF-8 form is no smaller (mostly CJK text).
   */
  private utf16(s: string, len: number): void {
    this.byte(STR16);
    this.varint(len);
    this.ensure(len * 2);
    const buf = this.buf;
    let p = this.pos;
    for (let i = 0; i < len; i++) {
      const c = charCodeAt.call(s, i);
      buf[p++] = c & 0xff;
      buf[p++] = c >> 8;
    }
    this.pos = p;
  }

  /**
   * Writes the magnitude of a bigint (m >= 0) as varint byte count + little-endian bytes, in
   * as few bytes as hold it (one for zero). Up to 2^53 it is split as a number; past that,
   * 64 bits at a time.
   */
  bigintMagnitude(m: bigint): void {
    if (m <= MAX_SAFE_BIG) {
      let x = Number(m);
      let n = 1;
      while (x >= 256 ** n) n++;
      this.varint(n);
      this.ensure(n);
      const buf = this.buf;
      let p = this.pos;
      for (let i = 0; i < n; i++) {
        buf[p++] = x % 256;
        x = Math.floor(x / 256);
      }
      this.pos = p;
      return;
    }
    if (m <= MAX_U64) {
      // Past 2^53 and within 64 bits: seven or eight bytes.
      const n = m < TWO_POW_56 ? 7 : 8;
      this.varint(n);
      this.ensure(8);
      this.view.setBigUint64(this.pos, m, true);
      this.pos += n;
      return;
    }
    let words = 0;
    for (let r = m; r > 0n; r >>= 64n) words++;
    const top = m >> BigInt(64 * (words - 1));
    let topBytes = 1;
    while (topBytes < 8 && top >> BigInt(8 * topBytes) > 0n) topBytes++;
    const n = 8 * (words - 1) + topBytes;
    this.varint(n);
    this.ensure(n + 8);
    const view = this.view;
    let p = this.pos;
    let r = m;
    for (let i = 0; i < words; i++) {
      view.setBigUint64(p, BigInt.asUintN(64, r), true);
      r >>= 64n;
      p += 8;
    }
    this.pos += n;
  }
}

const MAX_SAFE_BIG = BigInt(Number.MAX_SAFE_INTEGER);
const TWO_POW_56 = 1n << 56n;
const MAX_U64 = (1n << 64n) - 1n;
