/**
 * Errors beyond the standard constructors: `DOMException` (whose name, message and code live
 * in internal slots) and errors of classes one runtime defines (Deno's `Deno.errors.NotFound`,
 * Bun's `ResolveMessage`), which must load in the other runtime too, as the nearest standard
 * error with the same name, message, stack and properties.
 *
 * @module
 */

import * as T from "../format/tags.ts";
import { globalPathOf, resolveGlobalPath } from "../code/globals.ts";
import { constructorOf, isNative } from "../code/members.ts";
import * as K from "./kinds.ts";
import { isBranded, stackAsData } from "./inspect.ts";
import { DOMExceptionClass, INTRINSICS } from "./intrinsics.ts";
import { types } from "node:util";
import type { Encoder } from "../pickle/encoder.ts";
import { propsFrame } from "../pickle/properties.ts";
import { writeOther } from "../pickle/dispatch.ts";
import { type Decoder, NOT_DONE } from "../pickle/decoder.ts";
import { K_PROPS } from "../pickle/decode_table.ts";
import { admits } from "../pickle/allow.ts";

// Write side.

/** Writes an error of a standard class (`kind` says which), or a DOMException. */
export function writeError(enc: Encoder, o: object, kind: number): void {
  const type = kind - K.K_ERROR;
  if (type === T.ERROR_DOM_EXCEPTION) {
    writeDOMException(enc, o);
    return;
  }
  if (!types.isNativeError(o)) {
    writeOther(enc, o);
    return;
  }
  enc.memo.set(o, enc.nextId++);
  enc.w.byte2(T.ERROR, type);
  propsFrame(enc, o, Reflect.ownKeys(o), stackAsData);
}

/** A DOMException: its message and name (internal slots), then its own properties. */
function writeDOMException(enc: Encoder, e: object): void {
  if (!isDOMException(e)) {
    writeOther(enc, e);
    return;
  }
  enc.memo.set(e, enc.nextId++);
  const w = enc.w;
  w.byte2(T.ERROR, T.ERROR_DOM_EXCEPTION);
  w.string((e as Error).message);
  w.string((e as Error).name);
  propsFrame(enc, e, domExceptionKeys(e), stackAsData);
}

/**
 * An error of a class the runtime defines (`Deno.errors.NotFound`, Bun's `ResolveMessage`):
 * the nearest standard constructor, the class's path, and its properties, so that it loads
 * in a runtime without that class too. False when `e` is not one.
 */
export function writeHostError(enc: Encoder, e: Error, proto: object): boolean {
  const host = hostErrorOf(e, proto);
  if (host === undefined) return false;
  enc.memo.set(e, enc.nextId++);
  enc.w.byte2(T.ERROR, host.type | T.ERROR_HOST);
  enc.w.string(host.path);
  const f = propsFrame(enc, e, Reflect.ownKeys(e), stackAsData);
  if (host.shown.length > 0) {
    const items = f.items!;
    items.splice(items.length - 1, 0, ...host.shown);
    f.n = items.length;
    f.pre += host.shown.length / 3;
  }
  return true;
}

// Helpers.

const getPrototypeOf = Object.getPrototypeOf;
const getOwnPropertyDescriptor = Object.getOwnPropertyDescriptor;

const DOM: { prototype: object } | undefined = DOMExceptionClass;

/** Whether `o` is a real DOMException (its internal slots, not only its prototype). */
export function isDOMException(o: object): boolean {
  return DOM !== undefined && isBranded(o, DOM.prototype, "code");
}

let domIntrinsic: Set<string | symbol> | undefined;

/**
 * The own keys of a DOMException that a pickle carries: all but the symbols in which the
 * runtime keeps its internal state (Deno: `Symbol(message)`, `Symbol(name)`, …), which every
 * DOMException has from its constructor.
 */
export function domExceptionKeys(e: object): (string | symbol)[] {
  if (domIntrinsic === undefined) {
    domIntrinsic = new Set();
    try {
      const sample = new (DOM as unknown as new (m: string, n: string) => object)("", "Error");
      for (const k of Object.getOwnPropertySymbols(sample)) domIntrinsic.add(k);
    } catch {
      // No DOMException here: nothing is intrinsic.
    }
  }
  const keys = Reflect.ownKeys(e);
  if (domIntrinsic.size === 0) return keys;
  return keys.filter((k) => !domIntrinsic!.has(k));
}

/** The intrinsic own symbols of a fresh DOMException (kept when the loader clears the rest). */
export function isDOMExceptionIntrinsic(key: string | symbol): boolean {
  if (domIntrinsic === undefined) domExceptionKeys({});
  return domIntrinsic!.has(key);
}

/** Prototypes of error classes that are not the runtime's (the program's own classes). */
const notHost = new WeakSet<object>();

/** An object without own properties whose prototype is a standard error's. */
function isEmptyErrorPrototype(proto: object): boolean {
  if (Reflect.ownKeys(proto).length > 0) return false;
  const parent = getPrototypeOf(proto);
  const kind = parent === null ? undefined : K.KIND_BY_PROTO.get(parent);
  return kind !== undefined && kind >= K.K_ERROR && kind < K.K_VIEW;
}

/** How an error of a runtime-defined class is written. */
export interface HostError {
  /** Index in ERROR_TYPES of the nearest standard constructor. */
  type: number;
  /** Path of the class from globalThis; "" when no instance of it can be rebuilt. */
  path: string;
  /** Properties the error shows through its class's prototype: [key, flags, value, …]. */
  shown: unknown[];
}

/**
 * How to write `e`, a native error whose prototype is `proto`, when its class is one the
 * runtime defines (reachable from globalThis, or native code); undefined for other errors.
 * A class written in JavaScript (Deno's `Deno.errors.*`) is rebuilt by path where it exists.
 * A native class whose instances only the runtime can make (Bun's `ResolveMessage`, whose
 * getters read internal slots) loads as the standard error everywhere; the values its
 * prototype's getters show (`message`, `code`, `specifier`, …) become own properties.
 */
export function hostErrorOf(e: object, proto: object): HostError | undefined {
  if (notHost.has(proto)) return undefined;
  const ctor = constructorOf(proto);
  // Bun gives some errors (S3Error) an empty object as prototype, over a standard one.
  const native = ctor === undefined ? isEmptyErrorPrototype(proto) : isNative(ctor);
  const path = ctor === undefined ? undefined : globalPathOf(ctor);
  if (!native && path === undefined) {
    // The prototype of a class of the program's own: asked once.
    notHost.add(proto);
    return undefined;
  }
  // The nearest standard constructor up the chain, and the prototypes on the way.
  const between: object[] = [];
  let p: object | null = proto;
  let kind: number | undefined;
  while (p !== null) {
    kind = K.KIND_BY_PROTO.get(p);
    if (kind !== undefined) break;
    between.push(p);
    p = getPrototypeOf(p);
  }
  if (kind === undefined || kind < K.K_ERROR || kind >= K.K_VIEW) return undefined;
  const type = kind - K.K_ERROR;
  if (type === T.ERROR_DOM_EXCEPTION) return undefined;
  const shown: unknown[] = [];
  const seen = new Set<string | symbol>();
  for (const holder of between) {
    for (const key of Reflect.ownKeys(holder)) {
      if (typeof key === "symbol" || key === "constructor" || seen.has(key)) continue;
      if (Object.hasOwn(e, key)) continue;
      seen.add(key);
      const d = getOwnPropertyDescriptor(holder, key)!;
      // A class in JavaScript keeps its prototype where it exists; its name is needed where
      // it does not. A native class loads as the standard error: everything it shows is kept.
      if (!native && key !== "name") continue;
      let value: unknown;
      if ("value" in d) {
        value = d.value;
        if (typeof value === "function") continue;
      } else {
        if (d.get === undefined) continue;
        try {
          value = d.get.call(e);
        } catch {
          continue;
        }
        if (typeof value === "function") continue;
      }
      const hidden = key === "name" || key === "message" || key === "stack";
      shown.push(
        key,
        T.PROP_WRITABLE | T.PROP_CONFIGURABLE | (hidden ? 0 : T.PROP_ENUMERABLE),
        value,
      );
    }
  }
  return { type, path: native ? "" : path!, shown };
}

// Read side.

type Ctor = new (...args: unknown[]) => object;

const errorLimit = Error as { stackTraceLimit?: number };
/** Whether `Error.stackTraceLimit` can be set (V8 and JavaScriptCore have it). */
const limitWritable = typeof errorLimit.stackTraceLimit === "number" &&
  Object.getOwnPropertyDescriptor(Error, "stackTraceLimit")?.writable === true;

/**
 * Constructs an error without capturing a stack trace: its own properties, the stack among
 * them, come from the pickle. Deno still records a detailed trace of every new error for its
 * uncaught-error reports, whatever `Error.stackTraceLimit` says (8-20 µs an error, growing
 * with the caller's stack depth; Bun 0.2 µs): hence LoadOptions.maxErrors.
 */
function constructWithoutStack(Ctor: Ctor, args: unknown[], newTarget: Ctor = Ctor): object {
  if (!limitWritable) return Reflect.construct(Ctor, args, newTarget);
  const limit = errorLimit.stackTraceLimit;
  errorLimit.stackTraceLimit = 0;
  try {
    return Reflect.construct(Ctor, args, newTarget);
  } finally {
    errorLimit.stackTraceLimit = limit;
  }
}

/** ERROR: its constructor, [its class's path or DOMException's message and name], properties. */
export function readError(dec: Decoder, at: number): Error {
  const r = dec.r;
  dec.countError(at);
  dec.heavy(at, 4);
  const byte = r.byte();
  const type = byte & ~T.ERROR_HOST;
  const name = T.ERROR_TYPES[type];
  if (name === undefined) dec.corrupt(`the error type ${type} is unknown`, at);
  const Ctor = INTRINSICS[name];
  if (typeof Ctor !== "function") {
    r.fail(
      `cannot load a ${name}: ${name} does not exist in this runtime; ` +
        "load the pickle where it exists",
      at,
    );
  }
  if (type === T.ERROR_DOM_EXCEPTION) {
    if (byte !== type) dec.corrupt("a DOMException is marked as a host error", at);
    return readDOMException(dec, Ctor as Ctor);
  }
  // An error of a class the runtime defines: that class where this runtime has it, else
  // the standard constructor (its name and properties come from the pickle all the same).
  const host = byte !== type ? hostErrorClass(dec, dec.string(), Ctor as Ctor, at) : Ctor as Ctor;
  const args = name === "AggregateError" ? [[]] : [];
  const e = constructWithoutStack(Ctor as Ctor, args, host) as Error;
  for (const k of Reflect.ownKeys(e)) delete (e as unknown as Record<PropertyKey, unknown>)[k];
  dec.memo.push(e);
  dec.push(K_PROPS, e, NOT_DONE).count = -1;
  return e;
}

/**
 * The class of an error the runtime defines, from its path. Data only, the standard class,
 * unless LoadOptions.allow admits that path as a built-in.
 */
function hostErrorClass(dec: Decoder, path: string, Ctor: Ctor, at: number): Ctor {
  const o = dec.opts;
  if (
    o.allowCode ||
    (o.allow !== undefined && path !== "" && admits(o.allow, "global", "", path, at))
  ) {
    return hostClass(path, Ctor);
  }
  return Ctor;
}

/**
 * The class at `path` from globalThis when this runtime has it and it extends `Ctor`, else
 * `Ctor` itself.
 */
function hostClass(path: string, Ctor: Ctor): Ctor {
  if (path === "") return Ctor;
  const cls = resolveGlobalPath(path);
  if (typeof cls !== "function") return Ctor;
  const proto = Object.getOwnPropertyDescriptor(cls, "prototype")?.value;
  if (proto === null || typeof proto !== "object") return Ctor;
  return Object.prototype.isPrototypeOf.call(Ctor.prototype, proto) ? cls as Ctor : Ctor;
}

/** A DOMException: its message and name, then its own properties. */
function readDOMException(dec: Decoder, Ctor: Ctor): Error {
  const message = dec.string();
  const exceptionName = dec.string();
  const e = constructWithoutStack(Ctor, [message, exceptionName]) as Error;
  // The runtime's own symbols hold its internal state (Deno): only the rest is cleared.
  for (const k of Reflect.ownKeys(e)) {
    if (!isDOMExceptionIntrinsic(k)) delete (e as unknown as Record<PropertyKey, unknown>)[k];
  }
  dec.memo.push(e);
  dec.push(K_PROPS, e, NOT_DONE).count = -1;
  return e;
}
