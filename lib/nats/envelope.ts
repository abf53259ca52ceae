/**
 * The envelopes that travel on NATS: a task (its id, where to reply, the pickled function
 * and arguments) and a result (the task's id, ok or not, the pickled value). Each is a
 * data-only pickle, signed with the shared key unless the queue is insecure; the receiving
 * side checks the signature before it decodes anything, then loads the envelope without
 * code, and only then the pickles inside it.
 *
 * @module
 */

import { dumps, dumpsSync, loads } from "../../mod.ts";

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

/** The envelope's bytes, signed with `key` (unsigned when undefined). */
export function seal(value: object, key: Uint8Array | undefined): Promise<Uint8Array> {
  if (key === undefined) return Promise.resolve(dumpsSync(value));
  return dumps(value, { signingKey: key });
}

/**
 * The envelope in `bytes`: the signature checked first (with `key`), then loaded without
 * code. Throws an UnpicklingError when the signature is missing or wrong.
 */
export function unseal<T>(bytes: Uint8Array, key: Uint8Array | undefined): Promise<T> {
  return loads<T>(
    bytes,
    key === undefined ? { allowCode: false } : {
      allowCode: false,
      signingKey: key,
    },
  );
}

/** SHA-256 of `bytes`, hex. */
export async function sha256(bytes: Uint8Array): Promise<string> {
  const d = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>));
  let s = "";
  for (const b of d) s += b.toString(16).padStart(2, "0");
  return s;
}
