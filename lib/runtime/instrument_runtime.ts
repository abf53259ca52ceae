/**
 * Run-time side of the load-time instrumentation (`instrument.ts`): the helpers instrumented
 * code calls, and the synchronous scope reader the pickler uses. Importing this module
 * installs both (the Bun preload does it before any instrumented module runs).
 *
 * A scope record is the accessor function an instrumented scope declares at its start:
 * `record(i)` returns the current value of its variable `i`, `record(-1)` the parent record
 * (`null` at the top, `undefined` in code that was pickled and loaded again), `record(-2)` the
 * comma-separated variable names, `record(-3)` the kind of scope. A registered function carries
 * its record in a private field added by a return-override constructor: invisible to
 * reflection (so never pickled as a property) and cheap to add.
 *
 * @module
 */

import { type ReadScopes, type ScopeSnapshot, SYNC_READER_KEY, TDZ } from "./scopes.ts";
import {
  defineGlobal,
  RECORD_NAMES,
  REGISTER,
  REGISTER_CLASS,
  REGISTER_NAMED,
  REGISTER_OBJECT,
} from "./scopes_instrumented.ts";

/** A scope record (see the module documentation). */
export type ScopeRecordFn = (i: number) => unknown;

/** Returns its argument from the constructor, so a subclass adds fields to any object. */
class ReturnOverride {
  constructor(target: object) {
    return target as ReturnOverride;
  }
}

/** Stamps an object with a scope record in a private field. */
class Stamp extends ReturnOverride {
  #record: ScopeRecordFn;

  private constructor(target: object, record: ScopeRecordFn) {
    super(target);
    this.#record = record;
  }

  /** Stamps `target` unless it carries a record already. */
  static add(target: object, record: ScopeRecordFn): void {
    if (!(#record in target)) new Stamp(target, record);
  }

  static get(target: object): ScopeRecordFn | undefined {
    return #record in target ? (target as Stamp).#record : undefined;
  }
}

/** `$cp$f(record, fn)`: registers `fn` with `record`, returns `fn`. */
function register<T>(record: unknown, fn: T): T {
  if (typeof record === "function" && typeof fn === "function") {
    Stamp.add(fn, record as ScopeRecordFn);
  }
  return fn;
}

/** `$cp$n(record, {key: fn}, key)`: registers the function the literal named, returns it. */
function registerNamed(record: unknown, holder: Record<string, unknown>, key: string): unknown {
  return register(record, holder[key]);
}

/**
 * `$cp$o(record, obj, ...specs)`: registers an object literal's functions; each spec is "m"
 * (method or function value), "g" (getter) or "s" (setter) followed by the key.
 */
function registerObject(
  record: unknown,
  obj: Record<string, unknown>,
  ...specs: string[]
): unknown {
  if (typeof record !== "function") return obj;
  for (const spec of specs) {
    const key = spec.slice(1);
    let f: unknown;
    if (spec.charCodeAt(0) === 109 /* m */) {
      f = obj[key];
    } else {
      const d = Object.getOwnPropertyDescriptor(obj, key);
      f = spec.charCodeAt(0) === 103 /* g */ ? d?.get : d?.set;
    }
    if (typeof f === "function") Stamp.add(f, record as ScopeRecordFn);
  }
  return obj;
}

/** `$cp$k(record, cls)`: registers a class, its methods and accessors, static ones too. */
function registerClass(record: unknown, cls: unknown): void {
  if (typeof record !== "function" || typeof cls !== "function") return;
  const rec = record as ScopeRecordFn;
  Stamp.add(cls, rec);
  for (const target of [(cls as { prototype?: unknown }).prototype, cls]) {
    if (target === null || (typeof target !== "object" && typeof target !== "function")) continue;
    for (const key of Reflect.ownKeys(target)) {
      const d = Object.getOwnPropertyDescriptor(target, key)!;
      for (const f of [d.value, d.get, d.set]) {
        if (typeof f === "function") Stamp.add(f, rec);
      }
    }
  }
}

/** The scope record `fn` was registered with, if any. */
export function recordOf(fn: object): ScopeRecordFn | undefined {
  if (fn === null || (typeof fn !== "object" && typeof fn !== "function")) return undefined;
  return Stamp.get(fn);
}

function readValue(record: ScopeRecordFn, i: number): unknown {
  try {
    return record(i);
  } catch (e) {
    if (e instanceof ReferenceError) return TDZ;
    throw e;
  }
}

/**
 * The scope chain of an instrumented function: one snapshot per scope record from the
 * innermost outward, values read now. Undefined for a function without a record, or whose
 * records lead into code that was loaded from a pickle (its scopes are not instrumented).
 */
export function readInstrumentedScopes(fn: object): ReadScopes | undefined {
  const first = recordOf(fn);
  if (first === undefined) return undefined;
  const chain: ScopeSnapshot[] = [];
  const found = new Map<string, number>();
  const uninitialized: string[] = [];
  let rec: unknown = first;
  while (rec !== null) {
    if (typeof rec !== "function" || chain.length > 10_000) return undefined;
    const r = rec as ScopeRecordFn;
    const list = r(-2) as string;
    const names = list === "" ? [] : list.split(",");
    const values = names.map((_, i) => readValue(r, i));
    const index = chain.length;
    chain.push({ kind: r(-3) as string, names, values, identity: r });
    for (let i = 0; i < names.length; i++) {
      if (found.has(names[i])) continue;
      found.set(names[i], index);
      if (values[i] === TDZ) uninitialized.push(names[i]);
    }
    try {
      rec = r(-1);
    } catch {
      return undefined; // no such parent here: code loaded from a pickle
    }
  }
  return { chain, found, uninitialized };
}

/** Installs the helpers as globals and the reader under {@linkcode SYNC_READER_KEY}. */
export function installInstrumentRuntime(): void {
  defineGlobal(REGISTER, register);
  defineGlobal(REGISTER_NAMED, registerNamed);
  defineGlobal(REGISTER_OBJECT, registerObject);
  defineGlobal(REGISTER_CLASS, registerClass);
  for (const name of RECORD_NAMES) defineGlobal(name, undefined);
  (globalThis as Record<symbol, unknown>)[SYNC_READER_KEY] = readInstrumentedScopes;
}

installInstrumentRuntime();
