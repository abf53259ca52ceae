/**
 * Run-time side of the load-time instrumentation (`instrument.ts`): the helpers instrumented
 * code calls, and the synchronous scope reader the pickler uses. Importing this module
 * installs nothing; {@linkcode installInstrumentedRuntime} installs both (the Bun preload
 * calls it, through `lib/code/loaded_instrument.ts`, before any instrumented module runs;
 * code the loader instruments gets the helpers lexically instead).
 *
 * A function instrumented on Bun keeps its instrumentation in its source text (for instance
 * the scope record an outer function creates for its inner closures). When such a function is
 * pickled and loaded elsewhere (Deno, or Bun without the preload), that text still names the
 * helpers' globals, so the loading side defines harmless versions first
 * ({@linkcode installPassThroughHelpers}: register nothing, return the function) unless real
 * ones are installed already. The `$cp$a`…`$cp$d` globals stand for the scope record of an
 * enclosing scope that the loaded code no longer has: they hold `undefined`, which marks every
 * scope record built inside loaded code as detached.
 *
 * A scope record is the accessor function an instrumented scope declares at its start:
 * `record(i)` returns the current value of its variable `i`, `record(-1)` the parent record
 * (`null` at the top, `undefined` in code that was pickled and loaded again), `record(-2)` the
 * comma-separated variable names, `record(-3)` the kind of scope, `record(-4)` how many of the
 * names (the first ones) may change after initialization. A registered function carries
 * its record in a private field added by a return-override constructor: invisible to
 * reflection (so never pickled as a property) and cheap to add.
 *
 * @module
 */

import { MARK_DECORATED, markDecorated } from "../code/decorated.ts";
import {
  type BoundParts,
  type ReadScopes,
  type ScopeSnapshot,
  type SyncScopeReader,
  TDZ,
} from "./adapter.ts";
import { installPrivateReaders } from "./private_readers.ts";
import { sharedSlot } from "./shared_slot.ts";

/** Registers a function with a scope record: `$cp$f(record, fn)` returns `fn`. */
export const REGISTER = "$cp$f";
/**
 * Registers an anonymous function whose name comes from its binding: `$cp$n(record, {key:
 * fn}, "key")` returns `fn`. The object literal gives `fn` the name `key` the way the binding
 * would have (name inference does not pass through a call).
 */
export const REGISTER_NAMED = "$cp$n";
/** Registers the methods, getters and setters of an object literal: `$cp$o(record, obj, …)`. */
export const REGISTER_OBJECT = "$cp$o";
/** Registers a class and its methods (called from a static block): `$cp$k(record, cls)`. */
export const REGISTER_CLASS = "$cp$k";
/**
 * The entry of a scope record that reads the scope's `this` (a function's, a static block's,
 * a field initializer's), where arrows inside use it: `case i: return this`. Not an
 * identifier, so no variable can have its name; the record holding it is an arrow function,
 * whose `this` is the scope's.
 */
export const THIS = "this";
/** Names of scope records (alternating with nesting so a record can name its parent). */
export const RECORD_NAMES = ["$cp$a", "$cp$b", "$cp$c", "$cp$d"] as const;

/** Every global name instrumented code may use. */
export const INSTRUMENT_GLOBALS: readonly string[] = [
  REGISTER,
  REGISTER_NAMED,
  REGISTER_OBJECT,
  REGISTER_CLASS,
  ...RECORD_NAMES,
];

const G = globalThis as unknown as Record<string, unknown>;
let passThroughInstalled = false;

/** Defines a global as a non-enumerable, writable, configurable property. */
export function defineGlobal(name: string, value: unknown): void {
  Object.defineProperty(globalThis, name, {
    value,
    writable: true,
    enumerable: false,
    configurable: true,
  });
}

/**
 * Installs pass-through helpers for the names instrumented code uses, where they are not
 * defined yet. Idempotent; never replaces the real helpers of an instrumented process.
 */
export function installPassThroughHelpers(): void {
  if (passThroughInstalled) return;
  passThroughInstalled = true;
  const values = passThroughHelpers();
  for (const name of INSTRUMENT_GLOBALS) {
    if (Object.hasOwn(G, name)) continue;
    defineGlobal(name, values[name]);
  }
}

/** The pass-through value of every name in {@linkcode INSTRUMENT_GLOBALS}. */
export function passThroughHelpers(): Record<string, unknown> {
  const values: Record<string, unknown> = {
    [REGISTER]: (_record: unknown, fn: unknown) => fn,
    [REGISTER_NAMED]: (_record: unknown, holder: Record<string, unknown>, key: string) =>
      holder[key],
    [REGISTER_OBJECT]: (_record: unknown, obj: unknown) => obj,
    [REGISTER_CLASS]: () => {},
  };
  for (const name of RECORD_NAMES) values[name] = undefined;
  return values;
}

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
export function register<T>(record: unknown, fn: T): T {
  if (typeof record === "function" && typeof fn === "function") {
    Stamp.add(fn, record as ScopeRecordFn);
  }
  return fn;
}

/** `$cp$n(record, {key: fn}, key)`: registers the function the literal named, returns it. */
export function registerNamed(
  record: unknown,
  holder: Record<string, unknown>,
  key: string,
): unknown {
  return register(record, holder[key]);
}

/**
 * `$cp$o(record, obj, kind, key, kind, key, …)`: registers an object literal's functions;
 * kind "m" is a method or function value, "g" a getter, "s" a setter.
 */
export function registerObject(record: unknown, obj: Record<string, unknown>): unknown {
  if (typeof record !== "function") return obj;
  // `arguments`, not a rest parameter: no array per call.
  for (let i = 2; i < arguments.length; i += 2) {
    const kind = arguments[i] as string;
    const key = arguments[i + 1] as string;
    let f: unknown;
    if (kind === "m") {
      f = obj[key];
    } else {
      const d = Object.getOwnPropertyDescriptor(obj, key);
      f = kind === "g" ? d?.get : d?.set;
    }
    if (typeof f === "function") Stamp.add(f, record as ScopeRecordFn);
  }
  return obj;
}

/** The class each method or accessor registered by {@linkcode registerClass} is a member of. */
const memberClasses = new WeakMap<object, object>();

/**
 * The class whose body defines method or accessor `fn`, where the instrumentation saw it
 * (`$cp$k`): such a member reads the class's own name as the class itself, a binding of the
 * class body that no scope record holds.
 */
export function classOfMember(fn: object): object | undefined {
  return memberClasses.get(fn);
}

/** `$cp$k(record, cls)`: registers a class, its methods and accessors, static ones too. */
export function registerClass(record: unknown, cls: unknown): void {
  if (typeof cls !== "function") return;
  // (No record: the class captures nothing, but its members read its name.)
  const rec = typeof record === "function" ? record as ScopeRecordFn : undefined;
  if (rec !== undefined) Stamp.add(cls, rec);
  for (const target of [(cls as { prototype?: unknown }).prototype, cls]) {
    if (target === null || (typeof target !== "object" && typeof target !== "function")) continue;
    for (const key of Reflect.ownKeys(target)) {
      const d = Object.getOwnPropertyDescriptor(target, key)!;
      for (const f of [d.value, d.get, d.set]) {
        if (typeof f !== "function") continue;
        if (rec !== undefined) Stamp.add(f, rec);
        if (f !== cls) memberClasses.set(f, cls);
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
 * The enclosing `this` of an instrumented arrow function that uses it: the {@linkcode THIS}
 * entry of the first record of its chain that has one (the transform gives one to the scope
 * whose `this` the arrow reads, and none to a scope between them). Undefined when no record
 * has it (not instrumented), or when it is not initialized yet (a derived class's constructor
 * before `super()`).
 */
export function thisOfRecords(fn: object): { value: unknown } | undefined {
  let rec: unknown = recordOf(fn);
  for (let depth = 0; typeof rec === "function" && depth < 10_000; depth++) {
    const r = rec as ScopeRecordFn;
    const names = namesOf(r);
    const i = names.indexOf(THIS);
    if (i >= 0) {
      const value = readValue(r, i);
      return value === TDZ ? undefined : { value };
    }
    try {
      rec = r(-1);
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** Variable names per record: they never change. */
const recordNames = new WeakMap<object, string[]>();

/** The variable names of a record (cached: they never change). */
function namesOf(r: ScopeRecordFn): string[] {
  let names = recordNames.get(r);
  if (names === undefined) {
    const list = r(-2) as string;
    names = list === "" ? [] : list.split(",");
    recordNames.set(r, names);
  }
  return names;
}

/**
 * The scope chain of an instrumented function, values read now. Undefined for a function
 * without a record, or whose records lead into code that was loaded from a pickle (its scopes
 * are not instrumented).
 *
 * Each scope record becomes one snapshot (identity: the record, so closures of one scope
 * instance share it after loading) holding the variables of that scope that some closure
 * captures and that may change after initialization (assigned somewhere). Variables that never
 * change once initialized (imports, `const`, functions and parameters never assigned) need no
 * sharing: the ones `fn` uses go into one more snapshot of `fn`'s own, innermost. So pickling
 * one closure does not pickle every constant its module's other closures capture.
 */

/**
 * `used`: the free variables of `fn` (from its source), or undefined when unknown (then every
 * variable is shared).
 */
export function readRecordScopes(
  fn: object,
  used: ReadonlySet<string> | undefined,
): ReadScopes | undefined {
  const first = recordOf(fn);
  if (first === undefined) return undefined;
  const records: ScopeRecordFn[] = [];
  let rec: unknown = first;
  while (rec !== null) {
    if (typeof rec !== "function" || records.length > 10_000) return undefined;
    records.push(rec as ScopeRecordFn);
    try {
      rec = (rec as ScopeRecordFn)(-1);
    } catch {
      return undefined; // no such parent here: code loaded from a pickle
    }
  }
  const constNames: string[] = [];
  const constValues: unknown[] = [];
  const shared: ScopeSnapshot[] = [];
  /** name → index in `shared`, or -1 for the constants snapshot. */
  const where = new Map<string, number>();
  for (const r of records) {
    const names = namesOf(r);
    const count = r(-4);
    const changing = typeof count === "number" ? count : names.length;
    const sharedNames: string[] = [];
    const sharedValues: unknown[] = [];
    for (let i = 0; i < names.length; i++) {
      const name = names[i];
      const innermost = !where.has(name);
      // The pickler keeps only what the function uses: other variables are not even read.
      if (used !== undefined && !used.has(name)) {
        if (innermost) where.set(name, -2);
        continue;
      }
      if (i < changing || used === undefined) {
        if (innermost) where.set(name, shared.length);
        sharedNames.push(name);
        sharedValues.push(readValue(r, i));
      } else if (innermost && used.has(name)) {
        where.set(name, -1);
        constNames.push(name);
        constValues.push(readValue(r, i));
      } else if (innermost) {
        where.set(name, -2); // shadows outer ones, not used by fn
      }
    }
    if (sharedNames.length > 0) {
      shared.push({ kind: r(-3) as string, names: sharedNames, values: sharedValues, identity: r });
    }
  }
  const offset = constNames.length > 0 ? 1 : 0;
  const chain: ScopeSnapshot[] = offset === 1
    ? [{ kind: "Constants", names: constNames, values: constValues }, ...shared]
    : shared;
  const found = new Map<string, number>();
  const uninitialized: string[] = [];
  for (const [name, at] of where) {
    if (at === -2) continue;
    const index = at === -1 ? 0 : at + offset;
    found.set(name, index);
    const snap = chain[index];
    if (snap.values[snap.names.indexOf(name)] === TDZ) uninitialized.push(name);
  }
  return { chain, found, uninitialized };
}

/**
 * Marks the library's stand-in for `Function.prototype.bind` (an own property of it, not a
 * global): `Symbol.for`, so that every copy of the library recognises it.
 */
export const BIND_STAND_IN: unique symbol = Symbol.for("cloudpickle.bind.records") as never;

/** What each function made by `bind` since the preload ran was made of. */
const boundParts = new WeakMap<object, BoundParts>();

/**
 * Wraps `Function.prototype.bind` so that bound functions remember their target, bound
 * `this` and arguments (JavaScriptCore shows them nowhere else). The wrapper keeps the
 * built-in's name and length.
 */
function recordBinds(): void {
  const original = Function.prototype.bind;
  if ((original as { [BIND_STAND_IN]?: boolean })[BIND_STAND_IN]) return;
  const bind = function bind(this: unknown, thisArg: unknown, ...args: unknown[]): unknown {
    const b = Reflect.apply(original, this, [thisArg, ...args]) as object;
    boundParts.set(b, { target: this as object, thisArg, args });
    return b;
  };
  Object.defineProperty(bind, "length", { value: 1 });
  Object.defineProperty(bind, BIND_STAND_IN, { value: true });
  Object.defineProperty(Function.prototype, "bind", {
    value: bind,
    writable: true,
    enumerable: false,
    configurable: true,
  });
}

/**
 * Installs the helpers as globals, and `reader` (the scope reader of instrumented code), the
 * bound-function reader and the private-field readers in the shared slot (shared_slot.ts).
 */
export function installInstrumentedRuntime(reader: SyncScopeReader): void {
  recordBinds();
  installPrivateReaders();
  const slot = sharedSlot();
  slot.boundReader = (fn: object) => boundParts.get(fn);
  defineGlobal(REGISTER, register);
  defineGlobal(REGISTER_NAMED, registerNamed);
  defineGlobal(REGISTER_OBJECT, registerObject);
  defineGlobal(REGISTER_CLASS, registerClass);
  defineGlobal(MARK_DECORATED, markDecorated);
  for (const name of RECORD_NAMES) defineGlobal(name, undefined);
  slot.scopeReader = reader;
}
