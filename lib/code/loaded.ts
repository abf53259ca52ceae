/**
 * The loader's memory of the code it built: every scope it rebuilt (its variable names and
 * its parent) and every function it evaluated (its source and its scope). A loaded function
 * is pickled again from this memory, with the current values of its variables and the exact
 * sharing of its scopes, without asking the runtime's scope adapter: the adapter would see
 * the loader's own scopes, which never belong in a pickle.
 *
 * @module
 */

import type { ScopeHandle } from "./functions.ts";
import type { BoundParts } from "../runtime/adapter.ts";

/** A scope the loader rebuilt. */
export interface LoadedScope {
  readonly names: readonly string[];
  readonly parent: ScopeHandle | null;
  /** Which variables are in their temporal dead zone (declared, never initialized). */
  readonly uninitialized?: readonly boolean[];
}

/** A function the loader evaluated. */
export interface LoadedFunction {
  /** The source it was pickled with (without anything the loader added to it). */
  readonly source: string;
  /** The scope it was evaluated in (null: the top level). */
  readonly scope: ScopeHandle | null;
}

const scopes = new WeakMap<ScopeHandle, LoadedScope>();
const functions = new WeakMap<object, LoadedFunction>();

/** Remembers a scope the loader rebuilt. */
export function rememberScope(
  handle: ScopeHandle,
  names: readonly string[],
  parent: ScopeHandle | null,
  uninitialized?: readonly boolean[],
): void {
  scopes.set(
    handle,
    uninitialized === undefined ? { names, parent } : { names, parent, uninitialized },
  );
}

/** What the loader knows of a scope it rebuilt, if it did. */
export function loadedScope(handle: ScopeHandle): LoadedScope | undefined {
  return scopes.get(handle);
}

/** The names the rebuilt scope chain of `scope` declares, innermost first, each once. */
export function chainNames(scope: ScopeHandle | null): string[] {
  const out: string[] = [];
  for (let h = scope; h !== null;) {
    const known = loadedScope(h);
    if (known === undefined) break;
    for (const n of known.names) if (!out.includes(n)) out.push(n);
    h = known.parent;
  }
  return out;
}

/** Remembers a function the loader evaluated from `source` in `scope`. */
export function rememberFunction(fn: object, source: string, scope: ScopeHandle | null): void {
  functions.set(fn, { source, scope });
}

/** A base class whose constructor returns the object given: its subclass adds its fields to it. */
class Returning {
  constructor(o: object) {
    return o;
  }
}

/**
 * The mark of a function the loader evaluated from a source that is exactly its text: its
 * scope, as a private field of the function itself. Adding a WeakMap entry costs V8 and
 * JavaScriptCore several times as much, added and collected (the functions of one message
 * are often a hundred). Given only to a function just made (extensible, and nothing else can
 * give it this field); invisible to the program (no own key).
 */
class Mark extends Returning {
  #scope: ScopeHandle | null;
  constructor(fn: object, scope: ScopeHandle | null) {
    super(fn);
    this.#scope = scope;
  }
  static scopeOf(o: object): ScopeHandle | null | undefined {
    return #scope in o ? (o as Mark).#scope : undefined;
  }
}

const fnToString = Function.prototype.toString;

/**
 * Remembers a function the loader has just evaluated in `scope` from a source that is
 * exactly its text (`Function.prototype.toString`, checked by the caller).
 */
export function rememberExactFunction(fn: object, scope: ScopeHandle | null): void {
  new Mark(fn, scope);
}

/** What the loader knows of a function it evaluated, if it did. */
export function loadedFunction(fn: object): LoadedFunction | undefined {
  const known = functions.get(fn);
  if (known !== undefined || typeof fn !== "function") return known;
  const scope = Mark.scopeOf(fn);
  return scope === undefined ? undefined : { source: fnToString.call(fn), scope };
}

/**
 * Bound functions the loader made (a pickle's `bind` call), with what they were made of: a
 * bound function's target, `this` and arguments never change, and no runtime shows them
 * without its scope adapter (Deno's inspector needs sys access; its REPL allows none), so a
 * loaded one pickles again from this memory, anywhere.
 */
const bound = new WeakMap<object, BoundParts>();

/** Remembers that the loader made bound function `fn` of `parts`. */
export function rememberBound(fn: object, parts: BoundParts): void {
  bound.set(fn, parts);
}

/** What a bound function the loader made was made of, if it made it. */
export function loadedBound(fn: object): BoundParts | undefined {
  return bound.get(fn);
}
