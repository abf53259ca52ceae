/**
 * InstrumentScope records as text: the record function a scope declares, its binding name, and the
 * record expression a site registers with.
 *
 * @module
 */

import { type Binding, isMutable, type LexicalScopeKind } from "../code/scope/model.ts";
import { RECORD_NAMES, RECORD_PARAM, THIS } from "./emitted_names.ts";
import type { InstrumentScope, Site } from "./walk_state.ts";

/** Names with their declarations, the ones that may change first; and how many those are. */
export function recordNames(entries: Iterable<[string, Binding]>): [string[], number] {
  const changing: string[] = [];
  const fixed: string[] = [];
  for (const [name, d] of entries) (isMutable(d) ? changing : fixed).push(name);
  return [[...changing, ...fixed], changing.length];
}

/** The nearest enclosing scope that has a record. */
export function parentRecord(s: InstrumentScope): InstrumentScope | null {
  let p = s.parent;
  while (p !== null && p.record === "") p = p.parent;
  return p;
}

/**
 * The body of a record: `case i` reads variable i, -1 the parent record, -2 the names, -3 the
 * kind of scope, -4 how many of the names (the first ones) may change after initialization.
 */
export function recordBody(
  entries: Iterable<[string, Binding]>,
  parent: string,
  kind: string,
): string {
  const [names, changing] = recordNames(entries);
  let cases = "";
  for (let i = 0; i < names.length; i++) cases += `case ${i}:return ${names[i]};`;
  return `switch(${RECORD_PARAM}){${cases}case -1:return ${parent};` +
    `case -2:return ${JSON.stringify(names.join(","))};case -3:return "${kind}";` +
    `case -4:return ${changing}}`;
}

/** The statement that creates a scope's record. */
export function recordDeclaration(s: InstrumentScope): string {
  const parent = parentRecord(s)?.record ?? "null";
  const body = recordBody(s.hosted, parent, s.kind);
  // Sloppy-mode block-level function declarations also create a function-level `var`
  // (Annex B), which could shadow an outer record: use `const` there.
  // A record reading the scope's `this` is an arrow function, whose `this` is the scope's.
  if (s.hosted.has(THIS) || !s.strict && (s.kind === "Block" || s.kind === "Static")) {
    return `const ${s.record}=(${RECORD_PARAM})=>{${body}};`;
  }
  return `function ${s.record}(${RECORD_PARAM}){${body}}`;
}

/**
 * The record a site registers with: the innermost record around it, or, when the site sits in
 * a head (parameters, loop head, catch parameter, class body) whose variables it captures, an
 * inline record of those variables. Null when there is no record at all.
 */
export function recordExpression(site: Site): string | null {
  const heads: InstrumentScope[] = [];
  let s: InstrumentScope | null = site.scope;
  while (s !== null && !s.recordable) {
    heads.push(s);
    s = s.parent;
  }
  let named = s;
  while (named !== null && named.record === "") named = named.parent;
  const inline: [string, Binding][] = [];
  let kind: LexicalScopeKind | undefined;
  if (heads.length > 0) {
    for (const [name, scope] of site.free) {
      if (!heads.includes(scope)) continue;
      inline.push([name, scope.bindings.get(name)!]);
      kind ??= scope.kind;
    }
  }
  if (inline.length === 0) return named?.record ?? null;
  const parent = named?.record ?? "null";
  return `(${RECORD_PARAM})=>{${recordBody(inline, parent, kind!)}}`;
}

/** Gives every scope that hosts captured variables its record's binding name; their count. */
export function nameRecords(scopes: readonly InstrumentScope[]): number {
  let records = 0;
  // Record names: differ from the parent record's (a/b), sloppy switch blocks use c/d.
  for (const s of scopes) {
    if (s.hosted.size === 0 || s.at < 0) continue;
    const parent = parentRecord(s);
    if (s.kind === "Switch" && !s.strict) {
      let outerSwitch = s.parent;
      while (
        outerSwitch !== null &&
        !(outerSwitch.record === RECORD_NAMES[2] || outerSwitch.record === RECORD_NAMES[3])
      ) outerSwitch = outerSwitch.parent;
      s.record = outerSwitch?.record === RECORD_NAMES[2] ? RECORD_NAMES[3] : RECORD_NAMES[2];
    } else {
      s.record = parent?.record === RECORD_NAMES[0] ? RECORD_NAMES[1] : RECORD_NAMES[0];
    }
    records++;
  }
  return records;
}
