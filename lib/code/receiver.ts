/**
 * Arrow functions over the enclosing `this` that a class stores on its instance: a field
 * `scale = (x) => x * this.rate`, or `this.add = (x) => x + this.rate` in its constructor or a
 * method. The runtimes do not show an arrow's `this`, but such an arrow is found as the value
 * of that property of an instance, and its class's source shows that it was made there, with
 * that instance as `this`. Such an arrow is pickled as a closure over that instance: its
 * source with the enclosing `this` renamed to a captured variable ({@linkcode RECEIVER}), whose
 * value is the instance. Loaded, it runs as it did, and pickles again as an ordinary closure.
 *
 * Code that Bun's preload or the loader instrumented shows an arrow's `this` exactly: its scope
 * records hold the `this` of the scope the arrow reads it from (see instrument.ts). There, an
 * arrow over `this` is such a closure wherever it is held (a list, an object, a task queue).
 *
 * @module
 */

import type { Encoder } from "../pickle/encoder.ts";
import { type Analysis, analyze } from "./analyze.ts";
import { thisOfRecords } from "../runtime/instrumented.ts";
import { syncModuleThis } from "../runtime/detect.ts";
import { pushedOnto, storesInLiteral } from "./literal_receiver.ts";

/** The captured variable that stands for the enclosing `this` in a rewritten arrow. */
export const RECEIVER = "$cpThis";

const fnToString = Function.prototype.toString;
const getOwnPropertyDescriptor = Object.getOwnPropertyDescriptor;
const getPrototypeOf = Object.getPrototypeOf;
const isArray = Array.isArray;
const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;
/** Longest text looked at before an arrow's source in its class's source. */
const LOOK_BACK = 160;
/** Most object literals between an instance and an arrow over its `this`. */
const MAX_NESTING = 8;

/** An arrow over `this`, as a closure over its receiver. */
export interface WithReceiver {
  readonly source: string;
  readonly an: Analysis;
  /** The enclosing `this` (boxed: it may be undefined or any primitive). */
  readonly receiver: { readonly value: unknown };
}

/**
 * `fn` (an arrow over the enclosing `this`, with source `source` and analysis `an`) as a
 * closure over the instance it was made for, when the walk of `enc` meets it as a property
 * of that instance that its class's source assigns it to; undefined otherwise.
 */
export function withReceiver(
  enc: Encoder,
  fn: object,
  source: string,
  an: Analysis,
): WithReceiver | undefined {
  if (an.usesSuper || an.lexicalArguments || an.lexicalThisAt.length === 0) return undefined;
  if (source.includes(RECEIVER)) return undefined;
  // Code the Bun preload or the loader instrumented records the `this` of every scope whose
  // arrows read it: that is exact. Else the instance holding the arrow, found as below.
  const receiver = thisOfRecords(fn) ?? instanceHolding(enc, fn) ?? moduleThis(fn);
  if (receiver === undefined) return undefined;
  let text = source;
  const at = [...an.lexicalThisAt].sort((a, b) => b - a);
  for (const p of at) {
    if (p < 0 || text.slice(p, p + 4) !== "this") return undefined;
    text = text.slice(0, p) + RECEIVER + text.slice(p + 4);
  }
  const rewritten = analyze(text);
  if (rewritten.lexicalThis || !rewritten.free.includes(RECEIVER)) return undefined;
  return { source: text, an: rewritten, receiver };
}

/** `undefined`, boxed, when `fn` reads the `this` of an ES module's top level. */
function moduleThis(fn: object): { value: unknown } | undefined {
  return syncModuleThis()?.(fn) === true ? { value: undefined } : undefined;
}

/** The instance whose property the walk is writing `fn` as, when its class made it there. */
function instanceHolding(enc: Encoder, fn: object): { value: unknown } | undefined {
  const holder = holderOf(enc, fn);
  if (holder === undefined) return undefined;
  let raw: string;
  try {
    raw = fnToString.call(fn);
  } catch {
    return undefined;
  }
  if (madeFor(holder.object, holder.key, raw)) return { value: holder.object };
  // An array the instance holds, which its class's code pushes the arrow onto:
  // `this.handlers.push((e) => this.on(e))`.
  if (isArray(holder.object)) {
    const outer = holderBelow(enc, holder.object, enc.top);
    if (outer !== undefined) {
      for (const src of classSources(outer.object)) {
        if (pushedOnto(src, raw, outer.key)) return { value: outer.object };
      }
    }
  }
  // Object literals the class stores on its instance, holding the arrow:
  // `this["~standard"] = { validate: (d) => this.check(d) }` (zod's schemas), nested deeper.
  const keys = [holder.key];
  let inner = holder.object;
  let t = enc.top;
  for (let depth = 0; depth < MAX_NESTING; depth++) {
    const outer = holderBelow(enc, inner, t);
    if (outer === undefined) return undefined;
    keys.unshift(outer.key);
    for (const src of classSources(outer.object)) {
      if (storesInLiteral(src, raw, keys)) return { value: outer.object };
    }
    inner = outer.object;
    t = outer.frame;
  }
  return undefined;
}

/**
 * The object of the nearest frame below frame `top` that is not `inner`, with the key of its
 * own property holding `inner`; undefined if that object does not hold it.
 */
function holderBelow(
  enc: Encoder,
  inner: object,
  top: number,
): { object: object; key: string; frame: number } | undefined {
  for (let t = top - 1; t >= 0; t--) {
    const o = enc.frames[t].obj;
    if (o === null || typeof o !== "object" || o === inner) continue;
    const key = keyHolding(o, inner);
    return key === undefined ? undefined : { object: o, key, frame: t };
  }
  return undefined;
}

/** The object whose property the walk is writing `fn` as, and that property's key. */
function holderOf(enc: Encoder, fn: object): { object: object; key: string } | undefined {
  const frame = enc.frames[enc.top];
  const o = frame?.obj;
  if (o === null || typeof o !== "object" || o === fn) return undefined;
  const key = keyHolding(o, fn);
  return key === undefined ? undefined : { object: o, key };
}

/** The enumerable string key of `o` whose own data property holds `value`. */
function keyHolding(o: object, value: unknown): string | undefined {
  let keys: string[];
  try {
    keys = Object.keys(o);
  } catch {
    return undefined;
  }
  for (const key of keys) {
    const d = getOwnPropertyDescriptor(o, key);
    if (d !== undefined && "value" in d && d.value === value) return key;
  }
  return undefined;
}

/**
 * Whether a class of the prototype chain of `o` assigns the arrow of source text `raw` to
 * property `key` of its instances: a field `key = <raw>` or `this.key = <raw>`.
 */
function madeFor(o: object, key: string, raw: string): boolean {
  if (!IDENTIFIER.test(key)) return false;
  const k = key.replace(/\$/g, "\\$");
  // (Bun's preload wraps an arrow that captures variables: `$cp$n($cp$a, { key: <raw> }, …)`.)
  const assigned = new RegExp(
    `(?:\\bthis\\s*\\.\\s*${k}|(?:^|[\\s;{}])${k})\\s*=\\s*` +
      `(?:\\$cp\\$[a-z]\\(\\s*\\$cp\\$\\w+\\s*,\\s*(?:\\{\\s*${k}\\s*:\\s*)?)?$`,
  );
  for (const src of classSources(o)) {
    for (let at = src.indexOf(raw); at > 0; at = src.indexOf(raw, at + 1)) {
      if (assigned.test(src.slice(Math.max(0, at - LOOK_BACK), at))) return true;
    }
  }
  return false;
}

/** The source texts of the classes of the prototype chain of `o`, nearest first. */
function* classSources(o: object): Generator<string> {
  for (let p = getPrototypeOf(o); p !== null && p !== Object.prototype; p = getPrototypeOf(p)) {
    const d = getOwnPropertyDescriptor(p, "constructor");
    const c = d !== undefined && "value" in d ? d.value : undefined;
    if (typeof c !== "function") continue;
    try {
      yield fnToString.call(c);
    } catch {
      continue;
    }
  }
}
