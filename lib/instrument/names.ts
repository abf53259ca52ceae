/**
 * Names in the transform: the name Bun gives an anonymous default export, static property
 * keys, and which functions take their name from their binding or key.
 *
 * @module
 */

import type { ESTree } from "meriyah";
import { isNode, type N } from "./walk_state.ts";

/** Operators of assignments that name an anonymous function on their right. */
export const NAMING_OPERATORS = new Set(["=", "&&=", "||=", "??="]);

/** An arrow function, or a function expression without a name of its own. */
export function isAnonymousFunction(n: N): boolean {
  return n.type === "ArrowFunctionExpression" ||
    (n.type === "FunctionExpression" && !isNode(n.id));
}

/** The property key of a non-computed key node, as a string; undefined if unusual. */
export function staticKey(key: N): string | undefined {
  if (key.type === "Identifier") return key.name;
  if (key.type === "PrivateIdentifier") return `#${key.name}`;
  if (key.type === "Literal") {
    const v = key.value;
    if (typeof v === "string") return v;
    if (typeof v === "number") return String(v);
    if (typeof v === "bigint") return String(v);
  }
  return undefined;
}

/** How Bun names an anonymous default-exported function of the module at `path`. */
export function bunDefaultName(path: string): string {
  const base = path.replace(/^.*[\\/]/, "").replace(/\.[^.]*$/, "");
  let id = base.replace(/[^\p{ID_Continue}$]/gu, "_");
  if (!/^[\p{ID_Start}$_]/u.test(id)) id = `_${id}`;
  return `${id}_default`;
}

/** `__proto__: value` in an object literal: sets the prototype, names nothing. */
export function isProtoSetter(p: ESTree.Property): boolean {
  if (p.computed || p.shorthand || p.method || p.kind !== "init") return false;
  const k = p.key;
  return (k.type === "Identifier" && k.name === "__proto__") ||
    (k.type === "Literal" && k.value === "__proto__");
}
