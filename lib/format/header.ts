/**
 * The pickle header: magic, version, flags, and the length of what follows (see tags.ts).
 *
 * @module
 */

import { UnpicklingError } from "../errors.ts";
import { FLAG_SIGNED, FORMAT_VERSION, KNOWN_FLAGS, MAC_BYTES, MAGIC } from "./tags.ts";
import { varintSize } from "./writer.ts";

/** A parsed header. */
export interface Header {
  flags: number;
  /** Offset of the body. */
  bodyStart: number;
  /** End of the body (the MAC follows when signed). */
  bodyEnd: number;
  /** Total bytes of the pickle, header and MAC included. */
  total: number;
}

/**
 * Writes the header right before `bodyStart` in `buf` (which has room for it) and returns
 * where the pickle starts.
 */
export function writeHeader(
  buf: Uint8Array,
  bodyStart: number,
  bodyLength: number,
  flags: number,
): number {
  const rest = bodyLength + (flags & FLAG_SIGNED ? MAC_BYTES : 0);
  const start = bodyStart - 6 - varintSize(rest);
  buf[start] = MAGIC[0];
  buf[start + 1] = MAGIC[1];
  buf[start + 2] = MAGIC[2];
  buf[start + 3] = MAGIC[3];
  buf[start + 4] = FORMAT_VERSION;
  buf[start + 5] = flags;
  let p = start + 6;
  let n = rest;
  while (n >= 0x80) {
    buf[p++] = (n % 128) | 0x80;
    n = Math.floor(n / 128);
  }
  buf[p] = n;
  return start;
}

/** The remedy for a pickle cut short. */
export const WHOLE = "pass every byte that dumps gave";
/** Why a pickle that breaks the format cannot load (there is no remedy but another pickle). */
export const CORRUPT = "the pickle is corrupt or was not made by this library";

/** The reader's errors. */
export const CUT = `cannot load the pickle: it is truncated; ${WHOLE}`;
export const CUT_NUMBER = `cannot load the pickle: it is truncated inside a number; ${WHOLE}`;
export const OUT_OF_RANGE = `cannot load the pickle: a number is out of range; ${CORRUPT}`;
export const OVERLONG = `cannot load the pickle: a number runs over 8 bytes; ${CORRUPT}`;
export const NOT_UTF8 = `cannot load the pickle: a string is not valid UTF-8; ${CORRUPT}`;
const CUT_HEADER = `it is truncated inside its header; ${WHOLE}`;
const NOT_A_PICKLE = "the bytes are not a pickle (they do not start with the magic bytes " +
  '"JSPK"); pass bytes that dumps gave';

/** Throws the error of a header at `start` with `message` about the byte at `at`. */
function fail(start: number, message: string, at: number): never {
  throw new UnpicklingError(`cannot load the pickle: ${message}`, at - start);
}

/**
 * Parses a header at `start`. Returns undefined when `buf` ends before the header does and
 * `partial` is set (streams wait for more bytes); otherwise throws on any problem.
 */
export function readHeader(buf: Uint8Array, start = 0, partial = false): Header | undefined {
  const end = buf.length;
  for (let i = 0; i < 4; i++) {
    if (start + i >= end) return partial ? undefined : fail(start, CUT_HEADER, end);
    if (buf[start + i] !== MAGIC[i]) fail(start, NOT_A_PICKLE, start + i);
  }
  if (start + 4 >= end) return partial ? undefined : fail(start, CUT_HEADER, end);
  const version = buf[start + 4];
  if (version !== FORMAT_VERSION) {
    fail(
      start,
      `it is of format version ${version}, and this library reads version ` +
        `${FORMAT_VERSION}; load it with the version of the library that dumped it`,
      start + 4,
    );
  }
  if (start + 5 >= end) return partial ? undefined : fail(start, CUT_HEADER, end);
  const flags = buf[start + 5];
  if (flags & ~KNOWN_FLAGS) {
    fail(start, `its header sets unknown flags (${flags & ~KNOWN_FLAGS}); ${CORRUPT}`, start + 5);
  }
  let rest = 0;
  let scale = 1;
  let p = start + 6;
  for (let i = 0;; i++) {
    if (i >= 8) fail(start, `its header's length runs over 8 bytes; ${CORRUPT}`, p);
    if (p >= end) return partial ? undefined : fail(start, CUT_HEADER, end);
    const b = buf[p++];
    rest += (b & 0x7f) * scale;
    if (b < 0x80) break;
    scale *= 128;
  }
  const mac = flags & FLAG_SIGNED ? MAC_BYTES : 0;
  if (rest < mac + 1) fail(start, `its body is empty; ${CORRUPT}`, p);
  const total = p - start + rest;
  if (!partial && start + total > end) {
    fail(
      start,
      `it is truncated (its header announces ${rest} bytes, ${end - p} present); ${WHOLE}`,
      end,
    );
  }
  if (!partial && start + total < end) {
    fail(
      start,
      `${end - start - total} unexpected bytes follow it; pass the bytes of one pickle ` +
        "(load reads pickles one after another from a stream)",
      start + total,
    );
  }
  return { flags, bodyStart: p - start, bodyEnd: p - start + rest - mac, total };
}
