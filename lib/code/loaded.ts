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

/** A scope the loader rebuilt. */
export interface LoadedScope {
  readonly names: readonly string[];
  readonly parent: ScopeHandle | null;
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
): void {
  scopes.set(handle, { names, parent });
}

/** What the loader knows of a scope it rebuilt, if it did. */
export function loadedScope(handle: ScopeHandle): LoadedScope | undefined {
  return scopes.get(handle);
}

/** Remembers a function the loader evaluated from `source` in `scope`. */
export function rememberFunction(fn: object, source: string, scope: ScopeHandle | null): void {
  functions.set(fn, { source, scope });
}

/** What the loader knows of a function it evaluated, if it did. */
export function loadedFunction(fn: object): LoadedFunction | undefined {
  return functions.get(fn);
}
