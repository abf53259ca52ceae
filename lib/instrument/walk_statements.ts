/**
 * The transform's walk, statements: the program, blocks, loops, switch and catch scopes, and
 * declarations (each scope declares its names through the shared scope model's rules).
 *
 * @module
 */

import type { ESTree } from "meriyah";
import {
  declarePattern,
  hasUseStrict,
  hoistLexicalDeclarations,
  hoistVarDeclarations,
  patternNames,
} from "../code/scope/declare.ts";
import { declare } from "../code/scope/model.ts";
import { bunDefaultName } from "./names.ts";
import { functionDeclaration, klass } from "./walk_functions.ts";
import { expression, patternDefaults, ref, target } from "./walk_expressions.ts";
import { type InstrumentScope, isNode, type N, openScope, type Walk } from "./walk_state.ts";

const MODULE_SYNTAX = new Set([
  "ImportDeclaration",
  "ExportNamedDeclaration",
  "ExportDefaultDeclaration",
  "ExportAllDeclaration",
]);

/** Walks a program. */
export function program(w: Walk, node: ESTree.Program, isModule: boolean): void {
  const body = node.body;
  // Strict only when surely a module: a file without import/export may be loaded as
  // CommonJS. (Treating strict code as sloppy only makes some records `const`.)
  w.moduleSyntax = body.some((st) => MODULE_SYNTAX.has(st.type));
  const strict = (isModule && w.moduleSyntax) || hasUseStrict(body);
  const m = openScope(w, "Module", null, strict, true);
  placeAfterDirectives(m, body, node.start!);
  if (m.at < 0 && body.length > 0) m.at = body[0].start!;
  hoistVarDeclarations(body, m);
  hoistLexicalDeclarations(body, m);
  statements(w, body, m);
}

/** Sets where a function body's or program's record goes: after its directives. */
export function placeAfterDirectives(
  s: InstrumentScope,
  body: readonly N[],
  fallback: number,
): void {
  let lastDirective: N | undefined;
  for (const st of body) {
    if (st.type === "ExpressionStatement" && typeof st.directive === "string") lastDirective = st;
    else break;
  }
  if (lastDirective !== undefined) {
    s.at = lastDirective.end!;
    s.semi = true;
  } else if (body.length > 0) {
    s.at = body[0].start!;
  } else {
    s.at = fallback;
  }
}

export function statements(w: Walk, list: readonly N[], scope: InstrumentScope): void {
  for (const st of list) statement(w, st, scope, true);
}

/** `inList`: the statement sits directly in a statement list (declarations hoist there). */
export function statement(w: Walk, st: N, scope: InstrumentScope, inList: boolean): void {
  w.depth++;
  try {
    switch (st.type) {
      case "FunctionDeclaration":
        functionDeclaration(w, st, scope, inList);
        return;
      case "ClassDeclaration":
        klass(w, st, scope);
        return;
      case "VariableDeclaration":
        variableDeclaration(w, st, scope);
        return;
      case "BlockStatement": {
        const b = openScope(w, "Block", scope, scope.strict, true);
        b.at = st.start! + 1;
        hoistLexicalDeclarations(st.body, b);
        statements(w, st.body, b);
        return;
      }
      case "LabeledStatement":
        statement(w, st.body, scope, inList);
        return;
      case "IfStatement":
        expression(w, st.test, scope);
        statement(w, st.consequent, scope, false);
        if (isNode(st.alternate)) statement(w, st.alternate, scope, false);
        return;
      case "ForStatement":
      case "ForInStatement":
      case "ForOfStatement":
        loop(w, st, scope);
        return;
      case "WhileStatement":
        expression(w, st.test, scope);
        statement(w, st.body, scope, false);
        return;
      case "DoWhileStatement":
        statement(w, st.body, scope, false);
        expression(w, st.test, scope);
        return;
      case "WithStatement":
        expression(w, st.object, scope);
        statement(w, st.body, scope, false);
        return;
      case "SwitchStatement":
        switchStatement(w, st, scope);
        return;
      case "TryStatement":
        statement(w, st.block, scope, false);
        if (isNode(st.handler)) catchClause(w, st.handler, scope);
        if (isNode(st.finalizer)) statement(w, st.finalizer, scope, false);
        return;
      case "ReturnStatement":
      case "ThrowStatement":
        if (isNode(st.argument)) expression(w, st.argument, scope);
        return;
      case "ExpressionStatement":
        expression(w, st.expression, scope);
        return;
      case "ImportDeclaration":
      case "ExportAllDeclaration":
      case "BreakStatement":
      case "ContinueStatement":
      case "EmptyStatement":
      case "DebuggerStatement":
        return;
      case "ExportNamedDeclaration":
        if (isNode(st.declaration)) {
          statement(w, st.declaration, scope, inList);
        } else if (!isNode(st.source)) {
          for (const spec of st.specifiers) {
            if (spec.local.type === "Identifier") ref(w, spec.local.name, scope);
          }
        }
        return;
      case "ExportDefaultDeclaration":
        exportDefault(w, st, scope);
        return;
      default:
        expression(w, st, scope);
    }
  } finally {
    w.depth--;
  }
}

export function exportDefault(
  w: Walk,
  st: ESTree.ExportDefaultDeclaration,
  scope: InstrumentScope,
): void {
  const d = st.declaration;
  if (d.type === "FunctionDeclaration") {
    let name = isNode(d.id) ? d.id.name : undefined;
    const renamable = name === undefined ||
      (w.options.defaultName !== undefined && name === w.options.defaultName);
    if (renamable && w.options.path !== undefined) {
      const bunName = bunDefaultName(w.options.path);
      if (!scope.bindings.has(bunName)) {
        w.defaultRename = { node: d, name: bunName, replace: name !== undefined };
        declare(scope, bunName);
        if (name !== undefined) scope.bindings.delete(name);
        name = bunName;
      } else {
        name = undefined;
      }
    } else if (renamable) {
      name = undefined;
    }
    functionDeclaration(w, d, scope, true, name);
  } else if (d.type === "ClassDeclaration") {
    klass(w, d, scope);
  } else {
    expression(w, d, scope, "default");
  }
}

export function variableDeclaration(
  w: Walk,
  st: ESTree.VariableDeclaration,
  scope: InstrumentScope,
): void {
  for (const d of st.declarations) {
    patternDefaults(w, d.id, scope);
    if (isNode(d.init)) {
      const hint = d.id.type === "Identifier" ? d.id.name : undefined;
      expression(w, d.init, scope, hint);
    }
  }
}

export function loop(
  w: Walk,
  st: ESTree.ForStatement | ESTree.ForInStatement | ESTree.ForOfStatement,
  scope: InstrumentScope,
): void {
  if (st.type === "ForOfStatement" && st.await && w.fnDepth === 0) w.moduleSyntax = true;
  const head: N | null = st.type === "ForStatement" ? st.init : st.left;
  const lexical = isNode(head) && head.type === "VariableDeclaration" && head.kind !== "var";
  const inner = lexical ? openScope(w, "Loop", scope, scope.strict, false) : scope;
  if (lexical) {
    for (const d of (head as ESTree.VariableDeclaration).declarations) declarePattern(d.id, inner);
  }
  if (
    isNode(head) && head.type === "VariableDeclaration" && !lexical && st.type !== "ForStatement"
  ) {
    // `for (var x of …)` assigns x on every iteration.
    for (const d of head.declarations) {
      for (const name of patternNames(d.id)) ref(w, name, inner, true);
    }
  }
  if (isNode(head)) {
    if (head.type === "VariableDeclaration") variableDeclaration(w, head, inner);
    else if (st.type === "ForStatement") expression(w, head, inner);
    else target(w, head, inner);
  }
  if (st.type === "ForStatement") {
    if (isNode(st.test)) expression(w, st.test, inner);
    if (isNode(st.update)) expression(w, st.update, inner);
  } else {
    expression(w, st.right, inner);
  }
  const body = st.body;
  if (!lexical || body.type === "BlockStatement") {
    statement(w, body, inner, false);
    return;
  }
  // A single-statement body of a loop with per-iteration bindings: a block of its own
  // (braces added only if it gets a record).
  const b = openScope(w, "Block", inner, scope.strict, true);
  b.at = body.start!;
  b.synthEnd = body.end!;
  b.depth = w.depth + 0.5;
  statement(w, body, b, false);
}

export function switchStatement(w: Walk, st: ESTree.SwitchStatement, scope: InstrumentScope): void {
  expression(w, st.discriminant, scope);
  const s = openScope(w, "Switch", scope, scope.strict, true);
  const all: N[] = [];
  for (const c of st.cases) all.push(...c.consequent);
  if (all.length > 0) s.at = all[0].start!;
  hoistLexicalDeclarations(all, s);
  for (const c of st.cases) {
    if (isNode(c.test)) expression(w, c.test, s);
    statements(w, c.consequent, s);
  }
}

export function catchClause(w: Walk, node: ESTree.CatchClause, scope: InstrumentScope): void {
  const c = openScope(w, "Catch", scope, scope.strict, false);
  if (isNode(node.param)) {
    declarePattern(node.param, c);
    patternDefaults(w, node.param, c);
  }
  statement(w, node.body, c, false);
}
