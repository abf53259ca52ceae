/**
 * The worker side of a pool, shared by thread and process workers: loads the function
 * (once per call and worker), runs the job, pickles the results or the error.
 *
 * @module
 */

import { decode, encode, encodeList, type Payload } from "./codec.ts";
import { CodeCache } from "../../mod.ts";
import type { ReplyMessage, RunMessage } from "./protocol.ts";

type Fn = (...args: unknown[]) => unknown;

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return (typeof v === "object" || typeof v === "function") && v !== null &&
    typeof (v as PromiseLike<unknown>).then === "function";
}

/** Pickles a thrown value; one that cannot be pickled becomes an Error saying so. */
async function encodeError(e: unknown, share: boolean): Promise<Payload> {
  try {
    return await encode(e, share, false);
  } catch (why) {
    const err = e instanceof Error ? e : undefined;
    const plain = new Error(
      `${err ? `${err.name}: ${err.message}` : String(e)} ` +
        `(the task's error could not be pickled: ${(why as Error)?.message ?? String(why)})`,
    );
    if (err?.stack !== undefined) plain.stack = err.stack;
    return await encode(plain, false, false);
  }
}

/** A worker's message handler: runs a job, or (`skip`) takes only what it carries for later. */
export interface Runner {
  (m: RunMessage): Promise<ReplyMessage & { t: "done" }>;
  /**
   * A job cancelled after it was sent: its function and definitions are kept all the same,
   * as the pool counts them sent (a later job of that function carries neither), and
   * nothing runs.
   */
  skip(m: RunMessage): Promise<void>;
}

/**
 * Returns the worker's message handler. `share`: SharedArrayBuffers travel by reference
 * (threads); `outOfBand`: result ArrayBuffers travel beside the pickle.
 */
export function createRunner(share: boolean, outOfBand: boolean): Runner {
  const fns = new Map<number, Fn>();
  // The worker's end of its channel: definitions the pool sent once, named by hash after.
  const codeCache = new CodeCache();
  const functionOf = async (m: RunMessage): Promise<Fn> => {
    if (m.drop !== undefined) { for (const d of m.drop) fns.delete(d); }
    let fn = fns.get(m.fnId);
    if (fn === undefined) {
      if (m.fn === undefined) throw new Error(`the pool sent no function ${m.fnId}`);
      if (m.defs !== undefined) { for (const d of m.defs) codeCache.add(d); }
      fn = await decode(m.fn, codeCache) as Fn;
      fns.set(m.fnId, fn);
    }
    return fn;
  };
  const runner = async (m: RunMessage): Promise<ReplyMessage & { t: "done" }> => {
    try {
      const fn = await functionOf(m);
      let items = decode(m.args) as unknown[] | Promise<unknown[]>;
      if (!Array.isArray(items)) items = await items;
      let results: unknown[];
      if (m.mode === 0) {
        let r = fn(...items);
        if (isThenable(r)) r = await r;
        results = [r];
      } else {
        results = new Array(items.length);
        for (let i = 0; i < items.length; i++) {
          let r = fn(items[i]);
          if (isThenable(r)) r = await r;
          results[i] = r;
        }
      }
      let value = encodeList(results, share, outOfBand);
      if (value instanceof Promise) value = await value;
      return { t: "done", id: m.id, ok: true, value };
    } catch (e) {
      return { t: "done", id: m.id, ok: false, value: await encodeError(e, share) };
    }
  };
  return Object.assign(runner, {
    async skip(m: RunMessage): Promise<void> {
      try {
        await functionOf(m);
      } catch {
        // A job of this function that runs later reports what failed.
      }
    },
  });
}
