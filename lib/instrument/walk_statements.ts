/**
 * The transform's walk, statements: the program, blocks, loops, switch and catch scopes, and
 * declarations (each scope declares its names through the shared scope model's rules).
 *
 * @module
 */

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
import {
  type ESTreeNodes,
  type InstrumentScope,
  isNode,
  type N,
  openScope,
  type Pattern,
  type Walk,
} from "./walk_state.ts";

const MODULE_SYNTAX = new Set([
  "ImportDeclaration",
  "ExportNamedDeclaration",
  "ExportDefaultDeclaration",
  "ExportAllDeclaration",
]);

/** Walks a program. */
export function program(w: Walk, node: N, isModule: boolean): void {
  const body = node.body as N[];
  // Strict only when surely a module: a file without import/export may be loaded as
  // CommonJS. (Treating strict code as sloppy only makes some records `const`.)
  w.moduleSyntax = body.some((st) => MODULE_SYNTAX.has(st.type));
  const strict = (isModule && w.moduleSyntax) || hasUseStrict(body as ESTreeNodes);
  const m = openScope(w, "Module", null, strict, true);
  placeAfterDirectives(m, body, node.start);
  if (m.at < 0 && body.length > 0) m.at = body[0].start;
  hoistVarDeclarations(body as ESTreeNodes, m);
  hoistLexicalDeclarations(body as ESTreeNodes, m);
  statements(w, body, m);
}

/** Sets where a function body's or program's record goes: after its directives. */
export function placeAfterDirectives(
  s: InstrumentScope,
  body: N[],
  fallback: number,
): void {
  let lastDirective: N | undefined;
  for (const st of body) {
    if (st.type === "ExpressionStatement" && typeof st.directive === "string") lastDirective = st;
    else break;
  }
  if (lastDirective !== undefined) {
    s.at = lastDirective.end;
    s.semi = true;
  } else if (body.length > 0) {
    s.at = body[0].start;
  } else {
    s.at = fallback;
  }
}

export function statements(w: Walk, list: N[], scope: InstrumentScope): void {
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
        b.at = st.start + 1;
        hoistLexicalDeclarations(st.body as ESTreeNodes, b);
        statements(w, st.body as N[], b);
        return;
      }
      case "LabeledStatement":
        statement(w, st.body as N, scope, inList);
        return;
      case "IfStatement":
        expression(w, st.test as N, scope);
        statement(w, st.consequent as N, scope, false);
        if (isNode(st.alternate)) statement(w, st.alternate, scope, false);
        return;
      case "ForStatement":
      case "ForInStatement":
      case "ForOfStatement":
        loop(w, st, scope);
        return;
      case "WhileStatement":
        expression(w, st.test as N, scope);
        statement(w, st.body as N, scope, false);
        return;
      case "DoWhileStatement":
        statement(w, st.body as N, scope, false);
        expression(w, st.test as N, scope);
        return;
      case "WithStatement":
        expression(w, st.object as N, scope);
        statement(w, st.body as N, scope, false);
        return;
      case "SwitchStatement":
        switchStatement(w, st, scope);
        return;
      case "TryStatement":
        statement(w, st.block as N, scope, false);
        if (isNode(st.handler)) catchClause(w, st.handler, scope);
        if (isNode(st.finalizer)) statement(w, st.finalizer, scope, false);
        return;
      case "ReturnStatement":
      case "ThrowStatement":
        if (isNode(st.argument)) expression(w, st.argument, scope);
        return;
      case "ExpressionStatement":
        expression(w, st.expression as N, scope);
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
          for (const spec of st.specifiers as N[]) {
            if (spec.local.type === "Identifier") ref(w, spec.local.name as string, scope);
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

export function exportDefault(w: Walk, st: N, scope: InstrumentScope): void {
  const d = st.declaration as N;
  if (d.type === "FunctionDeclaration") {
    let name = isNode(d.id) ? d.id.name as string : undefined;
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

export function variableDeclaration(w: Walk, st: N, scope: InstrumentScope): void {
  for (const d of st.declarations as N[]) {
    patternDefaults(w, d.id as N, scope);
    if (isNode(d.init)) {
      const hint = d.id.type === "Identifier" ? d.id.name as string : undefined;
      expression(w, d.init, scope, hint);
    }
  }
}

export function loop(w: Walk, st: N, scope: InstrumentScope): void {
  if (st.await === true && w.fnDepth === 0) w.moduleSyntax = true;
  const head = (st.type === "ForStatement" ? st.init : st.left) as N | null;
  const lexical = isNode(head) && head.type === "VariableDeclaration" && head.kind !== "var";
  const inner = lexical ? openScope(w, "Loop", scope, scope.strict, false) : scope;
  if (lexical) {
    for (const d of head!.declarations as N[]) declarePattern(d.id as Pattern, inner);
  }
  if (
    isNode(head) && head.type === "VariableDeclaration" && !lexical && st.type !== "ForStatement"
  ) {
    // `for (var x of …)` assigns x on every iteration.
    for (const d of head.declarations as N[]) {
      for (const name of patternNames(d.id as Pattern)) ref(w, name, inner, true);
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
    expression(w, st.right as N, inner);
  }
  const body = st.body as N;
  if (!lexical || body.type === "BlockStatement") {
    statement(w, body, inner, false);
    return;
  }
  // A single-statement body of a loop with per-iteration bindings: a block of its own
  // (braces added only if it gets a record).
  const b = openScope(w, "Block", inner, scope.strict, true);
  b.at = body.start;
  b.synthEnd = body.end;
  b.depth = w.depth + 0.5;
  statement(w, body, b, false);
}

export function switchStatement(w: Walk, st: N, scope: InstrumentScope): void {
  expression(w, st.discriminant as N, scope);
  const s = openScope(w, "Switch", scope, scope.strict, true);
  const all: N[] = [];
  for (const c of st.cases as N[]) all.push(...(c.consequent as N[]));
  if (all.length > 0) s.at = all[0].start;
  hoistLexicalDeclarations(all as ESTreeNodes, s);
  for (const c of st.cases as N[]) {
    if (isNode(c.test)) expression(w, c.test, s);
    statements(w, c.consequent as N[], s);
  }
}

export function catchClause(w: Walk, node: N, scope: InstrumentScope): void {
  const c = openScope(w, "Catch", scope, scope.strict, false);
  if (isNode(node.param)) {
    declarePattern(node.param as Pattern, c);
    patternDefaults(w, node.param, c);
  }
  statement(w, node.body as N, c, false);
}
