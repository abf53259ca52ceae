/**
 * The typed scope model shared by the free-variable analysis of a function
 * (`lib/code/analyze.ts`) and the Bun load-time transform (`lib/instrument/`): lexical scopes
 * of the source text (not the run-time scope records that hold values), the bindings they
 * declare, and the references found in them, over meriyah's ESTree types.
 *
 * The declaration rules (what a statement list hoists, and where) are in `declare.ts`; how a
 * reference finds its binding is in `resolve.ts`.
 *
 * @module
 */

import type { ESTree } from "meriyah";

/** What kind of source construct opened a lexical scope. */
export type LexicalScopeKind =
  /** A program: module or script top level. */
  | "Module"
  /** A function body (a `var` scope). */
  | "Function"
  /** A function's parameters, and the name of a named function expression. */
  | "Params"
  /** A block statement. */
  | "Block"
  /** A class static block (a `var` scope). */
  | "Static"
  /** The cases of a switch statement. */
  | "Switch"
  /** The head of a `for` loop declaring `let`/`const` bindings. */
  | "Loop"
  /** A catch clause's parameter. */
  | "Catch"
  /** A class: its name, seen from its heritage and its body. */
  | "Class";

/** One declared name of a {@linkcode LexicalScope}. */
export interface Binding {
  /** Assignments to it after its declaration (counted by clients that track them). */
  writes: number;
  /** `var` declarators with an initializer (a second one is an assignment). */
  varInits: number;
}

/** Whether a binding may change after it is initialized. */
export function isMutable(b: Binding): boolean {
  return b.writes > 0 || b.varInits > 1;
}

/** A lexical scope of the source text: the names it declares and its enclosing scope. */
export class LexicalScope {
  /** Declared names. */
  readonly bindings: Map<string, Binding> = new Map();
  /** The enclosing scope (null at the top). */
  readonly parent: LexicalScope | null;

  /** A scope of `kind` inside `parent` (null at the top). */
  constructor(readonly kind: LexicalScopeKind, parent: LexicalScope | null) {
    this.parent = parent;
  }

  /** Where `var` declarations of this scope go: function bodies, programs, static blocks. */
  get isVarScope(): boolean {
    return this.kind === "Function" || this.kind === "Module" || this.kind === "Static";
  }
}

/** Declares `name` in `scope` (once) and returns its binding. */
export function declare(scope: LexicalScope, name: string): Binding {
  let b = scope.bindings.get(name);
  if (b === undefined) {
    b = { writes: 0, varInits: 0 };
    scope.bindings.set(name, b);
  }
  return b;
}

/** A use of a name, in the scope where it appears. */
export interface NameReference<S extends LexicalScope = LexicalScope> {
  /** The name used. */
  readonly name: string;
  /** The scope it is used in. */
  readonly scope: S;
}

/** Any ESTree node as meriyah produces it with `ranges: true`. */
export type AnyNode = ESTree.Node & { readonly start: number; readonly end: number };

/** True for an ESTree node (an object with a string `type`). */
export function isNode(v: unknown): v is AnyNode {
  return v !== null && typeof v === "object" && typeof (v as AnyNode).type === "string";
}

/**
 * Calls `visit(a, child, b)` on each child node of `node`, in source order (the two extra
 * arguments spare the callers a closure per node).
 */
export function forEachChild<A, B>(
  node: ESTree.Node,
  visit: (a: A, child: AnyNode, b: B) => void,
  a: A,
  b: B,
): void {
  const n = node as unknown as Record<string, unknown>;
  for (const key in n) {
    const v = n[key];
    // Primitives (type, start, end, raw, operators, names) first: most keys hold them.
    if (typeof v !== "object" || v === null) continue;
    if (Array.isArray(v)) {
      for (const item of v) if (isNode(item)) visit(a, item, b);
    } else if (isNode(v)) {
      visit(a, v, b);
    }
  }
}
