/**
 * The reduce protocol: an object rebuilt on load by calling a function with arguments
 * (`[callable, args]`, optionally with a state to assign), as its `[reduce]()` method or the
 * caller's `reducerOverride` says.
 *
 * @module
 */

import * as T from "../format/tags.ts";
import { type Encoder, F_LIST, S_REDUCE } from "../pickle/encoder.ts";
import { PicklingError } from "../errors.ts";
import {
  reduce as REDUCE_SYMBOL,
  type Reduction,
  setState as SET_STATE,
} from "../pickle/options.ts";
import { constructs } from "./inspect.ts";
import { type DecodeFrame, type Decoder, HOLE, PENDING } from "../pickle/decoder.ts";
import { K_REDUCE } from "../pickle/decode_table.ts";
import { rememberBound } from "../code/loaded.ts";

const reflectApply = Reflect.apply;

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

const hasOwn = Object.hasOwn;

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
  // A bound function (written by bound.ts as `Reflect.apply(bind, target, [this, ...args])`):
  // what it was made of is remembered, so that it pickles again without the scope adapter.
  if (
    callable === reflectApply && typeof o === "function" && args.length === 3 &&
    args[0] === Function.prototype.bind && isArray(args[2])
  ) {
    const made = args[2] as unknown[];
    rememberBound(o, { target: args[1] as object, thisArg: made[0], args: made.slice(1) });
  }
  if (state !== undefined) {
    // A reducer that hands back a value the loading process had (`Object(Math)`) does not
    // get the pickle's state onto it.
    dec.checkOwned(o, at);
    try {
      const set = o !== null && (typeof o === "object" || typeof o === "function")
        ? (o as Record<symbol, unknown>)[SET_STATE]
        : undefined;
      if (typeof set === "function") set.call(o, state);
      else assignState(o as object, state);
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

/**
 * `Object.assign(o, state)`, except that an own `__proto__` key of the state (a pickle's
 * objects define their keys, so it can hold one) becomes an own property of `o` too, as
 * `structuredClone` and `JSON.parse` make it: assigned, it would call the
 * `Object.prototype.__proto__` setter and give `o` a prototype the pickle chose.
 */
function assignState(o: object, state: unknown): void {
  if (state === null || typeof state !== "object" || !hasOwn(state, "__proto__")) {
    Object.assign(o, state);
    return;
  }
  // Object.assign's steps: own enumerable keys in order, each value read then set.
  const from = state as Record<PropertyKey, unknown>;
  const to = o as Record<PropertyKey, unknown>;
  for (const key of Reflect.ownKeys(from)) {
    if (!Object.getOwnPropertyDescriptor(from, key)?.enumerable) continue;
    const value = from[key];
    if (key !== "__proto__") to[key] = value;
    else {
      Object.defineProperty(o, key, {
        value,
        writable: true,
        enumerable: true,
        configurable: true,
      });
    }
  }
}
