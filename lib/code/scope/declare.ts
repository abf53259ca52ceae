/**
 * Declaration rules of the {@linkcode LexicalScope} model: which names a binding pattern
 * declares, what a statement list hoists (`var` to the enclosing function, program or static
 * block, whatever block it sits in; `let`, `const`, `class`, function declarations and imports
 * to the list's own scope), and directive prologues. Both scope walkers (the analysis of one
 * function and the Bun transform of a module) declare through these functions.
 *
 * @module
 */

import type { ESTree } from "meriyah";
import { declare, forEachChild, isNode, type LexicalScope } from "./model.ts";

/** A node that can declare names: a parameter, a declarator's target, a catch parameter. */
export type DeclaringPattern = ESTree.Parameter | ESTree.Pattern | ESTree.CallExpression;

/** Calls `f(name, arg)` for every name a binding pattern binds, in source order. */
export function forEachBoundName<A>(
  p: DeclaringPattern,
  f: (name: string, arg: A) => void,
  arg: A,
): void {
  switch (p.type) {
    case "Identifier":
      f(p.name, arg);
      return;
    case "ObjectPattern":
      for (const prop of p.properties) {
        const target = prop.type === "RestElement" ? prop : prop.value as ESTree.Pattern;
        forEachBoundName(target, f, arg);
      }
      return;
    case "ArrayPattern":
      for (const el of p.elements) if (el) forEachBoundName(el, f, arg);
      return;
    case "AssignmentPattern":
      forEachBoundName(p.left, f, arg);
      return;
    case "RestElement":
      forEachBoundName(p.argument, f, arg);
      return;
  }
}

function declareIn(name: string, scope: LexicalScope): void {
  declare(scope, name);
}

function pushTo(name: string, out: string[]): void {
  out.push(name);
}

/** Declares every name a binding pattern binds in `scope`. */
export function declarePattern(p: DeclaringPattern, scope: LexicalScope): void {
  forEachBoundName(p, declareIn, scope);
}

/** The names a binding pattern binds, appended to `out`. */
export function patternNames(p: DeclaringPattern, out: string[] = []): string[] {
  forEachBoundName(p, pushTo, out);
  return out;
}

/**
 * Declares in `varScope` the `var`s of a function body, program or static block, nested blocks
 * and statements included (not those of nested functions and classes), and counts their
 * initializers ({@linkcode Binding.varInits}).
 */
export function hoistVarDeclarations(
  list: readonly ESTree.Node[],
  varScope: LexicalScope,
): void {
  for (const st of list) hoistVarsIn(varScope, st);
}

function hoistVarsIn(varScope: LexicalScope, node: ESTree.Node): void {
  switch (node.type) {
    case "VariableDeclaration":
      if (node.kind === "var") {
        for (const d of node.declarations) {
          declarePattern(d.id, varScope);
          if (isNode(d.init)) {
            for (const name of patternNames(d.id)) varScope.bindings.get(name)!.varInits++;
          }
        }
      }
      return;
    case "FunctionDeclaration":
    case "FunctionExpression":
    case "ArrowFunctionExpression":
    case "ClassDeclaration":
    case "ClassExpression":
    // No statement inside these (but in functions, handled above).
    case "ExpressionStatement":
    case "ReturnStatement":
    case "ThrowStatement":
      return;
  }
  forEachChild(node, hoistVarsIn, varScope, undefined);
}

/**
 * Declares in `scope` what a statement list declares lexically: `let`, `const`, classes,
 * function declarations (block-scoped in blocks; at the top of a function or program they
 * share the `var` scope, which is the same scope there) and imports.
 */
export function hoistLexicalDeclarations(
  list: readonly ESTree.Node[],
  scope: LexicalScope,
): void {
  for (const st of list) hoistLexicalOne(st, scope);
}

function hoistLexicalOne(st: ESTree.Node, scope: LexicalScope): void {
  switch (st.type) {
    case "VariableDeclaration":
      if (st.kind !== "var") {
        for (const d of st.declarations) declarePattern(d.id, scope);
      }
      return;
    case "FunctionDeclaration":
    case "ClassDeclaration":
      if (isNode(st.id)) declare(scope, st.id.name);
      return;
    case "ImportDeclaration":
      for (const spec of st.specifiers) declare(scope, spec.local.name);
      return;
    case "ExportNamedDeclaration":
      if (isNode(st.declaration)) hoistLexicalOne(st.declaration, scope);
      return;
    case "ExportDefaultDeclaration": {
      const d = st.declaration;
      if ((d.type === "FunctionDeclaration" || d.type === "ClassDeclaration") && isNode(d.id)) {
        declare(scope, d.id.name);
      }
      return;
    }
    case "LabeledStatement":
      hoistLexicalOne(st.body, scope);
      return;
  }
}

/** Declares what a function body, program or static block declares: its vars and lexicals. */
export function hoistBody(list: readonly ESTree.Node[], scope: LexicalScope): void {
  hoistVarDeclarations(list, scope);
  hoistLexicalDeclarations(list, scope);
}

/** True when a body's directive prologue has `"use strict"`. */
export function hasUseStrict(body: readonly ESTree.Node[]): boolean {
  for (const st of body) {
    if (st.type !== "ExpressionStatement" || typeof st.directive !== "string") return false;
    if (st.directive === "use strict") return true;
  }
  return false;
}
