/**
 * The transform's walk, functions, classes and object literals: the sites that register
 * closures, and the scopes of parameters, bodies, class bodies and static blocks.
 *
 * @module
 */

import type { ESTree } from "meriyah";
import {
  declarePattern,
  hasUseStrict,
  hoistLexicalDeclarations,
  hoistVarDeclarations,
} from "../code/scope/declare.ts";
import { declare } from "../code/scope/model.ts";
import { isAnonymousFunction, isProtoSetter, staticKey } from "./names.ts";
import { indexAfterBrace } from "./text.ts";
import { RESTORE_FIELD, THIS } from "./emitted_names.ts";
import { placeAfterDirectives, statements } from "./walk_statements.ts";
import { expression, patternDefaults } from "./walk_expressions.ts";
import {
  addSite,
  type ClassNode,
  type FunctionNode,
  type InstrumentScope,
  isNode,
  openScope,
  type Site,
  type Walk,
} from "./walk_state.ts";

const FUNCTION_TYPES = new Set(["FunctionExpression", "ArrowFunctionExpression"]);

/** Walks a function declaration (registered at the start of its scope when in a list). */
export function functionDeclaration(
  w: Walk,
  node: ESTree.FunctionDeclaration,
  scope: InstrumentScope,
  inList: boolean,
  name?: string,
): void {
  const bindingName = name ?? (isNode(node.id) ? node.id.name : undefined);
  const registrable = inList && bindingName !== undefined;
  const site = addSite(w, registrable ? "decl" : "none", node, scope);
  site.name = bindingName;
  if (registrable) scope.fnDecls.push(site);
  fn(w, node, scope, site);
}

/** Walks a function: params scope (the boundary) and body scope. */
export function fn(w: Walk, node: FunctionNode, outer: InstrumentScope, site: Site): void {
  w.depth++;
  w.fnDepth++;
  const body = node.body!;
  const block = body.type === "BlockStatement";
  const strict = outer.strict || (block && hasUseStrict(body.body));
  const p = openScope(w, "Params", outer, strict, false);
  p.boundary = true;
  p.site = site;
  if (node.type === "FunctionExpression" && isNode(node.id)) {
    declare(p, node.id.name);
  }
  // Arrows inside read this function's `this` (see THIS in emitted_names.ts).
  if (node.type !== "ArrowFunctionExpression") declare(p, THIS);
  for (const param of node.params) declarePattern(param, p);
  for (const param of node.params) patternDefaults(w, param, p);
  const b = openScope(w, "Function", p, strict, true);
  if (block) {
    placeAfterDirectives(b, body.body, body.start! + 1);
    if (!b.semi) b.at = body.start! + 1;
    hoistVarDeclarations(body.body, b);
    hoistLexicalDeclarations(body.body, b);
    statements(w, body.body, b);
  } else {
    b.arrow = node as ESTree.ArrowFunctionExpression;
    b.at = body.start!;
    b.depth = w.depth + 0.5;
    expression(w, body, b);
  }
  w.fnDepth--;
  w.depth--;
}

export function klass(w: Walk, node: ClassNode, outer: InstrumentScope): void {
  w.depth++;
  const c = openScope(w, "Class", outer, true, false);
  const site = addSite(w, "class", node, c);
  c.boundary = true;
  c.site = site;
  if (isNode(node.id)) declare(c, node.id.name);
  if (isNode(node.superClass)) expression(w, node.superClass, c);
  const fields: string[] = [];
  const statics: string[] = [];
  // A class loaded from a pickle has its restore field already (lib/code/private_state.ts).
  let restorable = true;
  for (const m of node.body.body) {
    if (m.type === "PropertyDefinition" && m.key.type === "PrivateIdentifier") {
      if (m.key.name === RESTORE_FIELD) restorable = false;
      else (m.static ? statics : fields).push(m.key.name);
    }
  }
  if (fields.length > 0 || statics.length > 0) {
    w.privateClasses.push({
      body: node.body,
      fields,
      statics,
      restorable: restorable && fields.length > 0,
    });
  }
  for (const m of node.body.body) {
    w.depth++;
    switch (m.type) {
      case "MethodDefinition": {
        if (m.computed && isNode(m.key)) expression(w, m.key, c);
        const member = addSite(w, "none", m.value, c);
        member.owner = site;
        fn(w, m.value, c, member);
        break;
      }
      case "PropertyDefinition":
      case "AccessorProperty": {
        if (m.computed) expression(w, m.key, c);
        if (isNode(m.value)) {
          // An initializer runs with the instance (the class, for a static one) as `this`:
          // a head of its own, where closures over that `this` get an inline record.
          const init = openScope(w, "Params", c, true, false);
          declare(init, THIS);
          const name = m.computed ? undefined : staticKey(m.key);
          if (m.computed && isAnonymousFunction(m.value)) {
            // The function takes its name from a computed key: cannot be wrapped.
            fn(w, m.value as FunctionNode, init, addSite(w, "none", m.value, init));
          } else {
            expression(w, m.value, init, name);
          }
        }
        break;
      }
      case "StaticBlock": {
        const s = openScope(w, "Static", c, true, true);
        declare(s, THIS);
        s.at = indexAfterBrace(w.src, m.start! + "static".length);
        hoistVarDeclarations(m.body, s);
        hoistLexicalDeclarations(m.body, s);
        statements(w, m.body, s);
        break;
      }
    }
    w.depth--;
  }
  w.depth--;
}

export function object(w: Walk, node: ESTree.ObjectExpression, scope: InstrumentScope): void {
  const props = node.properties;
  // For each index: the static key and whether a later entry may replace it.
  const keys: (string | undefined)[] = props.map((p) =>
    p.type === "Property" && !p.computed ? staticKey(p.key) : undefined
  );
  const replaced = (i: number, slot: "g" | "s" | "m"): boolean => {
    const k = keys[i];
    for (let j = i + 1; j < props.length; j++) {
      const p = props[j];
      // A spread defines data properties only: the registration finds no getter or setter
      // where one replaced the accessor, but it could not tell a spread function from a method.
      if (p.type === "SpreadElement" && slot !== "m") continue;
      if (p.type !== "Property" || p.computed) return true;
      if (keys[j] !== k) continue;
      if (isProtoSetter(p)) continue;
      if (slot === "g" && p.kind === "set") continue;
      if (slot === "s" && p.kind === "get") continue;
      return true;
    }
    return false;
  };
  let objectSite: Site | undefined;
  for (let i = 0; i < props.length; i++) {
    const p = props[i];
    w.depth++;
    if (p.type !== "Property") {
      expression(w, p, scope);
      w.depth--;
      continue;
    }
    if (p.computed) expression(w, p.key, scope);
    const value = p.value;
    const isMember = p.method || p.kind === "get" || p.kind === "set";
    const isFn = FUNCTION_TYPES.has(value.type);
    if (isMember) {
      // Methods, getters and setters cannot be wrapped: registered through the object.
      const slot = p.kind === "get" ? "g" : p.kind === "set" ? "s" : "m";
      const key = keys[i];
      if (key !== undefined && !replaced(i, slot)) {
        objectSite ??= addSite(w, "object", node, scope);
        const member = addSite(w, "member", value, scope);
        member.spec = slot + key;
        member.owner = objectSite;
        (objectSite.members ??= []).push(member);
        fn(w, value as FunctionNode, scope, member);
      } else {
        fn(w, value as FunctionNode, scope, addSite(w, "none", value, scope)); // unregistered
      }
    } else if (isFn && p.computed && isAnonymousFunction(value)) {
      // Named by a computed key: wrapping it would lose that name; left unregistered.
      fn(w, value as FunctionNode, scope, addSite(w, "none", value, scope));
    } else if (isFn && !p.shorthand && !isProtoSetter(p)) {
      expression(w, value, scope, keys[i]); // wrapped, keeping the name of its key
    } else if (isFn && isProtoSetter(p)) {
      expression(w, value, scope); // `__proto__: fn` does not name fn
    } else {
      expression(w, value, scope);
    }
    w.depth--;
  }
}
