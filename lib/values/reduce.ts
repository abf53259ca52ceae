/**
 * The reduce protocol: an object rebuilt on load by calling a function with arguments
 * (`[callable, args]`, optionally with a state to assign), as its `[reduce]()` method or the
 * caller's `reducerOverride` says.
 *
 * @module
 */

import * as T from "../format/tags.ts";
import { type Encoder, F_LIST, S_REDUCE } from "../pickle/encoder.ts";
import { PicklingError } from "../pickle/errors.ts";
import { reduce as REDUCE_SYMBOL, type Reduction } from "../pickle/options.ts";
import { constructs } from "./inspect.ts";

// Write side.

const isArray = Array.isArray;

/** Writes `o` as `reducerOverride` reduces it; false when the hook leaves it alone. */
export function writeOverride(enc: Encoder, o: object): boolean {
  const hook = enc.opts.reducerOverride;
  if (hook === undefined) return false;
  let r: Reduction | undefined;
  try {
    r = hook(o);
  } catch (e) {
    if (e instanceof PicklingError) throw e;
    enc.fail("cannot pickle this value: reducerOverride threw (see the cause)", e);
  }
  if (r === undefined) return false;
  writeReduction(enc, o, r);
  return true;
}

/** Writes `o` as its `[reduce]()` method reduces it; false when it has none. */
export function writeReduceMethod(enc: Encoder, o: object): boolean {
  const r = (o as Record<symbol, unknown>)[REDUCE_SYMBOL];
  if (typeof r !== "function") return false;
  let red: unknown;
  try {
    red = r.call(o);
  } catch (e) {
    enc.fail("cannot pickle this object: its [reduce]() method threw (see the cause)", e);
  }
  writeReduction(enc, o, red as Reduction);
  return true;
}

/** Writes `o` as the call `r` describes: [callable, args] or [callable, args, state]. */
export function writeReduction(enc: Encoder, o: object, r: Reduction): void {
  const bad = "cannot pickle this object: its reducer returned ";
  const shape = "; return [callable, args] or [callable, args, state]";
  if (!isArray(r) || r.length < 2 || r.length > 3) {
    enc.fail(bad + "something other than a list of two or three items" + shape);
  }
  const [callable, args, state] = r;
  if (typeof callable !== "function") enc.fail(bad + "a callable that is not a function" + shape);
  if (!isArray(args)) enc.fail(bad + "args that are not an array" + shape);
  enc.memo.set(o, enc.nextId++);
  enc.flags |= T.FLAG_CODE;
  enc.w.byte2(
    T.REDUCE,
    constructs(callable as (...args: unknown[]) => unknown) ? T.REDUCE_CONSTRUCT : 0,
  );
  const f = enc.push(F_LIST, S_REDUCE, o, 3);
  f.items = [callable, Array.from(args), state];
  f.reducing = o;
  enc.reducing++;
}
