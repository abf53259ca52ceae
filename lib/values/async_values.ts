/**
 * Promises: the async forms await them (in the prefetch pass) and write their outcome, which
 * loads as a promise settled the same way.
 *
 * @module
 */

import * as T from "../format/tags.ts";
import { type Encoder, F_LIST, S_PROMISE } from "../pickle/encoder.ts";
import { writeOther } from "../pickle/dispatch.ts";
import { types } from "node:util";

// Write side.

/** Writes a Promise: fulfilled or rejected, then its value (undefined until awaited). */
export function writePromise(enc: Encoder, o: object): void {
  if (!types.isPromise(o)) return writeOther(enc, o);
  if (!enc.async) {
    enc.fail(
      "cannot pickle a Promise with dumpsSync: its value is known only once it settles; use " +
        "the async dumps() or dump(), which await it",
    );
  }
  const s = enc.opts.settled?.get(o);
  enc.memo.set(o, enc.nextId++);
  if (s === undefined) enc.unsettled.push(o);
  enc.w.byte2(T.PROMISE, s?.kind === "rejected" ? 1 : 0);
  const value = s === undefined || s.kind === "bytes" ? undefined : s.value;
  enc.push(F_LIST, S_PROMISE, o, 1).items = [value];
}
