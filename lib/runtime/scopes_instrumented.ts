/**
 * The global names that instrumented code (see `instrument.ts`) calls, and pass-through
 * versions of them for every runtime.
 *
 * A function instrumented on Bun keeps its instrumentation in its source text (for instance
 * the scope record an outer function creates for its inner closures). When such a function is
 * pickled and loaded elsewhere (Deno, or Bun without the preload), that text still names these
 * globals, so the loading side must define them: importing this module installs harmless
 * versions (register nothing, return the function) unless real ones are installed already
 * (`instrument_runtime.ts`, loaded by the preload). The `$cp$a`…`$cp$d` globals stand for the
 * scope record of an enclosing scope that the loaded code no longer has: they hold `undefined`,
 * which marks every scope record built inside loaded code as detached.
 *
 * @module
 */

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
/** Names of scope records (alternating with nesting so a record can name its parent). */
export const RECORD_NAMES = ["$cp$a", "$cp$b", "$cp$c", "$cp$d"] as const;

/**
 * Global slot where the Bun preload installs `(target: string) => void`: called with the
 * `file:` URL of a module about to be imported by the library (a module pickled by reference),
 * it makes sure a package's ES module code is instrumented when it loads.
 */
export const REACH_KEY: unique symbol = Symbol.for("cloudpickle.instrument.reach") as never;

/** Tells the Bun preload, if any, that the library is about to import `target`. */
export function beforeImport(target: string): void {
  const reach = (globalThis as Record<symbol, unknown>)[REACH_KEY];
  if (typeof reach === "function") (reach as (t: string) => void)(target);
}

/** Every global name instrumented code may use. */
export const INSTRUMENT_GLOBALS: readonly string[] = [
  REGISTER,
  REGISTER_NAMED,
  REGISTER_OBJECT,
  REGISTER_CLASS,
  ...RECORD_NAMES,
];

const G = globalThis as unknown as Record<string, unknown>;

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

installPassThroughHelpers();
