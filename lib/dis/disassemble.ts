/**
 * Disassembles a pickle into its header, module table and one line per tag, stopping with
 * the offset and the reason where the bytes stop making sense. Never throws; linear in the
 * input.
 *
 * @module
 */

import * as T from "../format/tags.ts";
import { UnpicklingError } from "../errors.ts";
import { Cursor } from "./cursor.ts";
import { flagNames, FORM_NAMES, MEMBER_NAMES } from "./names.ts";
import type { Disassembly, DisCodeEntry, DisHeader, DisOptions } from "./types.ts";
import { Disassembler, F_ROOT, F_WEAK } from "./disassembler.ts";

const DEFAULT_MAX_STRING = 60;

/** The bytes of `input`, without a copy (anything else is read as no bytes). */
function asBytes(input: unknown): Uint8Array {
  if (input instanceof Uint8Array) return input;
  if (ArrayBuffer.isView(input)) {
    return new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  }
  if (input instanceof ArrayBuffer || input instanceof SharedArrayBuffer) {
    return new Uint8Array(input);
  }
  return new Uint8Array(0);
}

/** The reason of a stop: the reader's message, without the offset it appends. */
function stopReason(e: UnpicklingError): string {
  const at = ` (at byte ${e.offset})`;
  return e.message.endsWith(at) ? e.message.slice(0, -at.length) : e.message;
}

/** Reads the header; fails like the loader does, except on the announced length. */
function header(r: Cursor): DisHeader {
  for (let i = 0; i < 4; i++) {
    if (r.pos >= r.end) r.fail("truncated pickle header");
    if (r.buf[r.pos] !== T.MAGIC[i]) r.fail("not a pickle: wrong magic bytes");
    r.pos++;
  }
  if (r.pos >= r.end) r.fail("truncated pickle header");
  const version = r.buf[r.pos];
  if (version !== T.FORMAT_VERSION) {
    r.fail(`unsupported format version ${version} (this library reads ${T.FORMAT_VERSION})`);
  }
  r.pos++;
  if (r.pos >= r.end) r.fail("truncated pickle header");
  const flags = r.buf[r.pos];
  if (flags & ~T.KNOWN_FLAGS) r.fail(`unknown header flags 0x${flags.toString(16)}`);
  r.pos++;
  let announced = 0;
  let scale = 1;
  for (let i = 0;; i++) {
    if (i >= 8) r.fail("header length longer than 8 bytes");
    if (r.pos >= r.end) r.fail("truncated pickle header");
    const b = r.buf[r.pos++];
    announced += (b & 0x7f) * scale;
    if (b < 0x80) break;
    scale *= 128;
  }
  const mac = flags & T.FLAG_SIGNED ? T.MAC_BYTES : 0;
  const bodyStart = r.pos;
  if (announced < mac + 1) r.fail("pickle body is empty");
  return {
    version,
    flags,
    flagNames: flagNames(flags),
    announced,
    bodyStart,
    bodyEnd: bodyStart + announced - mac,
    total: bodyStart + announced,
  };
}

/** The code table: definitions carried (form, member, source) or named by hash only. */
function codeTable(r: Cursor, code: DisCodeEntry[], w: Disassembler): void {
  const start = r.pos;
  const n = r.varint();
  if (n > (r.end - r.pos) / (1 + T.CODE_HASH_BYTES)) {
    r.fail("code table longer than the pickle", start);
  }
  for (let i = 0; i < n; i++) {
    const at = r.pos;
    const kind = r.byte();
    if (kind !== T.CODE_DEFINED && kind !== T.CODE_CACHED) r.fail("unknown code table entry", at);
    if (r.pos + T.CODE_HASH_BYTES > r.end) r.fail("truncated code table", at);
    const hash = r.hex(r.pos, T.CODE_HASH_BYTES, T.CODE_HASH_BYTES);
    r.pos += T.CODE_HASH_BYTES;
    let definition: string | null = null;
    if (kind === T.CODE_DEFINED) {
      const form = r.byte();
      const member = r.byte();
      if (form >= FORM_NAMES.length || member > 2) r.fail("invalid function form", at);
      const source = r.string();
      definition = FORM_NAMES[form] + (member > 0 ? ` ${MEMBER_NAMES[member]}` : "") +
        ` source=${source.shown}`;
    }
    code.push({ offset: at, index: i, hash, definition });
  }
  w.code = code;
}

/**
 * Disassembles `bytes`: the structured form of {@linkcode dis}. A pickle that stops making
 * sense gives the lines up to there and `error`; this never throws and takes time linear in
 * the input.
 */
export function disassemble(
  input: Uint8Array | ArrayBufferView | ArrayBuffer | SharedArrayBuffer,
  options: DisOptions = {},
): Disassembly {
  const bytes = asBytes(input);
  const asked = options.maxString ?? DEFAULT_MAX_STRING;
  const max = Number.isFinite(asked) ? Math.max(1, Math.floor(asked)) : DEFAULT_MAX_STRING;
  const r = new Cursor(bytes, 0, bytes.length, max);
  const w = new Disassembler(r);
  const out: Disassembly = {
    size: bytes.length,
    header: null,
    modules: [],
    code: [],
    lines: w.lines,
    mac: null,
    memoCount: 0,
    shapeCount: 0,
    error: null,
  };
  try {
    const h = out.header = header(r);
    // A truncated pickle is read as far as its bytes go; extra bytes are reported after.
    r.end = Math.min(h.bodyEnd, bytes.length);
    if (h.flags & T.FLAG_MODULES) {
      const start = r.pos;
      const n = r.varint();
      if (n > r.end - r.pos) r.fail("module table longer than the pickle", start);
      for (let i = 0; i < n; i++) {
        const at = r.pos;
        const s = r.string();
        if (s.length === 0) r.fail("empty module name in the module table", at);
        out.modules.push({ offset: at, index: i, name: s.shown });
      }
      w.modules = out.modules;
    }
    if (h.flags & T.FLAG_CODE_CACHE) codeTable(r, out.code, w);
    w.push(F_ROOT, 1, 0);
    w.run();
    while (r.pos < r.end && r.peek() === T.WEAK_ENTRIES) {
      const at = r.pos;
      r.byte();
      const n = r.length(3);
      w.line(at, 0, T.WEAK_ENTRIES, "", `${n} ${n === 1 ? "entry" : "entries"}`);
      w.push(F_WEAK, n * 3, 1);
      w.run();
    }
    if (r.pos < h.bodyEnd && r.pos < bytes.length) {
      r.fail(`${Math.min(h.bodyEnd, bytes.length) - r.pos} unexpected bytes after the value`);
    }
    if (h.total > bytes.length) {
      r.fail(
        `truncated pickle: header announces ${h.announced} bytes, ` +
          `${bytes.length - h.bodyStart} present`,
        bytes.length,
      );
    }
    if (h.flags & T.FLAG_SIGNED) out.mac = r.hex(h.bodyEnd, T.MAC_BYTES, T.MAC_BYTES);
    if (h.total < bytes.length) {
      r.fail(`${bytes.length - h.total} unexpected bytes after the pickle`, h.total);
    }
  } catch (e) {
    if (e instanceof RangeError && /call stack/i.test(e.message)) {
      // Operands nested deeper than the caller's stack allows (checked above for the rest).
      out.error = { offset: r.pos, reason: "operands nested too deep to be shown here" };
    } else if (!(e instanceof UnpicklingError)) {
      // A bug of the disassembler, never the pickle's: reported, not thrown.
      out.error = { offset: r.pos, reason: `disassembler error: ${String(e)}` };
    } else {
      // A stop: every check, the reader's and the disassembler's own, fails through
      // ByteReader.fail.
      const h = out.header;
      const short = h !== null && h.total > bytes.length;
      const reason = stopReason(e);
      out.error = {
        offset: e.offset,
        reason: short && !reason.includes("announces")
          ? `${reason}; ${reason.includes("truncated") ? "" : "truncated pickle: "}` +
            `the header announces ${h.announced} bytes after it, ${
              bytes.length - h.bodyStart
            } present`
          : reason,
      };
    }
  }
  out.memoCount = w.memoTags.length;
  out.shapeCount = w.shapes.length;
  return out;
}
