/**
 * Whether a class's source stores an arrow over `this` in an object literal it puts on its
 * instance: `this.std = { validate: (d) => this.check(d) }` in the constructor or a method, or a
 * field `std = { validate: (d) => this.check(d) }` (zod's `this["~standard"]`). The arrow and the
 * assignment are then in one function, so the arrow's `this` is the instance that holds the
 * literal. Read from the class's syntax tree, not from its text, so that a matching text in a
 * string, a comment or another function does not count.
 *
 * @module
 */

import { parseScript } from "meriyah";

interface Node {
  type: string;
  start: number;
  end: number;
  [field: string]: unknown;
}

/** Parsed class sources (a class with such literals is met once per instance). */
const trees = new Map<string, Node | null>();
const TREES_MAX = 32;

/**
 * Whether class source `classSource` assigns to property `keys[0]` of `this` an object literal
 * whose property `keys[1]` is the arrow of source text `raw`, or an object literal whose
 * property `keys[2]` is, and so on: `this.a = { b: { c: <raw> } }` for keys `a`, `b`, `c`.
 */
export function storesInLiteral(
  classSource: string,
  raw: string,
  keys: readonly string[],
): boolean {
  const tree = treeOf(classSource);
  if (tree === null) return false;
  // The tree is of `(classSource)`: positions are one more than in the source.
  for (let at = classSource.indexOf(raw); at >= 0; at = classSource.indexOf(raw, at + 1)) {
    const path = pathTo(tree, at + 1, at + 1 + raw.length);
    if (path !== undefined && storedAt(path, keys)) return true;
  }
  return false;
}

/**
 * Whether class source `classSource` puts the arrow of source text `raw` into the array its
 * instance holds at `key`: `this.<key>.push(<raw>)` (any method of it, the arrow one of the
 * arguments) or `this.<key>[i] = <raw>`.
 */
export function pushedOnto(classSource: string, raw: string, key: string): boolean {
  const tree = treeOf(classSource);
  if (tree === null) return false;
  for (let at = classSource.indexOf(raw); at >= 0; at = classSource.indexOf(raw, at + 1)) {
    const path = pathTo(tree, at + 1, at + 1 + raw.length);
    if (path === undefined) continue;
    const arrow = path[path.length - 1], parent = path[path.length - 2];
    let container: Node | undefined;
    if (parent?.type === "CallExpression" && (parent.arguments as Node[]).includes(arrow)) {
      const callee = parent.callee as Node;
      if (callee.type === "MemberExpression") container = callee.object as Node;
    } else if (
      parent?.type === "AssignmentExpression" && parent.operator === "=" && parent.right === arrow
    ) {
      const left = parent.left as Node;
      if (left.type === "MemberExpression" && left.computed === true) {
        container = left.object as Node;
      }
    }
    if (
      container?.type === "MemberExpression" &&
      (container.object as Node).type === "ThisExpression" &&
      keyIs(container.property as Node, container.computed === true, key)
    ) return true;
  }
  return false;
}

function treeOf(source: string): Node | null {
  let tree = trees.get(source);
  if (tree !== undefined) return tree;
  try {
    tree = parseScript(`(${source})`, { ranges: true, next: true }) as unknown as Node;
  } catch {
    tree = null;
  }
  if (trees.size >= TREES_MAX) trees.clear();
  trees.set(source, tree);
  return tree;
}

/** The nodes from the root down to the arrow spanning [start, end), or undefined. */
function pathTo(root: Node, start: number, end: number): Node[] | undefined {
  const path: Node[] = [];
  let node: Node | undefined = root;
  while (node !== undefined) {
    path.push(node);
    if (node.start === start && node.end === end && node.type === "ArrowFunctionExpression") {
      return path;
    }
    node = childSpanning(node, start, end);
  }
  return undefined;
}

function childSpanning(node: Node, start: number, end: number): Node | undefined {
  for (const k in node) {
    const v = node[k];
    if (Array.isArray(v)) {
      for (const c of v) if (spans(c, start, end)) return c as Node;
    } else if (spans(v, start, end)) return v as Node;
  }
  return undefined;
}

function spans(v: unknown, start: number, end: number): boolean {
  if (v === null || typeof v !== "object" || typeof (v as Node).type !== "string") return false;
  const n = v as Node;
  return n.start <= start && n.end >= end;
}

/** Whether `path` ends in `this.<k0> = { <k1>: … { <kn>: <arrow> } }` or a field of that form. */
function storedAt(path: Node[], keys: readonly string[]): boolean {
  let at = path.length - 1;
  let value = path[at];
  for (let i = keys.length - 1; i >= 1; i--) {
    const prop = path[at - 1], literal = path[at - 2];
    if (prop?.type !== "Property" || prop.value !== value || prop.kind !== "init") return false;
    if (!keyIs(prop.key as Node, prop.computed === true, keys[i])) return false;
    if (literal?.type !== "ObjectExpression") return false;
    at -= 2;
    value = literal;
  }
  const holder = path[at - 1];
  if (holder === undefined) return false;
  if (holder.type === "AssignmentExpression") {
    const left = holder.left as Node;
    return holder.operator === "=" && holder.right === value &&
      left.type === "MemberExpression" && (left.object as Node).type === "ThisExpression" &&
      keyIs(left.property as Node, left.computed === true, keys[0]);
  }
  // An instance field (a static one's `this` is the class).
  return holder.type === "PropertyDefinition" && holder.value === value &&
    holder.static !== true && keyIs(holder.key as Node, holder.computed === true, keys[0]);
}

function keyIs(node: Node, computed: boolean, key: string): boolean {
  if (node.type === "Identifier") return !computed && node.name === key;
  return node.type === "Literal" && node.value === key;
}
