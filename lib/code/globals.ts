/**
 * Built-ins by reference: the runtime's own functions and namespace objects reachable from
 * `globalThis` by a stable path (`Math.max`, `Map`, `Array.prototype.map`,
 * `Deno.readTextFile`, `Bun.file`) are pickled as that path and looked up again on load.
 * Globals that user code defined (a REPL's declarations, `globalThis.helper = …`) are not
 * built-ins: they are pickled by value, and a function pickled by value carries the values of
 * the user globals it reads ({@linkcode globalValue}).
 *
 * What is the runtime's own cannot be read off `[native code]` alone: Deno implements
 * `fetch`, `setTimeout` and most of `Deno.*` in JavaScript. Three signals decide:
 *
 * 1. The names of the globals each runtime defines itself (lib/code/runtime_globals.ts,
 *    generated from the runtimes): a global of another name is user code, whenever it was
 *    defined — also before the library was imported, as in a REPL session.
 * 2. The own keys of `globalThis` when this module is first imported (a cheap snapshot:
 *    keys only, about 0.05 ms): a global that appeared later is user code.
 * 3. The table below, built once on first need, is itself a snapshot of values: whatever user
 *    code adds or replaces afterwards is not in it. While it is built, a function whose
 *    source text is JavaScript is taken as the runtime's own only under the globals where
 *    that runtime implements functions in JavaScript (on Bun only `Bun`); so
 *    `Math.clamp = (x) => …` or `Array.prototype.last = function…` are user code on both
 *    runtimes, whenever they were assigned. (The library's own stand-in for
 *    `Function.prototype.bind`, installed by Bun's preload, is marked as such.)
 *
 * A function given captures with `closure()` is never taken for a built-in (unless its source
 * is native): it is pickled by value.
 *
 * @module
 */

import { types } from "node:util";
import { explicitCaptures } from "./captures.ts";
import { isDeclarable } from "./functions.ts";
import { isBun, isDeno, maybeBuiltin } from "../host.ts";
import { BIND_STAND_IN } from "../runtime/instrumented.ts";
import { programFunctionListed } from "../runtime/modules/listing.ts";
import { loadedFunction } from "./loaded.ts";
import { hiddenIntrinsics, intrinsicsOf, isIntrinsicName } from "./hidden_intrinsics.ts";
import { foreignRealmOf } from "./realms.ts";
import {
  BUN_GLOBALS,
  BUN_SCRIPTED,
  COMMON_GLOBALS,
  DENO_GLOBALS,
  DENO_SCRIPTED,
} from "./runtime_globals.ts";

/** The own keys of `globalThis` when the library was imported. */
const keysAtImport: ReadonlySet<string | symbol> = new Set(Reflect.ownKeys(globalThis));

/** Paths are segments joined by "."; a symbol segment is written `[Symbol.name]`. */
let table: Map<unknown, string> | undefined;
/** The values of the runtime's own top-level globals when the table was built. */
let topValues: Map<string, unknown> | undefined;

const MAX_DEPTH = 3;
const SKIP_KEYS = new Set(["constructor", "caller", "callee", "arguments", "__proto__"]);
const fnToString = Function.prototype.toString;
const hasOwn = Object.hasOwn;
const NATIVE = /\{\s*\[native code\]\s*\}\s*$/;

interface RuntimeGlobals {
  /** The globals this runtime defines itself. */
  names: ReadonlySet<string>;
  /** Those under which it implements functions in JavaScript. */
  scripted: ReadonlySet<string>;
}

let lists: RuntimeGlobals | undefined;

function words(...lists: string[]): Set<string> {
  return new Set(lists.join(" ").split(" "));
}

/** The lists of the runtime running the library (both runtimes' on another one). */
function runtimeGlobals(): RuntimeGlobals {
  if (lists !== undefined) return lists;
  if (isDeno()) {
    lists = { names: words(COMMON_GLOBALS, DENO_GLOBALS), scripted: words(DENO_SCRIPTED) };
  } else if (isBun()) {
    lists = { names: words(COMMON_GLOBALS, BUN_GLOBALS), scripted: words(BUN_SCRIPTED) };
  } else {
    lists = {
      names: words(COMMON_GLOBALS, DENO_GLOBALS, BUN_GLOBALS),
      scripted: words(DENO_SCRIPTED, BUN_SCRIPTED),
    };
  }
  return lists;
}

/**
 * Globals a runtime defines later, on first use of something else (Deno: `node:module`, which
 * the library itself imports on need, defines `nodeBootstrap`; `build` loads it first).
 */
const LATE_RUNTIME_GLOBALS: ReadonlySet<string | symbol> = new Set(["nodeBootstrap"]);

/** Whether a top-level global is the runtime's own: a name it defines, there at import. */
function runtimeOwnKey(key: string | symbol): boolean {
  if (!keysAtImport.has(key) && !LATE_RUNTIME_GLOBALS.has(key)) return false;
  return typeof key === "symbol" || runtimeGlobals().names.has(key);
}

/**
 * Whether `key` names one of the runtime's own top-level globals (there when the library was
 * imported): members of the global object under other names are user code's.
 */
export function isRuntimeGlobalKey(key: string): boolean {
  return runtimeOwnKey(key);
}

/**
 * Whether `fn`, met on one of the built-ins the runtime writes natively (the ECMAScript
 * intrinsics: `Array.prototype`, `Math`…), is user code: a function with JavaScript source
 * (not the library's stand-in for `bind`).
 */
export function isUserFunction(fn: object): boolean {
  // A function's source never changes: its verdict is kept (`Math.max` is met often).
  let user = userFunctions.get(fn);
  if (user === undefined) {
    user = !isNative(fn) && !isStandIn(fn);
    userFunctions.set(fn, user);
  }
  return user;
}
const userFunctions = new WeakMap<object, boolean>();

function isNative(fn: unknown): boolean {
  try {
    return NATIVE.test(fnToString.call(fn as () => void));
  } catch {
    return false;
  }
}

function isStandIn(fn: object): boolean {
  try {
    return hasOwn(fn, BIND_STAND_IN);
  } catch {
    return false; // a revoked proxy
  }
}

function wellKnownName(s: symbol): string | undefined {
  for (const name of Object.getOwnPropertyNames(Symbol)) {
    if ((Symbol as unknown as Record<string, unknown>)[name] === s) return name;
  }
  return undefined;
}

/**
 * Plain objects of functions (`Math`, `JSON`, `Deno`), and `console`, whose prototype is its
 * own in Deno and Bun: all are by reference, so a loaded `console` is the loading runtime's.
 */
function isNamespace(v: object, objectProto: object): boolean {
  if (types.isProxy(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === objectProto || proto === null || v === globalThis.console;
}

function build(): Map<unknown, string> {
  // The globals a runtime defines late are defined now, so that the table holds them.
  maybeBuiltin("node:module");
  const tops = new Map<string, unknown>();
  const found = buildTable(globalThis, OBJECT_PROTO, hiddenIntrinsics(), tops);
  // Globals there at import that this runtime's list does not name (a newer runtime's, a
  // REPL's own): native functions only, unless already reached by a known path. User code
  // there at import (a REPL session's declarations) is JavaScript, or a bound function.
  for (const key of keysAtImport) {
    if (typeof key !== "string" || runtimeOwnKey(key) || key.includes(".") || key.includes("[")) {
      continue;
    }
    try {
      const value = Object.getOwnPropertyDescriptor(globalThis, key)?.value;
      if (
        typeof value === "function" && !found.has(value) && isNative(value) &&
        !String((value as { name?: unknown }).name).startsWith("bound ")
      ) {
        found.set(value, key);
      }
    } catch {
      // a revoked proxy, a throwing `name` getter: not a built-in
    }
  }
  topValues = tops;
  return found;
}

const OBJECT_PROTO = Object.prototype;

/**
 * The built-ins of the realm whose global object is `g` (and `Object.prototype`
 * `objectProto`), by path: its own properties, breadth first, then its hidden `intrinsics`.
 * For this realm (`tops` given, filled with the top-level values) the runtime's own globals
 * are walked (some written in JavaScript); for another only what is native.
 */
function buildTable(
  g: object,
  objectProto: object,
  intrinsics: ReadonlyMap<string, object>,
  tops?: Map<string, unknown>,
): Map<unknown, string> {
  const own = tops !== undefined;
  const scripted = own ? runtimeGlobals().scripted : new Set<string>();
  const found = new Map<unknown, string>();
  found.set(g, "globalThis");
  // [holder, path, top-level name]
  type Level = Array<[object, string, string]>;
  /** Walks `level` (holders at `depth - 1`) down to MAX_DEPTH, breadth first. */
  const walk = (level: Level, first: number): void => {
    for (let depth = first; depth <= MAX_DEPTH && level.length > 0; depth++) {
      const next: Level = [];
      for (const [holder, path, top] of level) {
        let keys: (string | symbol)[];
        try {
          keys = Reflect.ownKeys(holder);
        } catch {
          continue;
        }
        for (const key of keys) {
          if (depth === 1 && own && !runtimeOwnKey(key)) continue;
          let segment: string;
          if (typeof key === "symbol") {
            const name = wellKnownName(key);
            if (name === undefined) continue;
            segment = `[Symbol.${name}]`;
          } else {
            if (
              SKIP_KEYS.has(key) || key.includes(".") || key.includes("[") || key.startsWith("%")
            ) continue;
            segment = key;
          }
          let value: unknown;
          try {
            const d = Object.getOwnPropertyDescriptor(holder, key);
            if (d === undefined) continue;
            if ("value" in d) value = d.value;
            else if (depth === 1 && own && d.get) {
              value = (globalThis as Record<string | symbol, unknown>)[key];
            } else continue;
          } catch {
            continue;
          }
          const t = depth === 1 ? segment : top;
          if (depth === 1 && typeof key === "string") tops?.set(key, value);
          if (value === null || (typeof value !== "object" && typeof value !== "function")) {
            continue;
          }
          if (found.has(value)) continue;
          const full = path === "" ? segment : `${path}.${segment}`;
          if (typeof value === "function") {
            // JavaScript source under a global whose functions are all native: user code.
            if (!scripted.has(t) && !isNative(value) && !isStandIn(value)) continue;
            found.set(value, full);
            if (depth < MAX_DEPTH) next.push([value, full, t]);
            const proto = (value as { prototype?: unknown }).prototype;
            if (
              depth < MAX_DEPTH && proto !== null && typeof proto === "object" &&
              !found.has(proto)
            ) {
              found.set(proto, `${full}.prototype`);
              next.push([proto, `${full}.prototype`, t]);
            }
          } else if (isNamespace(value as object, objectProto)) {
            found.set(value, full);
            if (depth < MAX_DEPTH) next.push([value as object, full, t]);
          }
        }
      }
      level = next;
    }
  };
  walk([[g, "", ""]], 1);
  // The intrinsics no property path reaches, after the globals (whose paths come first).
  const roots: Level = [];
  for (const [name, value] of intrinsics) {
    if (found.has(value)) continue;
    found.set(value, name);
    roots.push([value, name, name]);
  }
  walk(roots, 2);
  return found;
}

const counterparts = new WeakMap<object, object | null>();

/**
 * This realm's counterpart of another realm's built-in `o` (its `Object.prototype`, its
 * `Map.prototype`…): the object at the same path here. Undefined for anything else.
 */
export function counterpartOf(o: object): object | undefined {
  let here = counterparts.get(o);
  if (here === undefined) {
    const path = foreignPathOf(o);
    here = path === undefined ? null : resolveGlobalPath(path) ?? null;
    counterparts.set(o, here);
  }
  return here ?? undefined;
}

/** The tables of other realms' built-ins (see realms.ts). */
const foreignTables = new WeakMap<object, Map<unknown, string>>();

/** Prototypes known to be of this realm (their objects are no other realm's built-ins). */
const ownRealmProtos = new WeakSet<object>();

/** The path of another realm's built-in `value`: its counterpart's here. */
function foreignPathOf(value: object): string | undefined {
  if (types.isProxy(value)) return undefined;
  // Inheriting from one of this realm's built-ins, or from a prototype found to be of this
  // realm before (instances of one class): of this realm, at once.
  const up = Object.getPrototypeOf(value);
  if (up !== null && (table?.has(up) === true || ownRealmProtos.has(up))) return undefined;
  const realm = foreignRealmOf(value, OBJECT_PROTO);
  if (realm === undefined && up !== null && !types.isProxy(up)) ownRealmProtos.add(up);
  if (realm === undefined) return undefined;
  let t = foreignTables.get(realm.objectProto);
  if (t === undefined) {
    t = buildTable(realm.global, realm.objectProto, intrinsicsOf(realm.makeFunction));
    foreignTables.set(realm.objectProto, t);
  }
  const path = t.get(value);
  return path === "globalThis" ? undefined : path;
}

/**
 * The path of one of the runtime's own built-ins reachable from `globalThis`, or undefined
 * (for user code, and for any function given captures with `closure()`). Another realm's
 * built-ins have the path of their counterpart here, unless `ownRealm` (the caller knows that
 * `value` is of this realm).
 */
export function globalPathOf(value: object, ownRealm = false): string | undefined {
  if (table === undefined) {
    // The program's own functions are not built-ins: no need to build the table for them.
    if (typeof value === "function" && (loadedFunction(value) || programFunctionListed(value))) {
      return undefined;
    }
    table = build();
  }
  const path = table.get(value) ?? (ownRealm ? undefined : foreignPathOf(value));
  if (path !== undefined && explicitCaptures(value) !== undefined && !isNative(value)) {
    return undefined;
  }
  return path;
}

/**
 * Whether the table of built-ins has been built in this process (for tests: the first
 * pickling of the program's own closures does without it).
 *
 * @internal
 */
export function globalsTableBuilt(): boolean {
  return table !== undefined;
}

/** {@linkcode globalValue}: a global the loading side provides itself. */
export const RUNTIME_GLOBAL: unique symbol = Symbol("runtime global");
/** {@linkcode globalValue}: no global of that name. */
export const NO_GLOBAL: unique symbol = Symbol("no global");

const indirectEval = eval;

/**
 * What the global `name` is to a function pickled by value that reads it:
 *
 * - {@linkcode RUNTIME_GLOBAL}: the runtime's own global (as it was when the library first
 *   looked), one `globalThis` inherits (`Object.prototype`, `Window.prototype`), or one of
 *   the library's helpers: the loading side has its own;
 * - its value, when user code defined it: an own property of `globalThis` that the runtime
 *   does not define (or that user code added after the library was imported, or replaced), or
 *   a top-level lexical declaration of a script or a REPL session (`const`, `let`, `class`:
 *   not properties of `globalThis`). The function carries it, as it carries its closure's
 *   values: the loading side has none of them;
 * - {@linkcode NO_GLOBAL}: not defined.
 */
export function globalValue(name: string): unknown {
  const g = globalThis as Record<string, unknown>;
  if (runtimeOwnKey(name)) {
    // The common case, kept to one read: unchanged since the table was built.
    table ??= build();
    let value: unknown;
    try {
      value = g[name];
    } catch {
      return RUNTIME_GLOBAL;
    }
    const before = topValues!.get(name);
    if (Object.is(before, value) && (value !== undefined || topValues!.has(name))) {
      return RUNTIME_GLOBAL;
    }
    if (!topValues!.has(name)) return RUNTIME_GLOBAL; // unreadable when the table was built
    // Replaced since; a value of the runtime's kept elsewhere is still its own.
    if (hasOwn(g, name)) {
      return (value !== null && typeof value === "object" || typeof value === "function") &&
          table.has(value)
        ? RUNTIME_GLOBAL
        : value;
    }
    // Deleted: whatever a lexical binding or the prototype chain still gives.
  } else if (name.startsWith("$cp$")) {
    // The library's own helpers (instrumented code calls them), defined wherever it loads.
    return RUNTIME_GLOBAL;
  } else if (hasOwn(g, name)) {
    try {
      return g[name];
    } catch {
      return RUNTIME_GLOBAL;
    }
  }
  if (name in g) return RUNTIME_GLOBAL;
  if (!isDeclarable(name)) return NO_GLOBAL;
  // A global lexical binding: evaluating the bare name at the top level reads it.
  try {
    return indirectEval(name);
  } catch {
    return NO_GLOBAL;
  }
}

/**
 * Splits a path written by {@linkcode globalPathOf} into property keys, the first of which may
 * name a hidden intrinsic (`%TypedArray%`).
 */
function segments(path: string): (string | symbol)[] | undefined {
  if (path === "globalThis") return [];
  const out: (string | symbol)[] = [];
  for (const part of path.split(".")) {
    if (out.length === 0 && isIntrinsicName(part)) {
      out.push(part);
      continue;
    }
    if (part.startsWith("[Symbol.") && part.endsWith("]")) {
      const sym = (Symbol as unknown as Record<string, unknown>)[part.slice(8, -1)];
      if (typeof sym !== "symbol") return undefined;
      out.push(sym);
    } else if (part === "" || part.includes("[")) {
      return undefined;
    } else {
      out.push(part);
    }
  }
  return out;
}

/** Looks a path up from `globalThis`; undefined when this runtime lacks it. */
export function resolveGlobalPath(path: string): object | undefined {
  const keys = segments(path);
  if (keys === undefined) return undefined;
  let v: unknown = globalThis;
  let i = 0;
  if (typeof keys[0] === "string" && isIntrinsicName(keys[0])) {
    v = hiddenIntrinsics().get(keys[0]);
    i = 1;
  }
  for (; i < keys.length; i++) {
    const key = keys[i];
    if (v === null || (typeof v !== "object" && typeof v !== "function")) return undefined;
    try {
      const d = Object.getOwnPropertyDescriptor(v, key);
      if (d === undefined) return undefined;
      v = "value" in d ? d.value : (v as Record<string | symbol, unknown>)[key];
    } catch {
      return undefined;
    }
  }
  return v !== null && (typeof v === "object" || typeof v === "function") ? v : undefined;
}
