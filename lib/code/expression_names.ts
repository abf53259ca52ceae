/**
 * The name of a function expression as a closure inside it reads it
 * (`return function curried(...a) { … (...b) => curried(...a, ...b) … }`), where the runtime's
 * scopes do not show it: V8 keeps that name in a binding no `[[Scopes]]` entry lists, so the
 * closure's chain shows `Closure (curried)` with `a` only. The function is found among the
 * functions of that name as the one whose own scopes are the closure's past `Closure
 * (curried)` (the expression was evaluated there), and the closure's chain gets a scope holding
 * it right above the expression's own. Two such functions, or none, leave the name unread (the
 * caller refuses it, naming the remedy).
 *
 * @module
 */

import type { ReadScopes, ScopeSnapshot } from "../runtime/adapter.ts";
import { TDZ } from "../runtime/adapter.ts";
import { syncFunctionsNamed, syncScopeReader } from "../runtime/detect.ts";

/** The kind of the scope {@linkcode withExpressionName} adds. */
const EXPRESSION_NAME_KIND = "Function name";

/**
 * The first of `names` that `read` does not show but whose chain holds a scope of a function of
 * that name: the name of a function expression around the closure.
 */
export function expressionNameIn(
  read: ReadScopes | undefined,
  names: readonly string[],
): string | undefined {
  if (read === undefined) return undefined;
  return names.find((v) =>
    read.found.get(v) === undefined && read.chain.some((c) => c.kind === `Closure (${v})`)
  );
}

/** The function expression `name` stands for in `read`'s chain, and the chain with it. */
export function withExpressionName(
  read: ReadScopes,
  name: string,
): { read: ReadScopes; fn: object } | undefined {
  const at = read.chain.findIndex((c) => c.kind === `Closure (${name})`);
  if (at < 0) return undefined;
  const candidates = syncFunctionsNamed()?.(name);
  if (candidates === undefined || candidates.length === 0) return undefined;
  const above = read.chain.slice(at + 1);
  const reader = syncScopeReader();
  let match: object | undefined;
  for (const c of candidates) {
    if (typeof c !== "function") continue;
    const own = reader(c);
    if (own === undefined || !sameChain(own.chain, above)) continue;
    // Two functions of this name made in the same scope state: which one the closure reads
    // cannot be told.
    if (match !== undefined) return undefined;
    match = c;
  }
  if (match === undefined) return undefined;
  const named: ScopeSnapshot = {
    kind: `${EXPRESSION_NAME_KIND} (${name})`,
    names: [name],
    values: [match],
    byContent: true,
  };
  const chain = [...read.chain.slice(0, at + 1), named, ...above];
  const found = new Map<string, number>();
  const uninitialized: string[] = [];
  chain.forEach((snap, i) => {
    snap.names.forEach((n, j) => {
      if (found.has(n)) return;
      found.set(n, i);
      if (snap.values[j] === TDZ) uninitialized.push(n);
    });
  });
  return { read: { chain, found, uninitialized }, fn: match };
}

/** Whether two scope chains show the same scopes: kinds, variables and values. */
function sameChain(a: readonly ScopeSnapshot[], b: readonly ScopeSnapshot[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i], y = b[i];
    if (x.kind !== y.kind || x.names.length !== y.names.length) return false;
    for (let j = 0; j < x.names.length; j++) {
      if (x.names[j] !== y.names[j] || !Object.is(x.values[j], y.values[j])) return false;
    }
  }
  return true;
}
