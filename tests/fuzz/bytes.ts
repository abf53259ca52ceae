/**
 * Byte-level helpers shared by the fuzz generator and mutator: a growable byte builder, LEB128
 * varints, the pickle header, and HMAC signing of a body (so mutated and generated pickles can
 * pass the signature check and reach the decoder).
 *
 * @module
 */

import { FLAG_SIGNED, FORMAT_VERSION, MAC_BYTES, MAGIC } from "../../lib/format/tags.ts";

/** Appends bytes; `out()` gives the result. */
export class Bytes {
  buf: number[] = [];
  u8(b: number): this {
    this.buf.push(b & 0xff);
    return this;
  }
  all(bytes: ArrayLike<number>): this {
    for (let i = 0; i < bytes.length; i++) this.buf.push(bytes[i] & 0xff);
    return this;
  }
  varint(n: number): this {
    this.buf.push(...varint(n));
    return this;
  }
  u32(n: number): this {
    return this.u8(n).u8(n >>> 8).u8(n >>> 16).u8(n >>> 24);
  }
  f64(x: number): this {
    const b = new Uint8Array(new Float64Array([x]).buffer);
    return this.all(b);
  }
  get length(): number {
    return this.buf.length;
  }
  out(): Uint8Array {
    return Uint8Array.from(this.buf);
  }
}

/** Unsigned LEB128 of a safe integer (at most 8 bytes). */
export function varint(n: number): number[] {
  const out: number[] = [];
  n = Math.max(0, Math.floor(n));
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0 && out.length < 8);
  return out;
}

/** Reads a varint at `at`; undefined when malformed. */
export function readVarint(
  bytes: Uint8Array,
  at: number,
): { value: number; end: number } | undefined {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < 8 && at + i < bytes.length; i++) {
    const b = bytes[at + i];
    value += (b & 0x7f) * scale;
    scale *= 128;
    if ((b & 0x80) === 0) return { value, end: at + i + 1 };
  }
  return undefined;
}

/** A pickle: header (magic, version, flags, length) then `body`; `extra` is added to the length. */
export function frame(
  flags: number,
  body: ArrayLike<number>,
  version = FORMAT_VERSION,
): Uint8Array {
  const b = new Bytes().all(MAGIC).u8(version).u8(flags);
  const signed = (flags & FLAG_SIGNED) !== 0;
  b.varint(body.length + (signed ? MAC_BYTES : 0)).all(body);
  return b.out();
}

/** Splits a pickle into header fields and body (without MAC); undefined when the header is bad. */
export function unframe(
  bytes: Uint8Array,
): { version: number; flags: number; body: Uint8Array } | undefined {
  if (bytes.length < 7) return undefined;
  const len = readVarint(bytes, 6);
  if (len === undefined) return undefined;
  const signed = (bytes[5] & FLAG_SIGNED) !== 0;
  const end = Math.min(bytes.length, len.end + len.value) - (signed ? MAC_BYTES : 0);
  if (end < len.end) return undefined;
  return { version: bytes[4], flags: bytes[5], body: bytes.slice(len.end, end) };
}

/** The fixed key every signed fuzz pickle uses. */
export const FUZZ_KEY: Uint8Array = Uint8Array.from({ length: 32 }, (_, i) => (i * 37 + 11) & 0xff);

let cryptoKey: Promise<CryptoKey> | undefined;

/** `bytes` followed by their HMAC-SHA-256 under FUZZ_KEY. */
export async function sign(bytes: Uint8Array): Promise<Uint8Array> {
  cryptoKey ??= crypto.subtle.importKey(
    "raw",
    FUZZ_KEY.slice(),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const mac = new Uint8Array(
    await crypto.subtle.sign("HMAC", await cryptoKey, bytes as Uint8Array<ArrayBuffer>),
  );
  const out = new Uint8Array(bytes.length + MAC_BYTES);
  out.set(bytes);
  out.set(mac, bytes.length);
  return out;
}

/** Lower-case hex of `bytes`. */
export function hex(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += b.toString(16).padStart(2, "0");
  return s;
}

/** Bytes of a hex string. */
export function unhex(s: string): Uint8Array {
  const out = new Uint8Array(s.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.slice(2 * i, 2 * i + 2), 16);
  return out;
}
