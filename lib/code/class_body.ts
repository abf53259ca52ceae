/**
 * What the analysis reads from a class's body and heritage, and from the private names of a
 * source: private fields, members by kind, the `extends` clause, the private names that
 * classes inside a source declare.
 *
 * @module
 */

import type { ESTree } from "meriyah";
import { isNode } from "./scope/model.ts";
import type { Analysis } from "./analyze.ts";

type ClassNode = ESTree.ClassExpression;

/** Classes: the names (without `#`) of the private fields, static or of instances. */
export function privateFieldsOf(cls: ClassNode, statics: boolean): string[] {
  const out: string[] = [];
  for (const m of cls.body.body) {
    if (m.type !== "PropertyDefinition" || m.key.type !== "PrivateIdentifier") continue;
    if (Boolean(m.static) === statics) out.push(m.key.name);
  }
  return out;
}

/**
 * Whether instances of the class carry private state: private instance fields, or private
 * instance methods and accessors (whose brand the constructor gives).
 */
export function instancePrivateOf(cls: ClassNode): boolean {
  return cls.body.body.some((m) =>
    (m.type === "PropertyDefinition" || m.type === "MethodDefinition" ||
      m.type === "AccessorProperty") && !m.static && m.key?.type === "PrivateIdentifier"
  );
}

/** No members (a source that is not a class). */
export const NO_MEMBERS = { statics: new Set<string>(), proto: new Set<string>(), computed: false };

/** The names of a class's methods and accessors, static and of its prototype. */
export function membersOf(cls: ClassNode): Analysis["members"] {
  const statics = new Set<string>();
  const proto = new Set<string>();
  let computed = false;
  for (const m of cls.body.body) {
    if (m.type !== "MethodDefinition") continue;
    if (m.computed) computed = true;
    if (m.computed || m.kind === "constructor" || !isNode(m.key)) continue;
    const key = m.key;
    const name = key.type === "Identifier"
      ? key.name
      : key.type === "Literal"
      ? String(key.value)
      : undefined;
    if (name === undefined) continue;
    (m.static ? statics : proto).add(name);
  }
  return { statics, proto, computed };
}

/** What a class's `extends` clause is. */
export function heritageKindOf(cls: ClassNode): Analysis["heritageKind"] {
  const h = cls.superClass;
  if (!isNode(h)) return "none";
  if (h.type === "Identifier") return "identifier";
  return h.type === "Literal" && h.value === null ? "null" : "other";
}

/** Where a class's `extends` expression is in its source (parsed as `(source)`). */
export function heritageRange(cls: ClassNode): readonly [number, number] | undefined {
  const h = cls.superClass as { start?: number; end?: number } | null;
  if (h?.start === undefined || h.end === undefined) return undefined;
  return [h.start - 1, h.end - 1];
}

/** The private names the classes inside `node` declare. */
export function declaredPrivate(node: unknown): Set<string> {
  const out = new Set<string>();
  const visit = (n: unknown): void => {
    if (Array.isArray(n)) {
      for (const c of n) visit(c);
      return;
    }
    if (!isNode(n)) return;
    if (n.type === "ClassBody") {
      for (const m of n.body) {
        if ("key" in m && isNode(m.key) && m.key.type === "PrivateIdentifier") out.add(m.key.name);
      }
    }
    for (const key in n) {
      if (key !== "type" && key !== "start" && key !== "end") {
        visit((n as unknown as Record<string, unknown>)[key]);
      }
    }
  };
  visit(node);
  return out;
}

/** Candidate private names: a text scan, which also finds `#` in comments and strings. */
const PRIVATE_NAME = /#([A-Za-z_$][\w$]*)/g;

/** The names after a `#` in `source` (a superset of its private names). */
export function candidatePrivateNames(source: string): string[] {
  const out = new Set<string>();
  for (const m of source.matchAll(PRIVATE_NAME)) out.add(m[1]);
  return [...out];
}
