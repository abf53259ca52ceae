/**
 * A byte cursor for the disassembler: every read checks its bounds and stops the
 * disassembly with a {@linkcode DisStop} (caught by the disassembler, never thrown to users).
 * Strings are decoded only as far as they are shown; their validity is checked in one pass.
 *
 * @module
 */

import * as T from "../format/tags.ts";

/** Stops the disassembly at `offset` with `reason`. */
export class DisStop {
  constructor(readonly reason: string, readonly offset: number) {}
}

const strict = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const loose = new TextDecoder("utf-8", { ignoreBOM: true });

/** A decoded string operand, shortened for display. */
export interface Str {
  /** The string as shown: quoted, escaped, cut to the preview length. */
  shown: string;
  /** Its first characters, unquoted (for names and keys). */
  head: string;
  /** Its length (code units). */
  length: number;
  /** Whether `head` is the whole string. */
  whole: boolean;
}

/** Bounds-checked reads over a pickle. */
export class Cursor {
  pos: number;
  private view: DataView;

  constructor(readonly buf: Uint8Array, start: number, public end: number, readonly max: number) {
    this.pos = start;
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  fail(reason: string, at: number = this.pos): never {
    throw new DisStop(reason, at);
  }

  /** The next byte without moving, or -1 at the end. */
  peek(): number {
    return this.pos < this.end ? this.buf[this.pos] : -1;
  }

  need(n: number): void {
    if (n > this.end - this.pos) {
      this.fail(`truncated pickle: ${n} bytes needed, ${this.end - this.pos} left`);
    }
  }

  byte(): number {
    if (this.pos >= this.end) this.fail("truncated pickle: unexpected end");
    return this.buf[this.pos++];
  }

  varint(): number {
    const at = this.pos;
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 8; i++) {
      if (this.pos >= this.end) this.fail("truncated pickle: varint cut short");
      const b = this.buf[this.pos++];
      result += (b & 0x7f) * scale;
      if (b < 0x80) {
        if (result > Number.MAX_SAFE_INTEGER) this.fail("varint out of range", at);
        return result;
      }
      scale *= 128;
    }
    return this.fail("varint longer than 8 bytes", at);
  }

  /** A varint length or count of items taking at least `unit` bytes each. */
  length(unit: number): number {
    const at = this.pos;
    const n = this.varint();
    if (n * unit > this.end - this.pos) {
      this.fail(`declared length ${n} runs past the end of the pickle`, at);
    }
    return n;
  }

  u32(): number {
    this.need(4);
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }

  float64(): number {
    this.need(8);
    const v = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }

  skip(n: number): number {
    this.need(n);
    const at = this.pos;
    this.pos += n;
    return at;
  }

  /** Hex of the first bytes of `n` at `at`, with `…` when there are more. */
  hex(at: number, n: number, max = 16): string {
    let s = "";
    const m = Math.min(n, max);
    for (let i = 0; i < m; i++) s += this.buf[at + i].toString(16).padStart(2, "0");
    return n > max ? s + "…" : s;
  }

  /**
   * Reads a string body of tag `tag` (the tag byte already read at `at`), or fails when the
   * tag is not a string tag.
   */
  stringBody(tag: number, at: number): Str {
    if (tag >= T.SHORT_STRING && tag < T.UNDEFINED) return this.latin1(tag - T.SHORT_STRING);
    if (tag === T.LATIN1) return this.latin1(this.length(1));
    if (tag === T.STR8) return this.utf8(this.byte());
    if (tag === T.STR32) return this.utf8(this.u32());
    if (tag === T.STR16) return this.utf16(this.length(2));
    return this.fail("expected a string", at);
  }

  /** Reads a value that must be a string. */
  string(): Str {
    const at = this.pos;
    return this.stringBody(this.byte(), at);
  }

  private latin1(n: number): Str {
    const start = this.skip(n);
    const m = Math.min(n, this.max);
    let head = "";
    for (let i = 0; i < m; i++) head += String.fromCharCode(this.buf[start + i]);
    return shown(head, n, n <= this.max);
  }

  private utf8(n: number): Str {
    const start = this.skip(n);
    const bytes = this.buf.subarray(start, start + n);
    // Decoded whole only when short; a long one is checked in one native pass (a pickle with
    // invalid UTF-8 is corrupt) and only its first bytes are decoded for display.
    const full = n <= this.max * 4;
    let text: string;
    try {
      text = strict.decode(bytes);
    } catch {
      return this.fail("invalid UTF-8 in string", start);
    }
    if (!full) text = loose.decode(bytes.subarray(0, this.max * 4));
    const head = text.length > this.max ? text.slice(0, this.max) : text;
    return shown(head, full ? text.length : -n, full && head.length === text.length);
  }

  private utf16(n: number): Str {
    const start = this.skip(n * 2);
    const m = Math.min(n, this.max);
    let head = "";
    for (let i = 0; i < m; i++) {
      head += String.fromCharCode(this.buf[start + 2 * i] | (this.buf[start + 2 * i + 1] << 8));
    }
    return shown(head, n, n <= this.max);
  }
}

/**
 * A string as shown: quoted and escaped. `length` < 0 gives a byte length (UTF-8 strings too
 * long to count their characters without decoding them whole).
 */
function shown(head: string, length: number, whole: boolean): Str {
  const q = JSON.stringify(head);
  if (whole) return { shown: q, head, length, whole };
  const size = length < 0 ? `${-length} bytes` : `${length} chars`;
  return { shown: `(${size}) ${q.slice(0, -1)}…"`, head, length: Math.abs(length), whole };
}
