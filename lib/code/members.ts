/**
 * Which own properties of a function, a class and its prototype a pickle must carry: what
 * the function's source gives back on load (a pristine prototype, the members a class body
 * defines) is left out.
 *
 * @module
 */

import { type Analysis, analyze } from "./analyze.ts";
import { types } from "node:util";
import { originalSource } from "./private_state.ts";
import { loadedFunction } from "./loaded.ts";
import { withoutInstrumentation } from "./uninstrument.ts";

const getOwnPropertyDescriptor = Object.getOwnPropertyDescriptor;
const getPrototypeOf = Object.getPrototypeOf;
const isExtensible = Object.isExtensible;
const fnToString = Function.prototype.toString;
const OBJECT_PROTO = Object.prototype;

/** The private instance fields a class by value declares; undefined without private members. */
export function privateFieldsOf(cls: object): readonly string[] | undefined {
  let src: string;
  try {
    src = loadedFunction(cls)?.source ?? originalSource(cls) ??
      withoutInstrumentation(fnToString.call(cls));
  } catch {
    return undefined;
  }
  if (!src.startsWith("class")) return undefined;
  const an = analyze(src);
  return an.privateNames.length > 0 ? an.privateFields : undefined;
}

/** A function's own `prototype` object (one whose `constructor` is the function), if any. */
export function ownPrototype(fn: object): object | undefined {
  const d = getOwnPropertyDescriptor(fn, "prototype");
  const p = d !== undefined && "value" in d ? d.value : undefined;
  if (p === null || typeof p !== "object") return undefined;
  return constructorOf(p) === fn ? p : undefined;
}

/** The function whose own `prototype` is `o` (through `o.constructor`), if any. */
export function constructorOf(o: object): object | undefined {
  const d = getOwnPropertyDescriptor(o, "constructor");
  const c = d !== undefined && "value" in d ? d.value : undefined;
  if (typeof c !== "function") return undefined;
  const pd = getOwnPropertyDescriptor(c, "prototype");
  return pd !== undefined && pd.value === o ? c : undefined;
}

export function isNative(fn: object): boolean {
  try {
    return /\{\s*\[native code\]\s*\}\s*$/.test(fnToString.call(fn));
  } catch {
    return true;
  }
}

const COMPUTED_MEMBER = /^(?:static\s+)?(?:async\s*)?(?:\*\s*)?(?:get\s+|set\s+)?\[/;

/**
 * True when property `key` holds what the class body in `source` defines: a member with that
 * name, or (when the body has computed members) a computed member, whose functions' text is
 * in the body.
 */
export function bodyDefined(
  key: string | symbol,
  d: PropertyDescriptor,
  source: string,
  names: ReadonlySet<string>,
  computed: boolean,
): boolean {
  const named = typeof key === "string" && names.has(key);
  if (!named && !computed) return false;
  const fns = "value" in d ? [d.value] : [d.get, d.set];
  for (const f of fns) {
    if (f === undefined) continue;
    if (typeof f !== "function") return false;
    let text: string;
    try {
      // (A loaded class's members may be instrumented: see loaded_instrument.ts.)
      text = withoutInstrumentation(fnToString.call(f));
    } catch {
      return false;
    }
    if (!source.includes(text)) return false;
    if (!named && !COMPUTED_MEMBER.test(text)) return false;
  }
  return true;
}

/**
 * Own keys of a function worth pickling: its `prototype` goes in a list of its own (or is
 * pristine), and a class's methods defined by its body come back with the body.
 */
export function functionKeys(
  fn: object,
  an: Analysis,
  source: string,
  hasOwnPrototype: boolean,
): (string | symbol)[] {
  const keys: (string | symbol)[] = [];
  const isClass = an.form === "class";
  for (const k of Reflect.ownKeys(fn)) {
    const d = getOwnPropertyDescriptor(fn, k)!;
    if ((k === "arguments" || k === "caller") && !("value" in d)) continue;
    if (k === "prototype" && (isClass || hasOwnPrototype || isPristinePrototype(fn, d.value))) {
      continue;
    }
    if (isClass && bodyDefined(k, d, source, an.members.statics, an.members.computed)) continue;
    keys.push(k);
  }
  return keys;
}

/** Keys of a function's own prototype object worth pickling. */
export function prototypeKeys(
  fn: object,
  proto: object,
  an: Analysis,
  source: string,
): (string | symbol)[] {
  const keys: (string | symbol)[] = [];
  for (const k of Reflect.ownKeys(proto)) {
    const d = getOwnPropertyDescriptor(proto, k)!;
    if (k === "constructor" && d.value === fn) continue;
    if (an.form === "class" && bodyDefined(k, d, source, an.members.proto, an.members.computed)) {
      continue;
    }
    keys.push(k);
  }
  return keys;
}

/** True when `proto` is what a function of its kind gets at creation, untouched. */
export function isPristinePrototype(fn: object, proto: unknown): boolean {
  if (proto === null || typeof proto !== "object" || !isExtensible(proto)) return false;
  const keys = Reflect.ownKeys(proto);
  if (getPrototypeOf(proto) === OBJECT_PROTO) {
    if (keys.length !== 1 || keys[0] !== "constructor") return false;
    const d = getOwnPropertyDescriptor(proto, "constructor")!;
    return d.value === fn && d.writable === true && !d.enumerable && d.configurable === true;
  }
  // Generators: an empty object inheriting from %GeneratorPrototype% (or the async one).
  const intrinsic = (getPrototypeOf(fn) as { prototype?: unknown }).prototype;
  return keys.length === 0 && getPrototypeOf(proto) === intrinsic;
}

/** Stands for a [[Prototype]] that evaluating the source again does not determine. */
export const UNKNOWN: unique symbol = Symbol("unknown");

const FUNCTION_PROTO = Function.prototype;
const ASYNC_PROTO = getPrototypeOf(async function () {});
const GENERATOR_PROTO = getPrototypeOf(function* () {});
const ASYNC_GENERATOR_PROTO = getPrototypeOf(async function* () {});

/**
 * The [[Prototype]] of function `fn` and that of its own `prototype` object as evaluating its
 * source again gives them. `parent` is the value the `extends` identifier of a class will hold
 * on load (UNKNOWN when none is known).
 */
export function sourcePrototypes(
  fn: object,
  an: Analysis,
  parent: unknown,
): [unknown, unknown] {
  if (an.form !== "class") {
    const isGen = types.isGeneratorFunction(fn);
    const own = types.isAsyncFunction(fn)
      ? (isGen ? ASYNC_GENERATOR_PROTO : ASYNC_PROTO)
      : (isGen ? GENERATOR_PROTO : FUNCTION_PROTO);
    return [own, isGen ? (own as { prototype: unknown }).prototype : OBJECT_PROTO];
  }
  switch (an.heritageKind) {
    case "none":
      return [FUNCTION_PROTO, OBJECT_PROTO];
    case "null":
      return [FUNCTION_PROTO, null];
    case "identifier": {
      if (typeof parent !== "function") return [UNKNOWN, UNKNOWN];
      const p = (parent as { prototype?: unknown }).prototype;
      return [parent, p === null || typeof p === "object" ? p : UNKNOWN];
    }
    default:
      return [UNKNOWN, UNKNOWN];
  }
}
