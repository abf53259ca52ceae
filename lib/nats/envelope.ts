/**
 * The envelopes that travel on NATS: a task (its id, where to reply, the pickled function
 * and arguments) and a result (the task's id, ok or not, the pickled value). Each is JSON
 * and bytes (no code) followed by its HMAC-SHA-256 under the shared key (unless the queue
 * is insecure); the receiving side checks the MAC before it reads anything, then reads the
 * envelope, and only then loads the pickles inside it.
 *
 * @module
 */

import { createHmac, timingSafeEqual } from "node:crypto";
import { UnpicklingError } from "../../mod.ts";

/** A task as the client sends it. */
export interface TaskEnvelope {
  v: 1;
  /** Unique; also the message's `Nats-Msg-Id` (the server's de-duplication). */
  id: string;
  /** Milliseconds since the epoch when the client sent it (refused as a replay when old). */
  issued: number;
  /** Subject of the result. */
  reply: string;
  /** The function's name, for messages. */
  name: string;
  /** SHA-256 of `fn`, hex: workers keep loaded functions under it. */
  fnKey: string;
  fn: Uint8Array;
  /** 0: `fn(...args)`; 1: `fn(item)` for each item. */
  mode: 0 | 1;
  args: Uint8Array;
}

/** A result as a worker sends it. */
export interface ResultEnvelope {
  v: 1;
  id: string;
  ok: boolean;
  /** The pickled list of results, or the pickled error. */
  value: Uint8Array;
  /** Who ran it (host and pid), for messages. */
  worker: string;
}

/** Cancellations as a client sends them. */
export interface CancelEnvelope {
  v: 1;
  ids: string[];
}

/** Bytes of the HMAC-SHA-256 that ends a signed envelope. */
const MAC_BYTES = 32;

/** The first bytes of an envelope: "cpe" and the layout's version. */
const MAGIC = [0x63, 0x70, 0x65, 1];

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder("utf-8", { fatal: true });

function mac(key: Uint8Array, body: Uint8Array): Uint8Array {
  return createHmac("sha256", key).update(body).digest();
}

/**
 * The envelope's bytes: `MAGIC`, the length (u32, little-endian) and UTF-8 JSON of its plain
 * fields, then each byte field (named in the JSON's `$b`) as a u32 length and its bytes;
 * followed by the HMAC-SHA-256 of all that under `key` (none when `key` is undefined).
 * Envelopes hold strings, numbers, booleans, lists of strings and bytes only, so JSON and
 * raw bytes carry them at a fraction of a pickle's cost; node:crypto's HMAC is synchronous
 * and costs a microsecond where WebCrypto's costs tens on Bun.
 */
export function sealSync(value: object, key: Uint8Array | undefined): Uint8Array {
  const plain: Record<string, unknown> = {};
  const names: string[] = [];
  const parts: Uint8Array[] = [];
  let size = 0;
  for (const [k, v] of Object.entries(value)) {
    if (v instanceof Uint8Array) {
      names.push(k);
      parts.push(v);
      size += 4 + v.length;
    } else if (v !== undefined) plain[k] = v;
  }
  if (names.length > 0) plain.$b = names;
  const json = utf8.encode(JSON.stringify(plain));
  size += 8 + json.length;
  const out = new Uint8Array(size + (key === undefined ? 0 : MAC_BYTES));
  const view = new DataView(out.buffer);
  out.set(MAGIC);
  view.setUint32(4, json.length, true);
  out.set(json, 8);
  let at = 8 + json.length;
  for (const p of parts) {
    view.setUint32(at, p.length, true);
    out.set(p, at + 4);
    at += 4 + p.length;
  }
  if (key !== undefined) out.set(mac(key, out.subarray(0, size)), size);
  return out;
}

/** {@linkcode sealSync}, as a promise. */
export function seal(value: object, key: Uint8Array | undefined): Promise<Uint8Array> {
  try {
    return Promise.resolve(sealSync(value, key));
  } catch (e) {
    return Promise.reject(e);
  }
}

/**
 * The envelope in `bytes`: the MAC checked first (with `key`), then its fields read (no
 * code runs: JSON and bytes). Throws an UnpicklingError when the MAC is missing or wrong,
 * or the bytes are no envelope.
 */
export function unsealSync<T>(bytes: Uint8Array, key: Uint8Array | undefined): T {
  let end = bytes.length;
  if (key !== undefined) {
    end -= MAC_BYTES;
    if (end < 8) throw new UnpicklingError("the envelope is too short to hold a signature", 0);
    const want = mac(key, bytes.subarray(0, end));
    if (!timingSafeEqual(want, bytes.subarray(end, end + MAC_BYTES))) {
      throw new UnpicklingError(
        "the envelope's signature (HMAC-SHA-256) does not match its bytes under this key",
        end,
      );
    }
  }
  const bad = (why: string, at: number): never => {
    throw new UnpicklingError(`the bytes are not a task queue envelope: ${why}`, at);
  };
  if (end < 8 || MAGIC.some((b, i) => bytes[i] !== b)) bad("its first bytes are wrong", 0);
  const view = new DataView(bytes.buffer, bytes.byteOffset, end);
  const jsonEnd = 8 + view.getUint32(4, true);
  if (jsonEnd > end) bad("its fields run past its end", 4);
  let value: Record<string, unknown>;
  try {
    value = JSON.parse(fromUtf8.decode(bytes.subarray(8, jsonEnd)));
  } catch (e) {
    return bad(`its fields do not read (${(e as Error).message})`, 8);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    bad("its fields are not an object", 8);
  }
  const names = value.$b ?? [];
  delete value.$b;
  if (!Array.isArray(names)) bad("its list of byte fields is not a list", 8);
  let at = jsonEnd;
  for (const name of names as unknown[]) {
    if (typeof name !== "string" || !/^[A-Za-z]{1,32}$/.test(name)) bad("a field name", 8);
    if (at + 4 > end) bad("a byte field runs past its end", at);
    const length = view.getUint32(at, true);
    if (at + 4 + length > end) bad("a byte field runs past its end", at);
    value[name as string] = bytes.slice(at + 4, at + 4 + length);
    at += 4 + length;
  }
  if (at !== end) bad("bytes follow its last field", at);
  return value as T;
}

/** {@linkcode unsealSync}, as a promise. */
export function unseal<T>(bytes: Uint8Array, key: Uint8Array | undefined): Promise<T> {
  try {
    return Promise.resolve(unsealSync<T>(bytes, key));
  } catch (e) {
    return Promise.reject(e);
  }
}

/** SHA-256 of `bytes`, hex. */
export async function sha256(bytes: Uint8Array): Promise<string> {
  const d = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>));
  let s = "";
  for (const b of d) s += b.toString(16).padStart(2, "0");
  return s;
}
