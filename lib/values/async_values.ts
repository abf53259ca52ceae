/**
 * Promises: the async forms await them (in the prefetch pass) and write their outcome, which
 * loads as a promise settled the same way.
 *
 * @module
 */

import * as T from "../format/tags.ts";
import { type Encoder, F_LIST, S_PROMISE } from "../pickle/encoder.ts";
import { writeOther } from "../pickle/dispatch.ts";
import { extras } from "../pickle/properties.ts";
import { never } from "./inspect.ts";
import { types } from "node:util";
import type { DecodeFrame, Decoder } from "../pickle/decoder.ts";
import { K_PROMISE } from "../pickle/decode_table.ts";

// Write side.

/**
 * Writes a Promise: its own properties (a subclass's fields too) and integrity, if any, then
 * fulfilled or rejected, then its value (undefined until awaited).
 */
export function writePromise(enc: Encoder, o: object): void {
  if (!types.isPromise(o)) return writeOther(enc, o);
  if (!enc.async) {
    enc.fail(
      "cannot pickle a Promise with dumpsSync: its value is known only once it settles; use " +
        "the async dumps() or dump(), which await it",
    );
  }
  extras(enc, o, never);
  const s = enc.opts.settled?.get(o);
  enc.memo.set(o, enc.nextId++);
  if (s === undefined) enc.unsettled.push(o);
  enc.w.byte2(T.PROMISE, s?.kind === "rejected" ? 1 : 0);
  const value = s === undefined || s.kind === "bytes" ? undefined : s.value;
  enc.push(F_LIST, S_PROMISE, o, 1).items = [value];
}

// Read side.

const ignore = () => {};

/** PROMISE: its state, then its value or reason through a frame. */
export function readPromise(dec: Decoder, at: number): Promise<unknown> {
  dec.heavy(at, 2);
  const state = dec.r.byte();
  if (state > 1) dec.corrupt("a promise's state is neither fulfilled nor rejected", at);
  const { promise, resolve, reject } = Promise.withResolvers<unknown>();
  // A rejected promise is handed over as it was; marking it handled keeps the
  // runtime from reporting it before the caller gets to it, or at all when the load
  // fails and the promise is dropped (a fulfilled one may adopt a thenable that rejects).
  promise.catch(ignore);
  dec.memo.push(promise);
  const f = dec.push(K_PROMISE, promise, 1);
  f.extra = state;
  resolvers.set(promise, resolve);
  f.value = reject;
  return promise;
}

/** The value or reason of a promise's frame: settles the promise. */
export function deliverSettlement(dec: Decoder, f: DecodeFrame, v: unknown): void {
  if (f.extra === 1) {
    outcomes.set(f.target as Promise<unknown>, { fulfilled: false, value: v });
    (f.value as (v: unknown) => void)(v);
  } else if (types.isPromise(v)) {
    // A fulfilled promise never holds a promise (it would have adopted its state):
    // only a hand-made pickle says so, e.g. a promise fulfilled with itself.
    dec.corrupt("a fulfilled promise cannot hold a promise");
  } else if (v !== null && (typeof v === "object" || typeof v === "function")) {
    // Settled once the load has built it (its properties are still to come now): see
    // settlePromises.
    dec.settle.push(f.target, v, dec.r.pos);
  } else fulfil(f.target as Promise<unknown>, v);
}

/** How each promise a load made was settled (by the pickle, not by calling its `then`). */
const outcomes = new WeakMap<Promise<unknown>, { fulfilled: boolean; value: unknown }>();
/** The resolve functions of the promises a load made. */
const resolvers = new WeakMap<Promise<unknown>, (v: unknown) => void>();

function fulfil(p: Promise<unknown>, v: unknown): void {
  outcomes.set(p, { fulfilled: true, value: v });
  resolvers.get(p)!(v);
}

/**
 * How promise `p` was settled, when a load made it: read without calling anything of `p`
 * (a loaded promise may have an own `then` or `constructor`, which `await` would use).
 */
export function loadedOutcome(
  p: Promise<unknown>,
): { fulfilled: boolean; value: unknown } | undefined {
  return outcomes.get(p);
}

/**
 * Fulfils the promises of a load whose values are objects, once every value is built. No
 * such value may be a thenable: resolving with one adopts it, calling its `then` (an admitted
 * built-in, say) outside any reducer, and the promise would settle as that call decides, or
 * never; a fulfilled promise never holds one.
 */
export function settlePromises(dec: Decoder): void {
  const list = dec.settle;
  for (let i = 0; i < list.length; i += 3) {
    if (isThenable(list[i + 1])) {
      dec.corrupt("a fulfilled promise holds a thenable", list[i + 2] as number);
    }
  }
  for (let i = 0; i < list.length; i += 3) fulfil(list[i] as Promise<unknown>, list[i + 1]);
}

/** Whether resolving a promise with `v` (or awaiting `v`) would call a `then` of it. */
export function isThenable(v: unknown): boolean {
  if (v === null || (typeof v !== "object" && typeof v !== "function")) return false;
  try {
    return typeof (v as { then?: unknown }).then === "function";
  } catch {
    // A getter that throws: resolving would reject the promise with that error.
    return true;
  }
}
