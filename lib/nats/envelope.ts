/**
 * The envelopes that travel on NATS: a task (its id, where to reply, the pickled function
 * and arguments) and a result (the task's id, ok or not, the pickled value). Each is a
 * data-only pickle followed by its HMAC-SHA-256 under the shared key (unless the queue is
 * insecure); the receiving side checks the MAC before it decodes anything, then loads the
 * envelope without code, and only then the pickles inside it.
 *
 * @module
 */

import { createHmac, timingSafeEqual } from "node:crypto";
import { dumpsSync, loadsSync, UnpicklingError } from "../../mod.ts";

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

function mac(key: Uint8Array, body: Uint8Array): Uint8Array {
  return createHmac("sha256", key).update(body).digest();
}

/**
 * The envelope's bytes: its data-only pickle, followed by the HMAC-SHA-256 of the pickle
 * under `key` (no MAC when `key` is undefined). Synchronous: node:crypto's HMAC costs a
 * microsecond where WebCrypto's asynchronous one costs tens on Bun, twice per task.
 */
export function sealSync(value: object, key: Uint8Array | undefined): Uint8Array {
  const body = dumpsSync(value);
  if (key === undefined) return body;
  const out = new Uint8Array(body.length + MAC_BYTES);
  out.set(body);
  out.set(mac(key, body), body.length);
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
 * The envelope in `bytes`: the MAC checked first (with `key`), then the pickle loaded
 * without code. Throws an UnpicklingError when the MAC is missing or wrong.
 */
export function unsealSync<T>(bytes: Uint8Array, key: Uint8Array | undefined): T {
  let body = bytes;
  if (key !== undefined) {
    const end = bytes.length - MAC_BYTES;
    if (end <= 0) {
      throw new UnpicklingError("the envelope is too short to hold a signature", 0);
    }
    body = bytes.subarray(0, end);
    const want = mac(key, body);
    if (!timingSafeEqual(want, bytes.subarray(end))) {
      throw new UnpicklingError(
        "the envelope's signature (HMAC-SHA-256) does not match its bytes under this key",
        end,
      );
    }
  }
  return loadsSync<T>(body, { allowCode: false });
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
