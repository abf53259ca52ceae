/**
 * Load-time instrumentation of JavaScript modules (Bun has no run-time API for closure
 * variables, so the preload rewrites every module it loads). Pure: source text in, source text
 * out; the helpers the output calls are installed by `instrument_runtime.ts`, their names are
 * in `scopes_instrumented.ts`.
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
 * function f() {}`), code created by `eval` or `new Function`, and private methods.
 *
 * The text is spliced, not re-printed: insertions never add line breaks, so line numbers of
 * the input stay valid (for compiler output, {@linkcode InstrumentOptions.lines} moves lines
 * back to where they were in the original).
 *
 * @module
 */

import { pathToFileURL } from "node:url";
import { privateReaderBlock } from "./private_readers.ts";
import { RESOLVER } from "../code/relative_imports.ts";
import { parseModule, parseScript } from "meriyah";
import {
  RECORD_NAMES,
  REGISTER,
  REGISTER_CLASS,
  REGISTER_NAMED,
  REGISTER_OBJECT,
} from "./instrumented.ts";

/** Options of {@linkcode instrument}. */
export interface InstrumentOptions {
  /**
   * "module": an ES module (strict). "script": a script or CommonJS module (sloppy unless it
   * says "use strict"; top-level `return` allowed). Default: parse as a module, else as a
   * script.
   */
  sourceType?: "module" | "script";
  /** Parse JSX. */
  jsx?: boolean;
  /**
   * The module's file path. Used to name an anonymous `export default function` the way Bun
   * does (`<file base name>_default`), which gives it a binding to register it by.
   */
  path?: string;
  /**
   * A name a previous compiler gave an anonymous `export default function` (Bun.Transpiler
   * names it "input_default"); it is renamed like an anonymous one.
   */
  defaultName?: string;
  /**
   * For source produced by a compiler: the line (1-based, 0 = unknown) of the original file
   * each line of `source` came from (see {@linkcode mapLines}). Blank lines are added where
   * that is safe so that lines sit at least that far down, as they did in the original.
   */
  lines?: readonly number[];
}

/** What {@linkcode instrument} produced. */
export interface InstrumentResult {
  /** The instrumented source (the input itself when nothing needed instrumenting). */
  readonly code: string;
  /** How the source was parsed. */
  readonly sourceType: "module" | "script";
  /** Number of scopes that got a record. */
  readonly records: number;
  /** Number of places that register functions, classes or objects. */
  readonly sites: number;
  /**
   * The module is CommonJS as Bun sees it: no ES module syntax (import/export, `import.meta`,
   * top-level `await`) and it uses `module`, `exports` or `require`.
   */
  readonly commonjs: boolean;
  /**
   * The specifiers this module imports statically (`import`, `export … from`) and by
   * `import("literal")`, in order of appearance, without duplicates.
   */
  readonly imports: readonly string[];
}

/** The source could not be parsed. */
export class InstrumentError extends Error {}

interface N {
  readonly type: string;
  readonly start: number;
  readonly end: number;
  // deno-lint-ignore no-explicit-any
  readonly [key: string]: any;
}

type Kind =
  | "Module"
  | "Function"
  | "Params"
  | "Block"
  | "Static"
  | "Switch"
  | "Loop"
  | "Catch"
  | "Class";

/** One declared variable. */
interface Decl {
  /** Assignments to it (after its declaration). */
  writes: number;
  /** `var` declarators with an initializer (a second one is an assignment). */
  varInits: number;
}

/** Whether a variable may change after it is initialized. */
function mutable(d: Decl): boolean {
  return d.writes > 0 || d.varInits > 1;
}

class Scope {
  readonly decls = new Map<string, Decl>();
  /** Captured variables this scope's record exposes. */
  readonly hosted = new Map<string, Decl>();
  /** Function declarations hoisted here, registered when the scope starts. */
  readonly fnDecls: Site[] = [];
  /** Leaving this scope outward leaves a function or class. */
  boundary = false;
  /** The site whose free variables grow when a reference leaves through this boundary. */
  site: Site | null = null;
  /** Binding name of this scope's record ("" when it has none). */
  record = "";
  /** Where the record goes; -1: nowhere possible. */
  at = -1;
  /** Put ";" before the record (it follows a directive). */
  semi = false;
  /** A single-statement loop body: wrap it in braces, closing at this position. */
  synthEnd = -1;
  /** An arrow function with an expression body: turned into a block body if needed. */
  arrow: N | null = null;
  /** AST depth of the node that owns the scope (orders insertions). */
  depth = 0;

  constructor(
    readonly kind: Kind,
    readonly parent: Scope | null,
    readonly strict: boolean,
    /** A statement can run at the start of every instance of the scope. */
    readonly recordable: boolean,
  ) {}
}

type SiteKind = "fn" | "decl" | "class" | "object" | "member" | "none";

interface Site {
  kind: SiteKind;
  node: N;
  /** Scope the function/class/object is created in. */
  scope: Scope;
  /** Free variables declared in this module → the scope that declares them. */
  free: Map<string, Scope>;
  /** The name to give an anonymous function (name inference from its binding). */
  name?: string;
  /** Callee of `new`: needs parentheses around the wrapper. */
  newCallee?: boolean;
  /** Object literal: its registered members. */
  members?: Site[];
  /** Member of an object literal: its spec ("m"/"g"/"s" + key). */
  spec?: string;
  /** Owner of a member (object literal) or of a method (class). */
  owner?: Site;
  /** AST depth. */
  depth: number;
}

interface Ref {
  readonly name: string;
  readonly scope: Scope;
  /** An assignment to the variable. */
  readonly write: boolean;
}

interface Insertion {
  readonly pos: number;
  readonly text: string;
  readonly opening: boolean;
  readonly depth: number;
  /** Replace the source up to here (renaming an identifier). */
  readonly skipTo?: number;
}

/** Depth of insertions at scope starts: before any wrapper opening at the same place. */
const SCOPE_START = -Number.MAX_VALUE;
const FUNCTION_TYPES = new Set(["FunctionExpression", "ArrowFunctionExpression"]);
const SKIP_KEYS = new Set(["type", "start", "end", "range", "loc", "raw"]);
const MODULE_SYNTAX = new Set([
  "ImportDeclaration",
  "ExportNamedDeclaration",
  "ExportDefaultDeclaration",
  "ExportAllDeclaration",
]);
const NAMING_OPERATORS = new Set(["=", "&&=", "||=", "??="]);

function isNode(v: unknown): v is N {
  return v !== null && typeof v === "object" && typeof (v as N).type === "string";
}

function isAnonymousFunction(n: N): boolean {
  return n.type === "ArrowFunctionExpression" ||
    (n.type === "FunctionExpression" && !isNode(n.id));
}

/** The property key of a non-computed key node, as a string; undefined if unusual. */
function staticKey(key: N): string | undefined {
  if (key.type === "Identifier") return key.name as string;
  if (key.type === "PrivateIdentifier") return `#${key.name as string}`;
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

/** Parses a program, as a module first unless told otherwise. */
function parse(
  source: string,
  options: InstrumentOptions,
): { program: N; sourceType: "module" | "script" } {
  const common = { ranges: true, next: true, jsx: options.jsx === true };
  let firstError: unknown;
  if (options.sourceType !== "script") {
    try {
      return { program: parseModule(source, common) as unknown as N, sourceType: "module" };
    } catch (e) {
      firstError = e;
      if (options.sourceType === "module") {
        throw new InstrumentError(`cannot parse module: ${(e as Error).message}`);
      }
    }
  }
  try {
    const program = parseScript(source, { ...common, globalReturn: true, webcompat: true });
    return { program: program as unknown as N, sourceType: "script" };
  } catch (e) {
    throw new InstrumentError(`cannot parse: ${((firstError ?? e) as Error).message}`);
  }
}

/**
 * Instruments one module's source so that the closures it creates carry their scope records
 * (see the module documentation). Throws {@linkcode InstrumentError} when the source does not
 * parse.
 */
export function instrument(source: string, options: InstrumentOptions = {}): InstrumentResult {
  const { program, sourceType } = parse(source, options);
  const w = new Walker(source, options);
  w.program(program, sourceType === "module");
  w.resolve();
  const { insertions, records, sites } = w.emit();
  if (options.path !== undefined && w.imports.length > 0) {
    // `import(spec)` -> `import(<resolver>("<this file's URL>", spec))`: a pickled function
    // keeps resolving relative specifiers against this module (see relative_imports.ts).
    const base = RESOLVER + JSON.stringify(pathToFileURL(options.path).href) + ",";
    for (const [node, depth] of w.imports) {
      const arg = node.source as N;
      insertions.push({ pos: arg.start, text: base, opening: true, depth });
      insertions.push({ pos: arg.end, text: ")", opening: false, depth });
    }
  }
  const commonjs = !w.moduleSyntax && w.usesCommonJs;
  const imports = importsOf(program, w.dynamicImports);
  if (options.lines !== undefined) alignLines(source, options.lines, w.multiline, insertions);
  if (insertions.length === 0) {
    return { code: source, sourceType, records: 0, sites: 0, commonjs, imports };
  }
  insertions.sort((a, b) => {
    if (a.pos !== b.pos) return a.pos - b.pos;
    if (a.opening !== b.opening) return a.opening ? 1 : -1;
    return a.opening ? a.depth - b.depth : b.depth - a.depth;
  });
  let out = "";
  let last = 0;
  for (const ins of insertions) {
    if (ins.pos > last) out += source.slice(last, ins.pos);
    out += ins.text;
    last = Math.max(last, ins.skipTo ?? ins.pos);
  }
  out += source.slice(last);
  return { code: out, sourceType, records, sites, commonjs, imports };
}

/** The module's static import sources, then its literal dynamic ones, without duplicates. */
function importsOf(program: N, dynamic: readonly string[]): string[] {
  const out = new Set<string>();
  for (const st of program.body as N[]) {
    const src = st.source as N | null | undefined;
    if (
      (st.type === "ImportDeclaration" || st.type === "ExportAllDeclaration" ||
        st.type === "ExportNamedDeclaration") && isNode(src) && typeof src.value === "string"
    ) {
      out.add(src.value);
    }
  }
  for (const d of dynamic) out.add(d);
  return [...out];
}

class Walker {
  readonly refs: Ref[] = [];
  readonly scopes: Scope[] = [];
  readonly sites: Site[] = [];
  /** Classes declaring private fields: a static block registers a reader for them. */
  readonly privateClasses: { body: N; fields: string[]; statics: string[] }[] = [];
  /** ES module syntax seen: import/export, `import.meta`, top-level `await`. */
  moduleSyntax = false;
  /** `module`, `exports` or `require` used as globals (set by {@linkcode resolve}). */
  usesCommonJs = false;
  /** Sources of `import("literal")` expressions. */
  readonly dynamicImports: string[] = [];
  /** Depth of functions being walked (0: top level). */
  private fnDepth = 0;
  /** Ranges inside which a line break must not be added (multi-line literals). */
  readonly multiline: [number, number][] = [];
  private depth = 0;
  private defaultRename: { node: N; name: string; replace: boolean } | undefined;

  /** `import()` calls, with their depth. */
  readonly imports: [N, number][] = [];

  constructor(readonly src: string, readonly options: InstrumentOptions) {}

  // ---------------------------------------------------------------- scopes and sites

  private scope(kind: Kind, parent: Scope | null, strict: boolean, recordable: boolean): Scope {
    const s = new Scope(kind, parent, strict, recordable);
    s.depth = this.depth;
    this.scopes.push(s);
    return s;
  }

  private site(kind: SiteKind, node: N, scope: Scope): Site {
    const s: Site = { kind, node, scope, free: new Map(), depth: this.depth };
    if (kind !== "none") this.sites.push(s);
    return s;
  }

  // ---------------------------------------------------------------- program and statements

  program(node: N, isModule: boolean): void {
    const body = node.body as N[];
    // Strict only when surely a module: a file without import/export may be loaded as
    // CommonJS. (Treating strict code as sloppy only makes some records `const`.)
    this.moduleSyntax = body.some((st) => MODULE_SYNTAX.has(st.type));
    const strict = (isModule && this.moduleSyntax) || hasUseStrict(body);
    const m = this.scope("Module", null, strict, true);
    this.placeAfterDirectives(m, body, node.start);
    if (m.at < 0 && body.length > 0) m.at = body[0].start;
    this.hoistVars(body, m);
    this.hoistLexical(body, m);
    this.statements(body, m);
  }

  /** Sets where a function body's or program's record goes: after its directives. */
  private placeAfterDirectives(s: Scope, body: N[], fallback: number): void {
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

  private statements(list: N[], scope: Scope): void {
    for (const st of list) this.statement(st, scope, true);
  }

  /** `inList`: the statement sits directly in a statement list (declarations hoist there). */
  private statement(st: N, scope: Scope, inList: boolean): void {
    this.depth++;
    try {
      switch (st.type) {
        case "FunctionDeclaration":
          this.functionDeclaration(st, scope, inList);
          return;
        case "ClassDeclaration":
          this.klass(st, scope);
          return;
        case "VariableDeclaration":
          this.variableDeclaration(st, scope);
          return;
        case "BlockStatement": {
          const b = this.scope("Block", scope, scope.strict, true);
          b.at = st.start + 1;
          this.hoistLexical(st.body as N[], b);
          this.statements(st.body as N[], b);
          return;
        }
        case "LabeledStatement":
          this.statement(st.body as N, scope, inList);
          return;
        case "IfStatement":
          this.expression(st.test as N, scope);
          this.statement(st.consequent as N, scope, false);
          if (isNode(st.alternate)) this.statement(st.alternate, scope, false);
          return;
        case "ForStatement":
        case "ForInStatement":
        case "ForOfStatement":
          this.loop(st, scope);
          return;
        case "WhileStatement":
          this.expression(st.test as N, scope);
          this.statement(st.body as N, scope, false);
          return;
        case "DoWhileStatement":
          this.statement(st.body as N, scope, false);
          this.expression(st.test as N, scope);
          return;
        case "WithStatement":
          this.expression(st.object as N, scope);
          this.statement(st.body as N, scope, false);
          return;
        case "SwitchStatement":
          this.switchStatement(st, scope);
          return;
        case "TryStatement":
          this.statement(st.block as N, scope, false);
          if (isNode(st.handler)) this.catchClause(st.handler, scope);
          if (isNode(st.finalizer)) this.statement(st.finalizer, scope, false);
          return;
        case "ReturnStatement":
        case "ThrowStatement":
          if (isNode(st.argument)) this.expression(st.argument, scope);
          return;
        case "ExpressionStatement":
          this.expression(st.expression as N, scope);
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
            this.statement(st.declaration, scope, inList);
          } else if (!isNode(st.source)) {
            for (const spec of st.specifiers as N[]) {
              if (spec.local.type === "Identifier") this.ref(spec.local.name as string, scope);
            }
          }
          return;
        case "ExportDefaultDeclaration":
          this.exportDefault(st, scope);
          return;
        default:
          this.expression(st, scope);
      }
    } finally {
      this.depth--;
    }
  }

  private exportDefault(st: N, scope: Scope): void {
    const d = st.declaration as N;
    if (d.type === "FunctionDeclaration") {
      let name = isNode(d.id) ? d.id.name as string : undefined;
      const renamable = name === undefined ||
        (this.options.defaultName !== undefined && name === this.options.defaultName);
      if (renamable && this.options.path !== undefined) {
        const bunName = bunDefaultName(this.options.path);
        if (!scope.decls.has(bunName)) {
          this.defaultRename = { node: d, name: bunName, replace: name !== undefined };
          declare(scope, bunName);
          if (name !== undefined) scope.decls.delete(name);
          name = bunName;
        } else {
          name = undefined;
        }
      } else if (renamable) {
        name = undefined;
      }
      this.functionDeclaration(d, scope, true, name);
    } else if (d.type === "ClassDeclaration") {
      this.klass(d, scope);
    } else {
      this.expression(d, scope, "default");
    }
  }

  private variableDeclaration(st: N, scope: Scope): void {
    for (const d of st.declarations as N[]) {
      this.patternDefaults(d.id as N, scope);
      if (isNode(d.init)) {
        const hint = d.id.type === "Identifier" ? d.id.name as string : undefined;
        this.expression(d.init, scope, hint);
      }
    }
  }

  private loop(st: N, scope: Scope): void {
    if (st.await === true && this.fnDepth === 0) this.moduleSyntax = true;
    const head = (st.type === "ForStatement" ? st.init : st.left) as N | null;
    const lexical = isNode(head) && head.type === "VariableDeclaration" && head.kind !== "var";
    const inner = lexical ? this.scope("Loop", scope, scope.strict, false) : scope;
    if (lexical) {
      for (const d of head!.declarations as N[]) declarePattern(d.id as N, inner);
    }
    if (
      isNode(head) && head.type === "VariableDeclaration" && !lexical && st.type !== "ForStatement"
    ) {
      // `for (var x of …)` assigns x on every iteration.
      for (const d of head.declarations as N[]) {
        for (const name of patternNames(d.id as N)) this.ref(name, inner, true);
      }
    }
    if (isNode(head)) {
      if (head.type === "VariableDeclaration") this.variableDeclaration(head, inner);
      else if (st.type === "ForStatement") this.expression(head, inner);
      else this.target(head, inner);
    }
    if (st.type === "ForStatement") {
      if (isNode(st.test)) this.expression(st.test, inner);
      if (isNode(st.update)) this.expression(st.update, inner);
    } else {
      this.expression(st.right as N, inner);
    }
    const body = st.body as N;
    if (!lexical || body.type === "BlockStatement") {
      this.statement(body, inner, false);
      return;
    }
    // A single-statement body of a loop with per-iteration bindings: a block of its own
    // (braces added only if it gets a record).
    const b = this.scope("Block", inner, scope.strict, true);
    b.at = body.start;
    b.synthEnd = body.end;
    b.depth = this.depth + 0.5;
    this.statement(body, b, false);
  }

  private switchStatement(st: N, scope: Scope): void {
    this.expression(st.discriminant as N, scope);
    const s = this.scope("Switch", scope, scope.strict, true);
    const all: N[] = [];
    for (const c of st.cases as N[]) all.push(...(c.consequent as N[]));
    if (all.length > 0) s.at = all[0].start;
    this.hoistLexical(all, s);
    for (const c of st.cases as N[]) {
      if (isNode(c.test)) this.expression(c.test, s);
      this.statements(c.consequent as N[], s);
    }
  }

  private catchClause(node: N, scope: Scope): void {
    const c = this.scope("Catch", scope, scope.strict, false);
    if (isNode(node.param)) {
      declarePattern(node.param, c);
      this.patternDefaults(node.param, c);
    }
    this.statement(node.body as N, c, false);
  }

  // ---------------------------------------------------------------- hoisting

  /** Declares the `var`s of a function body or program (nested blocks included). */
  private hoistVars(list: N[], varScope: Scope): void {
    for (const st of list) this.hoistVarsIn(st, varScope);
  }

  private hoistVarsIn(node: N, varScope: Scope): void {
    switch (node.type) {
      case "VariableDeclaration":
        if (node.kind === "var") {
          for (const d of node.declarations as N[]) {
            declarePattern(d.id as N, varScope);
            if (isNode(d.init)) {
              for (const name of patternNames(d.id as N)) varScope.decls.get(name)!.varInits++;
            }
          }
        }
        return;
      case "FunctionDeclaration":
      case "FunctionExpression":
      case "ArrowFunctionExpression":
      case "ClassDeclaration":
      case "ClassExpression":
        return;
      case "ExpressionStatement":
      case "ReturnStatement":
      case "ThrowStatement":
        return;
    }
    for (const key in node) {
      if (SKIP_KEYS.has(key)) continue;
      const v = node[key];
      if (Array.isArray(v)) {
        for (const item of v) if (isNode(item)) this.hoistVarsIn(item, varScope);
      } else if (isNode(v)) {
        this.hoistVarsIn(v, varScope);
      }
    }
  }

  /** Declares what a statement list declares lexically (let/const/class/function/import). */
  private hoistLexical(list: N[], scope: Scope): void {
    for (const st of list) this.hoistLexicalOne(st, scope);
  }

  private hoistLexicalOne(st: N, scope: Scope): void {
    switch (st.type) {
      case "VariableDeclaration":
        if (st.kind !== "var") {
          for (const d of st.declarations as N[]) declarePattern(d.id as N, scope);
        }
        return;
      case "FunctionDeclaration":
      case "ClassDeclaration":
        if (isNode(st.id)) declare(scope, st.id.name as string);
        return;
      case "ImportDeclaration":
        for (const spec of st.specifiers as N[]) declare(scope, spec.local.name as string);
        return;
      case "ExportNamedDeclaration":
        if (isNode(st.declaration)) this.hoistLexicalOne(st.declaration, scope);
        return;
      case "ExportDefaultDeclaration": {
        const d = st.declaration as N;
        if ((d.type === "FunctionDeclaration" || d.type === "ClassDeclaration") && isNode(d.id)) {
          declare(scope, d.id.name as string);
        }
        return;
      }
      case "LabeledStatement":
        this.hoistLexicalOne(st.body as N, scope);
        return;
    }
  }

  // ---------------------------------------------------------------- functions and classes

  private functionDeclaration(node: N, scope: Scope, inList: boolean, name?: string): void {
    const bindingName = name ?? (isNode(node.id) ? node.id.name as string : undefined);
    const registrable = inList && bindingName !== undefined;
    const site = this.site(registrable ? "decl" : "none", node, scope);
    site.name = bindingName;
    if (registrable) scope.fnDecls.push(site);
    this.fn(node, scope, site);
  }

  /** Walks a function: params scope (the boundary) and body scope. */
  private fn(node: N, outer: Scope, site: Site): void {
    this.depth++;
    this.fnDepth++;
    const body = node.body as N;
    const block = body.type === "BlockStatement";
    const strict = outer.strict || (block && hasUseStrict(body.body as N[]));
    const p = this.scope("Params", outer, strict, false);
    p.boundary = true;
    p.site = site;
    if (node.type === "FunctionExpression" && isNode(node.id)) {
      declare(p, node.id.name as string);
    }
    for (const param of node.params as N[]) declarePattern(param, p);
    for (const param of node.params as N[]) this.patternDefaults(param, p);
    const b = this.scope("Function", p, strict, true);
    if (block) {
      this.placeAfterDirectives(b, body.body as N[], body.start + 1);
      if (!b.semi) b.at = body.start + 1;
      this.hoistVars(body.body as N[], b);
      this.hoistLexical(body.body as N[], b);
      this.statements(body.body as N[], b);
    } else {
      b.arrow = node;
      b.at = body.start;
      b.depth = this.depth + 0.5;
      this.expression(body, b);
    }
    this.fnDepth--;
    this.depth--;
  }

  private klass(node: N, outer: Scope): void {
    this.depth++;
    const c = this.scope("Class", outer, true, false);
    const site = this.site("class", node, c);
    c.boundary = true;
    c.site = site;
    if (isNode(node.id)) declare(c, node.id.name as string);
    if (isNode(node.superClass)) this.expression(node.superClass, c);
    const fields: string[] = [];
    const statics: string[] = [];
    for (const m of (node.body as N).body as N[]) {
      if (m.type === "PropertyDefinition" && (m.key as N).type === "PrivateIdentifier") {
        (m.static ? statics : fields).push((m.key as N).name as string);
      }
    }
    if (fields.length > 0 || statics.length > 0) {
      this.privateClasses.push({ body: node.body as N, fields, statics });
    }
    for (const m of (node.body as N).body as N[]) {
      this.depth++;
      switch (m.type) {
        case "MethodDefinition": {
          if (m.computed) this.expression(m.key as N, c);
          const member = this.site("none", m.value as N, c);
          member.owner = site;
          this.fn(m.value as N, c, member);
          break;
        }
        case "PropertyDefinition":
        case "AccessorProperty": {
          if (m.computed) this.expression(m.key as N, c);
          if (isNode(m.value)) {
            const name = m.computed ? undefined : staticKey(m.key as N);
            if (m.computed && isAnonymousFunction(m.value)) {
              // The function takes its name from a computed key: cannot be wrapped.
              this.fn(m.value, c, this.site("none", m.value, c));
            } else {
              this.expression(m.value, c, name);
            }
          }
          break;
        }
        case "StaticBlock": {
          const s = this.scope("Static", c, true, true);
          s.at = indexAfterBrace(this.src, m.start + "static".length);
          this.hoistVars(m.body as N[], s);
          this.hoistLexical(m.body as N[], s);
          this.statements(m.body as N[], s);
          break;
        }
      }
      this.depth--;
    }
    this.depth--;
  }

  private object(node: N, scope: Scope): void {
    const props = node.properties as N[];
    // For each index: the static key and whether a later entry may replace it.
    const keys: (string | undefined)[] = props.map((p) =>
      p.type === "Property" && !p.computed ? staticKey(p.key as N) : undefined
    );
    const replaced = (i: number, slot: "g" | "s" | "m"): boolean => {
      const k = keys[i];
      for (let j = i + 1; j < props.length; j++) {
        const p = props[j];
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
      this.depth++;
      if (p.type !== "Property") {
        this.expression(p, scope);
        this.depth--;
        continue;
      }
      if (p.computed) this.expression(p.key as N, scope);
      const value = p.value as N;
      const isMember = p.method === true || p.kind === "get" || p.kind === "set";
      const isFn = FUNCTION_TYPES.has(value.type);
      if (isMember) {
        // Methods, getters and setters cannot be wrapped: registered through the object.
        const slot = p.kind === "get" ? "g" : p.kind === "set" ? "s" : "m";
        const key = keys[i];
        if (key !== undefined && !replaced(i, slot)) {
          objectSite ??= this.site("object", node, scope);
          const member = this.site("member", value, scope);
          member.spec = slot + key;
          member.owner = objectSite;
          (objectSite.members ??= []).push(member);
          this.fn(value, scope, member);
        } else {
          this.fn(value, scope, this.site("none", value, scope)); // left unregistered
        }
      } else if (isFn && p.computed && isAnonymousFunction(value)) {
        // Named by a computed key: wrapping it would lose that name; left unregistered.
        this.fn(value, scope, this.site("none", value, scope));
      } else if (isFn && !p.shorthand && !isProtoSetter(p)) {
        this.expression(value, scope, keys[i]); // wrapped, keeping the name of its key
      } else if (isFn && isProtoSetter(p)) {
        this.expression(value, scope); // `__proto__: fn` does not name fn
      } else {
        this.expression(value, scope);
      }
      this.depth--;
    }
  }

  // ---------------------------------------------------------------- expressions

  /** `hint`: the name an anonymous function here takes from its binding. */
  private expression(node: N, scope: Scope, hint?: string, newCallee = false): void {
    this.depth++;
    try {
      switch (node.type) {
        case "Identifier":
          this.ref(node.name as string, scope);
          return;
        case "FunctionExpression":
        case "ArrowFunctionExpression": {
          const site = this.site("fn", node, scope);
          if (hint !== undefined && isAnonymousFunction(node)) site.name = hint;
          site.newCallee = newCallee;
          this.fn(node, scope, site);
          return;
        }
        case "ClassExpression":
          this.klass(node, scope);
          return;
        case "ObjectExpression":
          this.object(node, scope);
          return;
        case "MemberExpression":
          this.expression(node.object as N, scope);
          if (node.computed) this.expression(node.property as N, scope);
          return;
        case "NewExpression":
          this.expression(node.callee as N, scope, undefined, true);
          for (const a of node.arguments as N[]) this.expression(a, scope);
          return;
        case "AssignmentExpression": {
          const left = node.left as N;
          this.target(left, scope);
          const name = left.type === "Identifier" && NAMING_OPERATORS.has(node.operator as string)
            ? left.name as string
            : undefined;
          this.expression(node.right as N, scope, name);
          return;
        }
        case "AssignmentPattern": {
          const left = node.left as N;
          this.expression(left, scope);
          this.expression(
            node.right as N,
            scope,
            left.type === "Identifier" ? left.name as string : undefined,
          );
          return;
        }
        case "UpdateExpression":
          this.target(node.argument as N, scope);
          return;
        case "Property":
          // Inside an object pattern (destructuring assignment).
          if (node.computed) this.expression(node.key as N, scope);
          this.expression(node.value as N, scope);
          return;
        case "TemplateLiteral":
          this.multiline.push([node.start, node.end]);
          break;
        case "Literal":
        case "JSXText":
          if (
            typeof node.value === "string" &&
            /[\n\r\u2028\u2029]/.test(this.src.slice(node.start, node.end))
          ) {
            this.multiline.push([node.start, node.end]);
          }
          return;
        case "MetaProperty":
          if (node.meta.name === "import") this.moduleSyntax = true;
          return;
        case "ImportExpression": {
          this.imports.push([node, this.depth]);
          const src = node.source as N;
          if (src.type === "Literal" && typeof src.value === "string") {
            this.dynamicImports.push(src.value);
          }
          break;
        }
        case "AwaitExpression":
          if (this.fnDepth === 0) this.moduleSyntax = true;
          break;
        case "ThisExpression":
        case "Super":
        case "TemplateElement":
        case "PrivateIdentifier":
        case "JSXEmptyExpression":
        case "JSXClosingElement":
        case "JSXClosingFragment":
        case "JSXOpeningFragment":
          return;
        case "JSXElement":
          this.jsxName(node.openingElement.name as N, scope);
          for (const a of node.openingElement.attributes as N[]) {
            if (a.type === "JSXSpreadAttribute") this.expression(a.argument as N, scope);
            else if (isNode(a.value)) this.expression(a.value, scope);
          }
          for (const c of node.children as N[]) this.expression(c, scope);
          return;
        case "JSXFragment":
          for (const c of node.children as N[]) this.expression(c, scope);
          return;
        case "JSXExpressionContainer":
        case "JSXSpreadChild":
          this.expression(node.expression as N, scope);
          return;
      }
      this.children(node, scope);
    } finally {
      this.depth--;
    }
  }

  private jsxName(n: N, scope: Scope): void {
    if (n.type === "JSXIdentifier") {
      const name = n.name as string;
      if (!/^[a-z]/.test(name) && name !== "this") this.ref(name, scope);
    } else if (n.type === "JSXMemberExpression") {
      this.jsxName(n.object as N, scope);
    }
  }

  private children(node: N, scope: Scope): void {
    for (const key in node) {
      if (SKIP_KEYS.has(key)) continue;
      const v = node[key];
      if (Array.isArray(v)) {
        for (const item of v) if (isNode(item)) this.expression(item, scope);
      } else if (isNode(v)) {
        this.expression(v, scope);
      }
    }
  }

  /** Visits what a binding pattern evaluates: defaults (which name functions) and keys. */
  private patternDefaults(p: N, scope: Scope): void {
    switch (p.type) {
      case "ObjectPattern":
        for (const prop of p.properties as N[]) {
          if (prop.type === "RestElement") {
            this.patternDefaults(prop.argument as N, scope);
          } else {
            if (prop.computed) this.expression(prop.key as N, scope);
            this.patternDefaults(prop.value as N, scope);
          }
        }
        return;
      case "ArrayPattern":
        for (const el of p.elements as (N | null)[]) if (el) this.patternDefaults(el, scope);
        return;
      case "AssignmentPattern": {
        const left = p.left as N;
        this.patternDefaults(left, scope);
        this.expression(
          p.right as N,
          scope,
          left.type === "Identifier" ? left.name as string : undefined,
        );
        return;
      }
      case "RestElement":
        this.patternDefaults(p.argument as N, scope);
        return;
    }
  }

  private ref(name: string, scope: Scope, write = false): void {
    if (name === "arguments") return;
    this.refs.push({ name, scope, write });
  }

  /** Visits the target of an assignment: its identifiers are written. */
  private target(node: N, scope: Scope): void {
    switch (node.type) {
      case "Identifier":
        this.ref(node.name as string, scope, true);
        return;
      case "ObjectPattern":
        for (const prop of node.properties as N[]) {
          if (prop.type === "RestElement") {
            this.target(prop.argument as N, scope);
          } else {
            if (prop.computed) this.expression(prop.key as N, scope);
            this.target(prop.value as N, scope);
          }
        }
        return;
      case "ArrayPattern":
        for (const el of node.elements as (N | null)[]) if (el) this.target(el, scope);
        return;
      case "AssignmentPattern": {
        const left = node.left as N;
        this.target(left, scope);
        this.expression(
          node.right as N,
          scope,
          left.type === "Identifier" ? left.name as string : undefined,
        );
        return;
      }
      case "RestElement":
        this.target(node.argument as N, scope);
        return;
      default:
        this.expression(node, scope);
    }
  }

  // ---------------------------------------------------------------- resolution

  /** Resolves references: which variables closures capture, and where they are recorded. */
  resolve(): void {
    const path: Scope[] = [];
    for (const { name, scope, write } of this.refs) {
      path.length = 0;
      let s: Scope | null = scope;
      while (s !== null && !s.decls.has(name)) {
        path.push(s);
        s = s.parent;
      }
      if (s === null) {
        if (name === "module" || name === "exports" || name === "require") {
          this.usesCommonJs = true;
        }
        continue; // a global
      }
      const decl = s.decls.get(name)!;
      if (write) decl.writes++;
      let crossed = false;
      for (const p of path) {
        if (!p.boundary) continue;
        crossed = true;
        if (p.site !== null && !p.site.free.has(name)) p.site.free.set(name, s);
      }
      if (!crossed) continue;
      if (s.recordable) {
        s.hosted.set(name, decl);
        continue;
      }
      // Declared in a head (parameters, loop head, catch parameter, class): recorded by the
      // outermost recordable scope under it on the way to the reference, if a closure nested
      // in that scope uses it (the closure right in the head gets an inline record instead).
      for (let i = path.length - 1; i >= 0; i--) {
        if (!path[i].recordable) continue;
        for (let j = 0; j < i; j++) {
          if (path[j].boundary) {
            path[i].hosted.set(name, decl);
            break;
          }
        }
        break;
      }
    }
  }

  // ---------------------------------------------------------------- output

  emit(): { insertions: Insertion[]; records: number; sites: number } {
    const out: Insertion[] = [];
    let records = 0;
    let sites = 0;
    for (const pc of this.privateClasses) {
      out.push({
        pos: pc.body.start + 1,
        text: privateReaderBlock(pc.fields, pc.statics),
        opening: true,
        depth: SCOPE_START,
      });
    }
    // Record names: differ from the parent record's (a/b), sloppy switch blocks use c/d.
    for (const s of this.scopes) {
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
    // Scope starts: records and registrations of hoisted function declarations.
    for (const s of this.scopes) {
      if (!s.recordable || s.at < 0) continue;
      let text = s.record !== "" ? recordDeclaration(s) : "";
      for (const d of s.fnDecls) {
        if (d.free.size === 0) continue;
        const rec = recordExpression(d);
        if (rec === null) continue;
        const reg = `${REGISTER}(${rec},${d.name});`;
        sites++;
        if (s.kind === "Switch") {
          out.push({ pos: d.node.end, text: ";" + reg, opening: false, depth: SCOPE_START });
        } else {
          text += reg;
        }
      }
      if (text === "") continue;
      if (s.arrow !== null) {
        const arrow = s.arrow;
        const pos = arrowBodyStart(this.src, arrow);
        out.push({ pos, text: `{${text}return (`, opening: true, depth: s.depth });
        out.push({ pos: arrow.end, text: ")}", opening: false, depth: s.depth });
      } else if (s.synthEnd >= 0) {
        out.push({ pos: s.at, text: `{${text}`, opening: true, depth: s.depth });
        out.push({ pos: s.synthEnd, text: "}", opening: false, depth: s.depth });
      } else {
        out.push({
          pos: s.at,
          text: (s.semi ? ";" : "") + text,
          opening: true,
          depth: SCOPE_START,
        });
      }
    }
    // Functions, classes and object literals.
    for (const site of this.sites) {
      if (site.kind === "fn") {
        if (site.free.size === 0) continue;
        const rec = recordExpression(site);
        if (rec === null) continue;
        sites++;
        const n = site.node;
        let open: string;
        let close: string;
        if (site.name !== undefined) {
          const key = JSON.stringify(site.name);
          const prop = site.name === "__proto__" ? `[${key}]` : key;
          open = `${REGISTER_NAMED}(${rec},{${prop}:`;
          close = `},${key})`;
        } else {
          open = `${REGISTER}(${rec},`;
          close = ")";
        }
        if (site.newCallee) {
          open = "(" + open;
          close += ")";
        }
        out.push({ pos: n.start, text: open, opening: true, depth: site.depth });
        out.push({ pos: n.end, text: close, opening: false, depth: site.depth });
      } else if (site.kind === "class") {
        if (site.free.size === 0) continue;
        const rec = recordExpression(site);
        if (rec === null) continue;
        sites++;
        const pos = (site.node.body as N).start + 1;
        out.push({
          pos,
          text: `static{${REGISTER_CLASS}(${rec},this);}`,
          opening: true,
          depth: SCOPE_START,
        });
      } else if (site.kind === "object") {
        const members = site.members!.filter((m) => m.free.size > 0);
        if (members.length === 0) continue;
        const rec = recordExpression(site);
        if (rec === null) continue;
        sites++;
        const specs = members.map((m) => `"${m.spec![0]}",${JSON.stringify(m.spec!.slice(1))}`)
          .join(",");
        const n = site.node;
        out.push({
          pos: n.start,
          text: `${REGISTER_OBJECT}(${rec},`,
          opening: true,
          depth: site.depth,
        });
        out.push({ pos: n.end, text: `,${specs})`, opening: false, depth: site.depth });
      }
    }
    if (this.defaultRename !== undefined) {
      // Named the way Bun names it anyway, so that it has a binding to register it by.
      const { node, name, replace } = this.defaultRename;
      if (replace) {
        const id = node.id as N;
        out.push({ pos: id.start, text: name, opening: true, depth: Infinity, skipTo: id.end });
      } else {
        const pos = functionNamePosition(this.src, node);
        out.push({ pos, text: ` ${name}`, opening: true, depth: Infinity });
      }
    }
    return { insertions: out, records, sites };
  }
}

function declare(scope: Scope, name: string): Decl {
  let d = scope.decls.get(name);
  if (d === undefined) {
    d = { writes: 0, varInits: 0 };
    scope.decls.set(name, d);
  }
  return d;
}

function patternNames(p: N, out: string[] = []): string[] {
  switch (p.type) {
    case "Identifier":
      out.push(p.name as string);
      break;
    case "ObjectPattern":
      for (const prop of p.properties as N[]) {
        patternNames(prop.type === "RestElement" ? prop : prop.value as N, out);
      }
      break;
    case "ArrayPattern":
      for (const el of p.elements as (N | null)[]) if (el) patternNames(el, out);
      break;
    case "AssignmentPattern":
      patternNames(p.left as N, out);
      break;
    case "RestElement":
      patternNames(p.argument as N, out);
      break;
  }
  return out;
}

/** Names with their declarations, the ones that may change first; and how many those are. */
function recordNames(entries: Iterable<[string, Decl]>): [string[], number] {
  const changing: string[] = [];
  const fixed: string[] = [];
  for (const [name, d] of entries) (mutable(d) ? changing : fixed).push(name);
  return [[...changing, ...fixed], changing.length];
}

/** The nearest enclosing scope that has a record. */
function parentRecord(s: Scope): Scope | null {
  let p = s.parent;
  while (p !== null && p.record === "") p = p.parent;
  return p;
}

/**
 * The body of a record: `case i` reads variable i, -1 the parent record, -2 the names, -3 the
 * kind of scope, -4 how many of the names (the first ones) may change after initialization.
 */
function recordBody(entries: Iterable<[string, Decl]>, parent: string, kind: string): string {
  const [names, changing] = recordNames(entries);
  let cases = "";
  for (let i = 0; i < names.length; i++) cases += `case ${i}:return ${names[i]};`;
  return `switch($cp$i){${cases}case -1:return ${parent};` +
    `case -2:return ${JSON.stringify(names.join(","))};case -3:return "${kind}";` +
    `case -4:return ${changing}}`;
}

/** The statement that creates a scope's record. */
function recordDeclaration(s: Scope): string {
  const parent = parentRecord(s)?.record ?? "null";
  const body = recordBody(s.hosted, parent, s.kind);
  // Sloppy-mode block-level function declarations also create a function-level `var`
  // (Annex B), which could shadow an outer record: use `const` there.
  if (!s.strict && (s.kind === "Block" || s.kind === "Static")) {
    return `const ${s.record}=($cp$i)=>{${body}};`;
  }
  return `function ${s.record}($cp$i){${body}}`;
}

/**
 * The record a site registers with: the innermost record around it, or, when the site sits in
 * a head (parameters, loop head, catch parameter, class body) whose variables it captures, an
 * inline record of those variables. Null when there is no record at all.
 */
function recordExpression(site: Site): string | null {
  const heads: Scope[] = [];
  let s: Scope | null = site.scope;
  while (s !== null && !s.recordable) {
    heads.push(s);
    s = s.parent;
  }
  let named = s;
  while (named !== null && named.record === "") named = named.parent;
  const inline: [string, Decl][] = [];
  let kind: Kind | undefined;
  if (heads.length > 0) {
    for (const [name, scope] of site.free) {
      if (!heads.includes(scope)) continue;
      inline.push([name, scope.decls.get(name)!]);
      kind ??= scope.kind;
    }
  }
  if (inline.length === 0) return named?.record ?? null;
  const parent = named?.record ?? "null";
  return `($cp$i)=>{${recordBody(inline, parent, kind!)}}`;
}

function hasUseStrict(body: N[]): boolean {
  for (const st of body) {
    if (st.type !== "ExpressionStatement" || typeof st.directive !== "string") return false;
    if (st.directive === "use strict") return true;
  }
  return false;
}

function isProtoSetter(p: N): boolean {
  if (p.computed || p.shorthand || p.method || p.kind !== "init") return false;
  const k = p.key as N;
  return (k.type === "Identifier" && k.name === "__proto__") ||
    (k.type === "Literal" && k.value === "__proto__");
}

function declarePattern(p: N, scope: Scope): void {
  switch (p.type) {
    case "Identifier":
      declare(scope, p.name as string);
      return;
    case "ObjectPattern":
      for (const prop of p.properties as N[]) {
        declarePattern(prop.type === "RestElement" ? prop : prop.value as N, scope);
      }
      return;
    case "ArrayPattern":
      for (const el of p.elements as (N | null)[]) if (el) declarePattern(el, scope);
      return;
    case "AssignmentPattern":
      declarePattern(p.left as N, scope);
      return;
    case "RestElement":
      declarePattern(p.argument as N, scope);
      return;
  }
}

/** Skips whitespace and comments from `i`. */
function skipTrivia(src: string, i: number): number {
  for (;;) {
    const c = src.charCodeAt(i);
    if (c === 47 /* / */ && src.charCodeAt(i + 1) === 47) {
      while (i < src.length && !/[\n\r\u2028\u2029]/.test(src[i])) i++;
    } else if (c === 47 && src.charCodeAt(i + 1) === 42 /* * */) {
      const end = src.indexOf("*/", i + 2);
      i = end < 0 ? src.length : end + 2;
    } else if (i < src.length && /\s/.test(src[i])) {
      i++;
    } else {
      return i;
    }
  }
}

/** The position right after the next `{` (skipping trivia) from `i`. */
function indexAfterBrace(src: string, i: number): number {
  i = skipTrivia(src, i);
  return src[i] === "{" ? i + 1 : -1;
}

/** The position right after an arrow function's `=>`. */
function arrowBodyStart(src: string, arrow: N): number {
  const params = arrow.params as N[];
  let i = params.length > 0 ? params[params.length - 1].end : arrow.start;
  for (;;) {
    i = skipTrivia(src, i);
    if (src.startsWith("=>", i)) return i + 2;
    if (i >= src.length) throw new InstrumentError("arrow without =>");
    i++;
  }
}

/** Where the name goes in an anonymous `function (…)` / `async function* (…)`. */
function functionNamePosition(src: string, fn: N): number {
  let i = src.indexOf("function", fn.start) + "function".length;
  if (fn.generator) {
    i = skipTrivia(src, i);
    if (src[i] === "*") i++;
  }
  return i;
}

/**
 * Moves lines towards `lines[i]` (the wanted 1-based line of line i, 0 = unknown): adds blank
 * lines before a line that sits too high, and joins a line that sits too low to the previous
 * one, where that cannot change the program: not inside a multi-line literal, not after a line
 * comment, and only after a line that cannot end a statement without `;` (compiler output
 * ends every statement with `;`, so a line break there is never significant), or when the
 * line is blank.
 */
function alignLines(
  src: string,
  lines: readonly number[],
  multiline: readonly [number, number][],
  out: Insertion[],
): void {
  const starts = [0];
  for (let i = 0; i < src.length; i++) if (src.charCodeAt(i) === 10) starts.push(i + 1);
  const ranges = [...multiline].sort((a, b) => a[0] - b[0]);
  let r = 0;
  let shift = 0;
  let lastWanted = lines[0] ?? 0;
  let lastKnown = 0;
  if (lines.length > 0 && lines[0] > 1) {
    out.push({ pos: 0, text: "\n".repeat(lines[0] - 1), opening: true, depth: -Infinity });
    shift = lines[0] - 1;
  }
  for (let i = 1; i < starts.length; i++) {
    const nl = starts[i] - 1; // the line break before line i
    while (r < ranges.length && ranges[r][1] <= nl) r++;
    let inside = false;
    for (let j = r; j < ranges.length && ranges[j][0] <= nl; j++) {
      if (nl < ranges[j][1]) {
        inside = true;
        break;
      }
    }
    if (inside) continue;
    const known = i < lines.length ? lines[i] : 0;
    if (known > 0) {
      lastWanted = known;
      lastKnown = i;
    }
    // A line of unknown origin is taken to follow the last known one.
    const want = known > 0 ? known : lastWanted > 0 ? lastWanted + i - lastKnown : 0;
    const at = i + 1 + shift;
    if (known > at) {
      out.push({ pos: starts[i], text: "\n".repeat(known - at), opening: true, depth: -Infinity });
      shift += known - at;
    } else if (want > 0 && want < at) {
      const end = i + 1 < starts.length ? starts[i + 1] - 1 : src.length;
      const text = src.slice(starts[i], end);
      const first = text.search(/\S/);
      const prevStart = starts[i - 1];
      const prev = src.slice(prevStart, nl).replace(/\r$/, "").trimEnd();
      const blank = first < 0;
      if (!blank && (prev.includes("//") || !/(?:[;{},([):?=&|*%<>!]|\belse)$/.test(prev))) {
        continue;
      }
      const from = src[nl - 1] === "\r" ? nl - 1 : nl;
      out.push({
        pos: from,
        text: " ",
        opening: true,
        depth: -Infinity,
        skipTo: blank ? end : starts[i] + first,
      });
      shift--;
    }
  }
}

interface Token {
  readonly text: string;
  readonly line: number;
}

const ID_START = /[\p{ID_Start}$_0-9]/u;
const ID_PART = /[\p{ID_Continue}$\u200c\u200d]/u;

function isIdStart(c: number, ch: string): boolean {
  if (c < 128) {
    return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 36 ||
      c === 95;
  }
  return ID_START.test(ch);
}

function isIdPart(c: number, ch: string): boolean {
  return c < 128 ? isIdStart(c, ch) : ID_PART.test(ch);
}

/** Identifier, number and string tokens of JavaScript or TypeScript text, with their lines. */
function tokens(src: string): Token[] {
  const out: Token[] = [];
  let line = 1;
  let i = 0;
  const n = src.length;
  while (i < n) {
    const c = src.charCodeAt(i);
    if (c === 10) {
      line++;
      i++;
    } else if (c === 47 /* / */ && src.charCodeAt(i + 1) === 47) {
      while (i < n && src.charCodeAt(i) !== 10) i++;
    } else if (c === 47 && src.charCodeAt(i + 1) === 42 /* * */) {
      const end = src.indexOf("*/", i + 2);
      const stop = end < 0 ? n : end + 2;
      for (; i < stop; i++) if (src.charCodeAt(i) === 10) line++;
    } else if (c === 34 || c === 39 || c === 96 /* " ' ` */) {
      const start = i;
      const startLine = line;
      i++;
      while (i < n && src.charCodeAt(i) !== c) {
        const d = src.charCodeAt(i);
        if (d === 92 /* \\ */) i++;
        else if (d === 10) {
          line++;
          if (c !== 96) break;
        }
        i++;
      }
      i++;
      out.push({ text: `"${src.slice(start + 1, i - 1)}`, line: startLine });
    } else if (
      c === 33 /* ! */ && (src[i + 1] === "0" || src[i + 1] === "1") &&
      !isIdPart(src.charCodeAt(i + 2), src[i + 2] ?? "") && src[i + 2] !== "."
    ) {
      // Compilers print `true`/`false` as `!0`/`!1`.
      out.push({ text: src[i + 1] === "0" ? "true" : "false", line });
      i += 2;
    } else if (isIdStart(c, src[i])) {
      const start = i;
      const numeric = c >= 48 && c <= 57;
      i++;
      while (i < n) {
        const d = src.charCodeAt(i);
        if (!(isIdPart(d, src[i]) || (numeric && d === 46 /* . */))) break;
        i++;
      }
      let text = src.slice(start, i);
      if (numeric && /^[0-9][0-9_]*(?:\.[0-9_]*)?(?:e[0-9]+)?$/i.test(text)) {
        text = String(Number(text.replaceAll("_", ""))); // 50_000 and 5e4 alike
      }
      const last = out[out.length - 1];
      if (text === "0" && last?.text === "void" && last.line === line) {
        out[out.length - 1] = { text: "undefined", line }; // `void 0` for `undefined`
      } else {
        out.push({ text, line });
      }
    } else {
      i++;
    }
  }
  return out;
}

/**
 * For text a compiler produced from `original` (Bun.Transpiler strips TypeScript and reprints
 * the code), the original line of each produced line (index 0 = line 1; 0 = unknown), by
 * matching the identifiers, numbers and strings each produced line starts with against the
 * original's, in order. A heuristic: its only use is to keep stack traces close to the
 * original lines ({@linkcode InstrumentOptions.lines}).
 */
export function mapLines(original: string, produced: string): number[] {
  const from = tokens(original);
  const byLine = new Map<number, string[]>();
  for (const t of tokens(produced)) {
    let list = byLine.get(t.line);
    if (list === undefined) byLine.set(t.line, list = []);
    if (list.length < 5) list.push(t.text);
  }
  const lineCount = produced.split("\n").length;
  const result = new Array<number>(lineCount).fill(0);
  let cursor = 0;
  for (let line = 1; line <= lineCount; line++) {
    const want = byLine.get(line);
    if (want === undefined) continue;
    const needed = Math.min(want.length, 3);
    const fromLine = cursor < from.length ? from[cursor].line : Infinity;
    for (let k = cursor; k < from.length && k < cursor + 4000; k++) {
      if (from[k].text !== want[0]) continue;
      let matched = 1;
      let at = k;
      for (let j = 1; j < want.length; j++) {
        for (let m = at + 1; m < from.length && m <= at + 8; m++) {
          if (from[m].text === want[j]) {
            matched++;
            at = m;
            break;
          }
        }
      }
      if (matched < needed) continue;
      // A weak match (few tokens) far ahead is more likely another line that looks alike.
      const distance = from[k].line - fromLine;
      if (distance > (matched >= 4 ? Infinity : matched === 3 ? 60 : 12)) break;
      result[line - 1] = from[k].line;
      cursor = at + 1;
      break;
    }
  }
  return result;
}
