/**
 * The transform's walk, expressions: references (reads and writes), the names anonymous
 * functions take from their binding, assignment targets, JSX, `import()` and the module-syntax
 * markers (`import.meta`, top-level `await`).
 *
 * @module
 */

import type { ESTree } from "meriyah";
import { forEachChild } from "../code/scope/model.ts";
import { isAnonymousFunction, NAMING_OPERATORS } from "./names.ts";
import { fn, klass, object } from "./walk_functions.ts";
import { THIS } from "./emitted_names.ts";
import { addSite, type InstrumentScope, isNode, type N, type Walk } from "./walk_state.ts";

/** `hint`: the name an anonymous function here takes from its binding. */
export function expression(
  w: Walk,
  node: N,
  scope: InstrumentScope,
  hint?: string,
  newCallee = false,
): void {
  w.depth++;
  try {
    switch (node.type) {
      case "Identifier":
        ref(w, node.name, scope);
        return;
      case "FunctionExpression":
      case "ArrowFunctionExpression": {
        const site = addSite(w, "fn", node, scope);
        if (hint !== undefined && isAnonymousFunction(node)) site.name = hint;
        site.newCallee = newCallee;
        fn(w, node, scope, site);
        return;
      }
      case "ClassExpression":
        klass(w, node, scope);
        return;
      case "ObjectExpression":
        object(w, node, scope);
        return;
      case "MemberExpression":
        expression(w, node.object, scope);
        if (node.computed) expression(w, node.property, scope);
        return;
      case "NewExpression":
        expression(w, node.callee, scope, undefined, true);
        for (const a of node.arguments) expression(w, a, scope);
        return;
      case "AssignmentExpression": {
        const left = node.left;
        target(w, left, scope);
        const name = left.type === "Identifier" && NAMING_OPERATORS.has(node.operator)
          ? left.name
          : undefined;
        expression(w, node.right, scope, name);
        return;
      }
      case "AssignmentPattern": {
        const left = node.left;
        expression(w, left, scope);
        expression(
          w,
          node.right!,
          scope,
          left.type === "Identifier" ? left.name : undefined,
        );
        return;
      }
      case "UpdateExpression":
        target(w, node.argument, scope);
        return;
      case "Property":
        // Inside an object pattern (destructuring assignment).
        if (node.computed) expression(w, node.key, scope);
        expression(w, node.value, scope);
        return;
      case "TemplateLiteral":
        w.multiline.push([node.start!, node.end!]);
        break;
      case "Literal":
      case "JSXText":
        if (
          typeof node.value === "string" &&
          /[\n\r\u2028\u2029]/.test(w.src.slice(node.start!, node.end!))
        ) {
          w.multiline.push([node.start!, node.end!]);
        }
        return;
      case "MetaProperty":
        if (node.meta.name === "import") w.moduleSyntax = true;
        return;
      case "ImportExpression": {
        w.imports.push([node, w.depth]);
        const src = node.source;
        if (src.type === "Literal" && typeof src.value === "string") {
          w.dynamicImports.push(src.value);
        }
        break;
      }
      case "AwaitExpression":
        if (w.fnDepth === 0) w.moduleSyntax = true;
        break;
      case "ThisExpression":
        ref(w, THIS, scope);
        return;
      case "Super":
      case "TemplateElement":
      case "PrivateIdentifier":
      case "JSXEmptyExpression":
      case "JSXClosingElement":
      case "JSXClosingFragment":
      case "JSXOpeningFragment":
        return;
      case "JSXElement":
        jsxName(w, node.openingElement.name, scope);
        for (const a of node.openingElement.attributes) {
          if (a.type === "JSXSpreadAttribute") expression(w, a.argument, scope);
          else if (a.type === "JSXAttribute" && isNode(a.value)) expression(w, a.value, scope);
        }
        for (const c of node.children) expression(w, c, scope);
        return;
      case "JSXFragment":
        for (const c of node.children) expression(w, c, scope);
        return;
      case "JSXExpressionContainer":
      case "JSXSpreadChild":
        expression(w, node.expression, scope);
        return;
    }
    children(w, node, scope);
  } finally {
    w.depth--;
  }
}

export function jsxName(w: Walk, n: N, scope: InstrumentScope): void {
  if (n.type === "JSXIdentifier") {
    const name = n.name;
    if (!/^[a-z]/.test(name) && name !== "this") ref(w, name, scope);
  } else if (n.type === "JSXMemberExpression") {
    jsxName(w, n.object, scope);
  }
}

export function children(w: Walk, node: N, scope: InstrumentScope): void {
  forEachChild(node as ESTree.Node, expressionOf, w, scope);
}

function expressionOf(w: Walk, node: N, scope: InstrumentScope): void {
  expression(w, node, scope);
}

/** Visits what a binding pattern evaluates: defaults (which name functions) and keys. */
export function patternDefaults(w: Walk, p: N, scope: InstrumentScope): void {
  pattern(w, p, scope, false);
}

/** Visits the target of an assignment: its identifiers are written. */
export function target(w: Walk, node: N, scope: InstrumentScope): void {
  pattern(w, node, scope, true);
}

/**
 * Visits a pattern: what it evaluates (defaults, computed keys, member targets) and, for an
 * assignment target (`write`), the writes to its identifiers.
 */
function pattern(w: Walk, p: N, scope: InstrumentScope, write: boolean): void {
  switch (p.type) {
    case "Identifier":
      if (write) ref(w, p.name, scope, true);
      return;
    case "ObjectPattern":
      for (const prop of p.properties) {
        if (prop.type === "RestElement") {
          pattern(w, prop.argument, scope, write);
        } else {
          if (prop.computed) expression(w, prop.key, scope);
          pattern(w, prop.value, scope, write);
        }
      }
      return;
    case "ArrayPattern":
      for (const el of p.elements as (N | null)[]) if (el) pattern(w, el, scope, write);
      return;
    case "AssignmentPattern": {
      const left = p.left;
      pattern(w, left, scope, write);
      expression(
        w,
        p.right!,
        scope,
        left.type === "Identifier" ? left.name : undefined,
      );
      return;
    }
    case "RestElement":
      pattern(w, p.argument, scope, write);
      return;
    default:
      if (write) expression(w, p, scope);
  }
}

export function ref(w: Walk, name: string, scope: InstrumentScope, write = false): void {
  if (name === "arguments") return;
  w.refs.push({ name, scope, write });
}
