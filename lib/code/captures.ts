/**
 * Captured environments of functions pickled by value: scope records (the variables one
 * real scope holds, for every function pickled from it, and its parent) and the explicit
 * captures given with {@linkcode closure}.
 *
 * @module
 */

/** One captured scope: variable names, their values, and the enclosing captured scope. */
export class ScopeRecord {
  /** Creates a record; names and values are parallel arrays. */
  constructor(
    readonly names: string[],
    readonly values: unknown[],
    public parent: ScopeRecord | null,
  ) {}
}

const explicit = new WeakMap<object, Record<string, unknown>>();

/**
 * Returns `fn` itself, remembering that its free variables take their values from
 * `captures` (read when `fn` is pickled), for runtimes or permissions where closure scopes
 * cannot be read. Functions given the same `captures` object share one scope after
 * loading, as closures of one real scope do.
 *
 * @example
 * ```ts
 * import { closure, dumpsSync, loadsSync } from "@cloudpickle/cloudpickle";
 * const rate = 0.2;
 * const tax = closure({ rate }, (x: number) => x * rate);
 * const copy = loadsSync<typeof tax>(dumpsSync(tax));
 * console.log(copy(100)); // 20
 * ```
 */
export function closure<
  F extends ((...args: never[]) => unknown) | (abstract new (...args: never[]) => unknown),
>(
  captures: Record<string, unknown>,
  fn: F,
): F {
  if (typeof fn !== "function") {
    throw new TypeError(
      "cannot give a function its captures: closure(captures, fn) got no function as fn; " +
        "pass the function second, e.g. closure({ rate }, (x) => x * rate)",
    );
  }
  if (captures === null || typeof captures !== "object") {
    throw new TypeError(
      "cannot give a function its captures: closure(captures, fn) got no object as captures; " +
        "pass the captured variables by name, e.g. closure({ rate }, (x) => x * rate)",
    );
  }
  explicit.set(fn, captures);
  return fn;
}

/** The captures object given to `fn` with {@linkcode closure}, if any. */
export function explicitCaptures(fn: object): Record<string, unknown> | undefined {
  return explicit.get(fn);
}
