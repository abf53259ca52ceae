/**
 * Errors beyond the standard constructors: `DOMException` (whose name, message and code live
 * in internal slots) and errors of classes one runtime defines (Deno's `Deno.errors.NotFound`,
 * Bun's `ResolveMessage`), which must load in the other runtime too, as the nearest standard
 * error with the same name, message, stack and properties.
 *
 * @module
 */

import * as T from "../format/tags.ts";
import { globalPathOf } from "../code/globals.ts";
import { constructorOf, isNative } from "../code/members.ts";
import * as K from "./kinds.ts";
import { isBranded, stackAsData } from "./inspect.ts";
import { DOMExceptionClass } from "./intrinsics.ts";
import { types } from "node:util";
import type { Encoder } from "../pickle/encoder.ts";
import { propsFrame } from "../pickle/properties.ts";
import { writeOther } from "../pickle/dispatch.ts";

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
