/**
 * Load-time instrumentation of JavaScript modules (Bun has no run-time API for closure
 * variables, so the preload rewrites every module it loads). Pure: source text in, source text
 * out; the helpers the output calls are installed by `lib/runtime/instrumented.ts`, the
 * names it emits are in `emitted_names.ts`.
 *
 * What the output does at run time:
 *
 * - Every scope *instance* that declares a variable some closure captures creates one scope
 *   record when it starts: a small accessor function declared at the top of the scope,
 *   `function $cp$a($cp$i) { switch ($cp$i) { case 0: return n; …; case -1: return <parent
 *   record>; case -2: return "n,…"; case -3: return "<kind>"; case -4: <count> } }`. It reads
 *   the current values (a read in the temporal dead zone throws), names its parent record (the
 *   record of the nearest enclosing scope that has one, `null` at the top), its variable names
 *   and how many of them (the first ones) are ever assigned after initialization. Records
 *   alternate between the binding names `$cp$a` and `$cp$b` so that each can name its parent
 *   (`$cp$c`/`$cp$d` for switch blocks of sloppy-mode code; sloppy-mode blocks use `const`
 *   records, as Annex B would hoist a function declaration out of the block).
 * - `this` counts as a variable of every function (but arrows), static block and field
 *   initializer: where an arrow inside reads it, the record of that scope has an entry
 *   `this` (`case i: return this`), and that record is an arrow function
 *   (`const $cp$a = ($cp$i) => {…}`), whose `this` is the scope's. So an arrow over `this`
 *   pickles as a closure over it, wherever the arrow is held.
 * - Every function, class and object-literal method that has free variables declared in this
 *   module is registered with the record of the innermost recorded scope around it:
 *   expressions are wrapped (`$cp$f(rec, fn)`, or `$cp$n(rec, {name: fn}, "name")` where the
 *   function takes its name from its binding or property key: name inference does not pass
 *   through a call), function declarations are registered at the start of the scope they are
 *   hoisted in, classes by a static block at the start of their body (`$cp$k(rec, this)`
 *   registers the class and its methods and accessors), object literals with methods,
 *   getters or setters by a wrapper that names them (`$cp$o(rec, obj, "m", "key", "g", …)`).
 * - Closures created where no statement can go (default parameters, loop heads, catch
 *   parameters, class bodies) and that capture variables of those positions get a record of
 *   their own, written inline as an arrow function.
 *
 * Not registered (their free variables cannot be read; the pickler then says so): functions
 * named by a computed key (`{[k]: () => x}`, class fields with computed keys), methods of
 * object literals with computed keys or followed by a spread or computed key that may replace
 * them, function declarations directly in a statement position that is not a list (`if (a)
 * function f() {}`), code created by `eval` (`new Function`: see function_constructor.ts),
 * and private methods.
 *
 * The text is spliced, not re-printed: insertions never add line breaks, so line numbers of
 * the input stay valid (for compiler output, {@linkcode InstrumentOptions.lines} moves lines
 * back to where they were in the original).
 *
 * @module
 */

import { pathToFileURL } from "node:url";
import type { ESTree } from "meriyah";
import { isNode } from "../code/scope/model.ts";
import { legacyDecorations, MARK_DECORATED } from "../code/decorated.ts";
import { resolveCaptures } from "./capture.ts";
import { RESOLVER, THIS } from "./emitted_names.ts";
import { alignLines } from "./lines.ts";
import type { InstrumentOptions, InstrumentResult } from "./options.ts";
import { parse } from "./parse.ts";
import { insertionsOf, splice } from "./splice.ts";
import { Walk } from "./walk_state.ts";
import { program } from "./walk_statements.ts";

export type { InstrumentOptions, InstrumentResult } from "./options.ts";
export { InstrumentError } from "./parse.ts";
export { bunDefaultName } from "./names.ts";
export { mapLines } from "./lines.ts";

/**
 * Instruments one module's source so that the closures it creates carry their scope records
 * (see the module documentation). Throws {@linkcode InstrumentError} when the source does not
 * parse.
 */
export function instrument(source: string, options: InstrumentOptions = {}): InstrumentResult {
  const { program: ast, sourceType } = parse(source, options);
  const w = new Walk(source, options);
  program(w, ast, sourceType === "module");
  resolveCaptures(w);
  const { insertions, records, sites } = insertionsOf(w);
  if (options.path !== undefined && w.imports.length > 0) {
    // `import(spec)` -> `import(<resolver>("<this file's URL>", spec))`: a pickled function
    // keeps resolving relative specifiers against this module (see relative_imports.ts).
    const base = RESOLVER + JSON.stringify(pathToFileURL(options.path).href) + ",";
    for (const [node, depth] of w.imports) {
      const arg = node.source;
      insertions.push({ pos: arg.start!, text: base, opening: true, depth });
      insertions.push({ pos: arg.end!, text: ")", opening: false, depth });
    }
  }
  // Classes the module decorates with legacy decorators, marked as each decoration is made
  // (decorated.ts).
  for (const { name, end } of legacyDecorations(ast)) {
    if (!topLevelClass(ast, name)) continue;
    insertions.push({ pos: end, text: `;${MARK_DECORATED}(${name});`, opening: false, depth: 0 });
  }
  const commonjs = !w.moduleSyntax && w.usesCommonJs;
  const imports = importsOf(ast, w.dynamicImports);
  if (options.lines !== undefined) alignLines(source, options.lines, w.multiline, insertions);
  if (insertions.length === 0) {
    return { code: source, sourceType, records: 0, sites: 0, commonjs, imports };
  }
  return { code: splice(source, insertions), sourceType, records, sites, commonjs, imports };
}

/** Whether the program's top level declares class `name` (`class X`, `export class X`). */
function topLevelClass(program: ESTree.Program, name: string): boolean {
  for (const st of program.body) {
    const d = st.type === "ExportNamedDeclaration" || st.type === "ExportDefaultDeclaration"
      ? st.declaration
      : st;
    if (isNode(d) && d.type === "ClassDeclaration" && d.id?.name === name) return true;
  }
  return false;
}

/** The module's static import sources, then its literal dynamic ones, without duplicates. */
function importsOf(program: ESTree.Program, dynamic: readonly string[]): string[] {
  const out = new Set<string>();
  for (const st of program.body) {
    if (
      (st.type === "ImportDeclaration" || st.type === "ExportAllDeclaration" ||
        st.type === "ExportNamedDeclaration") &&
      isNode(st.source) &&
      typeof st.source.value === "string"
    ) {
      out.add(st.source.value);
    }
  }
  for (const d of dynamic) out.add(d);
  return [...out];
}

/** The variables of the module one function or class of it uses from outside (see below). */
export interface CapturedNames {
  /** Where the function or class starts in the source. */
  readonly start: number;
  /** Where it ends. */
  readonly end: number;
  /** Names declared in the module (not globals) that it uses from outside itself. */
  readonly names: readonly string[];
}

/**
 * What the transform's scope analysis finds for every function and class of a module, whether
 * registered or not: the module's variables each uses from outside. For checking the analysis
 * (the tests compare it with an independent scope analyzer); the transform itself does not
 * call it.
 */
export function capturedNames(source: string, options: InstrumentOptions = {}): CapturedNames[] {
  const { program: ast, sourceType } = parse(source, options);
  const w = new Walk(source, options);
  program(w, ast, sourceType === "module");
  resolveCaptures(w);
  const out: CapturedNames[] = [];
  for (const s of w.scopes) {
    if (!s.boundary || s.site === null) continue;
    const { start, end } = s.site.node;
    const names = [...s.site.free.keys()].filter((n) => n !== THIS);
    out.push({ start: start!, end: end!, names });
  }
  return out;
}
