/**
 * The reduce protocol: a value rebuilt by calling a function (or constructing a class) with
 * arguments, then applying a state.
 *
 * @module
 */

import * as T from "../format/tags.ts";
import { type DecodeFrame, type Decoder, HOLE, PENDING } from "../pickle/decoder.ts";
import { K_REDUCE } from "../pickle/decode_table.ts";
import { setState as SET_STATE } from "../pickle/options.ts";

// Read side.

/** REDUCE: flags, then callable, arguments and state through a frame. */
export function readReduce(dec: Decoder, at: number): typeof PENDING {
  // Data only: a callable the allow-list admitted (checked when it is called).
  if (!dec.opts.allowCode && dec.opts.allow === undefined) dec.code(at);
  const flags = dec.r.byte();
  if (flags > 1) dec.corrupt("a reduce call's flags are out of range", at);
  const f = dec.push(K_REDUCE, null, 3);
  f.items = [undefined, undefined, undefined];
  f.extra = flags;
  f.slot = dec.memo.length;
  f.count = at;
  dec.memo.push(HOLE);
  return PENDING;
}

/** Finishes a reduce frame: calls the callable with its arguments, then applies the state. */
export function construct(dec: Decoder, f: DecodeFrame): unknown {
  const [callable, args, state] = f.items!;
  const at = f.count;
  if (typeof callable !== "function") dec.corrupt("a reduce call's callable is not a function", at);
  if (!dec.opts.allowCode && !dec.admitted.has(callable)) {
    dec.r.fail(
      "cannot call a function that LoadOptions.allow does not admit (allowCode: false) to " +
        "rebuild a value: admit the function by name, or load with allowCode: true",
      at,
    );
  }
  if (!Array.isArray(args)) dec.corrupt("a reduce call's arguments are not an array", at);
  let o: unknown;
  try {
    o = f.extra & T.REDUCE_CONSTRUCT
      ? Reflect.construct(callable, args)
      : Reflect.apply(callable, undefined, args);
  } catch (e) {
    return dec.r.fail(
      `cannot rebuild a value: its reducer ${callable.name || "(anonymous)"}() threw ` +
        `${String(e)}; fix the reducer, or load where it works`,
      at,
      e,
    );
  }
  if (state !== undefined) {
    try {
      const set = o !== null && (typeof o === "object" || typeof o === "function")
        ? (o as Record<symbol, unknown>)[SET_STATE]
        : undefined;
      if (typeof set === "function") set.call(o, state);
      else Object.assign(o as object, state);
    } catch (e) {
      return dec.r.fail(
        `cannot rebuild a value: applying its reducer's state threw ${String(e)}; ` +
          "fix its setState method",
        at,
        e,
      );
    }
  }
  dec.memo[f.slot] = o;
  return o;
}
