/**
 * Reference resolution over the {@linkcode LexicalScope} model: a name used in a scope refers
 * to the binding of the nearest enclosing scope that declares it; none means a global (or a
 * property of a `with` object, which the clients handle).
 *
 * @module
 */

import type { LexicalScope } from "./model.ts";

/** The nearest scope from `scope` outward that declares `name`; null for a global. */
export function declaringScope<S extends LexicalScope>(name: string, scope: S | null): S | null {
  let s: LexicalScope | null = scope;
  while (s !== null && !s.bindings.has(name)) s = s.parent;
  return s as S | null;
}

/**
 * Like {@linkcode declaringScope}, and fills `path` with the scopes passed on the way (from
 * `scope`, excluding the declaring one), which says which functions the reference leaves.
 */
export function declaringScopeOnPath<S extends LexicalScope>(
  name: string,
  scope: S,
  path: S[],
): S | null {
  path.length = 0;
  let s: LexicalScope | null = scope;
  while (s !== null && !s.bindings.has(name)) {
    path.push(s as S);
    s = s.parent;
  }
  return s as S | null;
}

/** The `var` scope around `scope` (itself if it is one; the outermost scope otherwise). */
export function varScopeOf<S extends LexicalScope>(scope: S): S {
  let s: LexicalScope = scope;
  while (!s.isVarScope && s.parent !== null) s = s.parent;
  return s as S;
}
