/**
 * Functions by value, load side: rebuilding captured scopes as real JavaScript scopes and
 * evaluating function sources inside them. A scope is a generated factory that declares
 * the captured variables with `let` and returns a handle: `d(src)` evaluates source inside
 * the scope (direct eval, so the new function closes over those variables), `s(i, v)` sets
 * variable `i`. Variables are set after the functions exist, so cycles resolve; functions
 * built in one scope share its variables, as closures of one real scope do.
 *
 * @module
 */

import type { Analysis } from "./analyze.ts";
import { rememberScope } from "./loaded.ts";

/** Form codes of the FUNCTION tag. */
export const FORM_FUNCTION = 0;
export const FORM_ARROW = 1;
export const FORM_METHOD = 2;
export const FORM_CLASS = 3;
/** Member kinds of the FUNCTION tag (methods). */
export const MEMBER_METHOD = 0;
export const MEMBER_GET = 1;
export const MEMBER_SET = 2;

/** The FUNCTION tag's form code for an analysis (undefined: not pickled by value alone). */
export function formCode(a: Analysis): number | undefined {
  if (a.form === "function") return FORM_FUNCTION;
  if (a.form === "arrow") return FORM_ARROW;
  if (a.form === "method") return FORM_METHOD;
  if (a.form === "class") return FORM_CLASS;
  return undefined;
}

/** The FUNCTION tag's member kind code. */
export function memberCode(a: Analysis): number {
  return a.memberKind === "get" ? MEMBER_GET : a.memberKind === "set" ? MEMBER_SET : MEMBER_METHOD;
}

/** A rebuilt scope. */
export interface ScopeHandle {
  /** Evaluates `src` inside the scope. */
  d(src: string): unknown;
  /** Sets the scope's variable number `i`. */
  s(i: number, v: unknown): void;
  /** Reads the current value of the scope's variable number `i`. */
  g(i: number): unknown;
}

const IDENTIFIER = /^[\p{ID_Start}$_][\p{ID_Continue}$\u200c\u200d]*$/u;
const RESERVED = new Set(
  (
    "break case catch class const continue debugger default delete do else enum export " +
    "extends false finally for function if import in instanceof new null return super " +
    "switch this throw true try typeof var void while with yield let static implements " +
    "interface package private protected public await eval arguments"
  ).split(" "),
);

/** True when `name` can be declared with `let` in strict code. */
export function isDeclarable(name: string): boolean {
  return IDENTIFIER.test(name) && !RESERVED.has(name) && !name.startsWith("$cp$");
}

function factorySource(names: readonly string[]): string {
  const decl = names.length > 0 ? `let ${names.join(", ")};` : "";
  let sets = "";
  let gets = "";
  for (let i = 0; i < names.length; i++) {
    sets += `case ${i}: ${names[i]} = $cp$v; break; `;
    gets += `case ${i}: return ${names[i]}; `;
  }
  return `(function () { ${decl} return { d: ($cp$src) => eval($cp$src), ` +
    `s: ($cp$i, $cp$v) => { switch ($cp$i) { ${sets}} }, ` +
    `g: ($cp$i) => { switch ($cp$i) { ${gets}} } }; })()`;
}

const indirectEval = eval;

/** A new scope declaring `names`, inside `parent` (or at the top level). */
export function newScope(parent: ScopeHandle | null, names: readonly string[]): ScopeHandle {
  const src = factorySource(names);
  const h = (parent === null ? indirectEval(`"use strict"; ${src}`) : parent.d(src)) as ScopeHandle;
  rememberScope(h, names, parent);
  return h;
}

let topScope: ScopeHandle | undefined;

/** `scope`, or the top-level scope (which declares nothing). */
export function scopeOrTop(scope: ScopeHandle | null): ScopeHandle {
  return scope ?? (topScope ??= newScope(null, []));
}

/** The one member (method, getter or setter) of an object literal evaluated from a method. */
export function memberOf(holder: object, member: number): unknown {
  const keys = Reflect.ownKeys(holder);
  if (keys.length !== 1) throw new SyntaxError("method source does not define one member");
  const d = Object.getOwnPropertyDescriptor(holder, keys[0])!;
  return member === MEMBER_GET ? d.get : member === MEMBER_SET ? d.set : d.value;
}

/** Evaluates a function's source in `scope` (or the top level) and returns the function. */
export function newFunction(
  scope: ScopeHandle | null,
  form: number,
  member: number,
  source: string,
): unknown {
  const where = scopeOrTop(scope);
  if (form !== FORM_METHOD) return where.d(`(${source})`);
  return memberOf(where.d(`({${source}})`) as object, member);
}
