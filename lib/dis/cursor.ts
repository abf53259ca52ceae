/**
 * The disassembler's byte cursor: the loader's {@linkcode ByteReader} (its bounds-checked
 * reads, and its errors: an `UnpicklingError` that the disassembler catches and
 * shows as its stop, never thrown to users), plus what only the disassembler needs: strings
 * decoded only as far as they are shown, hex previews and a look at the next byte.
 *
 * @module
 */

import * as T from "../format/tags.ts";
import { ByteReader } from "../format/reader.ts";

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

/** A string operand as a name: bare where it is whole and plain, else quoted. */
export function displayName(s: Str): string {
  return s.whole && /^[\p{L}\p{N}_$#.@/:-]+$/u.test(s.head) ? s.head : s.shown;
}

/** Bounds-checked reads over a pickle, strings shown up to `max` characters. */
export class Cursor extends ByteReader {
  constructor(buf: Uint8Array, start: number, end: number, readonly max: number) {
    super(buf, start, end);
  }

  /** The keys of a shape (a count, then the keys), and their summary shortened for a line. */
  shapeKeys(): { keys: string[]; summary: string } {
    const n = this.length(1);
    const keys: string[] = new Array(n);
    let summary = "";
    for (let i = 0; i < n; i++) {
      keys[i] = displayName(this.string());
      if (summary.length < this.max) summary += (i > 0 ? ", " : "") + keys[i];
    }
    if (summary.length > this.max) summary = summary.slice(0, this.max) + "…";
    return { keys, summary };
  }

  /** The next byte without moving, or -1 at the end. */
  peek(): number {
    return this.pos < this.end ? this.buf[this.pos] : -1;
  }

  /** Moves past `n` bytes; returns where they start. */
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
    if (tag >= T.SHORT_STRING && tag < T.UNDEFINED) return this.latin1Shown(tag - T.SHORT_STRING);
    if (tag === T.LATIN1) return this.latin1Shown(this.length(1));
    if (tag === T.STR8) return this.utf8Shown(this.byte());
    if (tag === T.STR32) return this.utf8Shown(this.u32());
    if (tag === T.STR16) return this.utf16Shown(this.length(2));
    return this.fail("expected a string", at);
  }

  /** Reads a value that must be a string. */
  string(): Str {
    const at = this.pos;
    return this.stringBody(this.byte(), at);
  }

  private latin1Shown(n: number): Str {
    const start = this.skip(n);
    const m = Math.min(n, this.max);
    let head = "";
    for (let i = 0; i < m; i++) head += String.fromCharCode(this.buf[start + i]);
    return shown(head, n, n <= this.max);
  }

  /**
   * Decoded whole by the reader, which checks it in one native pass (a pickle with invalid
   * UTF-8 is corrupt); a long one is shown with its byte length (its characters uncounted).
   */
  private utf8Shown(n: number): Str {
    const text = this.utf8(n);
    const full = n <= this.max * 4;
    const head = text.length > this.max ? text.slice(0, this.max) : text;
    return shown(head, full ? text.length : -n, full && head.length === text.length);
  }

  private utf16Shown(n: number): Str {
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
