/**
 * Analysis of a function's source text (from `Function.prototype.toString`): what kind of
 * function it is and which free variables it uses, so that exactly those are captured.
 * Parsed with meriyah; the scope walk is our own (it must also report `this`, `arguments`,
 * `super` and `new.target`, and `typeof x` uses, which may stay unresolved). Results are
 * cached per source text: closures made by one factory share their source.
 *
 * @module
 */

import { parseModule, parseScript } from "meriyah";

/** How a function's source text is written, which decides how it is evaluated again. */
export type SourceForm =
  /** `function …`, `async function …`, generators: a function expression. */
  | "function"
  /** `(a) => …`, `async x => …`. */
  | "arrow"
  /** `class …`. */
  | "class"
  /** Object-literal and class members: `m() {}`, `get x() {}`, `async *[k]() {}`. */
  | "method"
  /** A member that touches private names (`#x`): evaluated inside a class body. */
  | "private-method";

/** What the analysis learned about one source text. */
export interface Analysis {
  readonly form: SourceForm;
  /** For methods: "method", "get" or "set". */
  readonly memberKind: "method" | "get" | "set" | undefined;
  /** Free variables, in order of first use (globals included: resolved by the caller). */
  readonly free: readonly string[];
  /**
   * Free variables used only as `typeof x`, or inside the body of a `with` statement (where
   * they may be properties of its object): absent is allowed.
   */
  readonly optional: ReadonlySet<string>;
  /**
   * Private names the source refers to (without `#`): `#x` tokens of the code, never text in
   * a comment, a string or a template.
   */
  readonly privateNames: readonly string[];
  /**
   * True when the source has a `with` statement: it is sloppy-mode code (in strict code `with`
   * is a syntax error), and the names used in the statement's body may be properties of its
   * object rather than variables (they are reported in {@linkcode Analysis.optional}).
   */
  readonly usesWith: boolean;
  /** Uses of the enclosing `this` / `arguments` / `super` / `new.target` by an arrow. */
  readonly lexicalThis: boolean;
  readonly lexicalArguments: boolean;
  readonly usesSuper: boolean;
  /**
   * Classes: the non-computed keys of the methods and accessors its body defines, static and
   * on the prototype (these exist again when the class source is evaluated on load).
   */
  readonly members: {
    readonly statics: ReadonlySet<string>;
    readonly proto: ReadonlySet<string>;
    /** Whether the body defines methods or accessors with computed keys (`[k]() {}`). */
    readonly computed: boolean;
  };
  /** Classes: names (without `#`) of the private instance fields its body declares. */
  readonly privateFields: readonly string[];
  /** Classes: names (without `#`) of its static private fields. */
  readonly staticPrivateFields: readonly string[];
  /** Classes whose `extends` clause is one identifier: that name (its value is the parent). */
  readonly heritage: string | undefined;
  /**
   * Classes: what their `extends` clause is ("none" without one; "other" for any expression
   * but an identifier or `null`), which says what their [[Prototype]] is once evaluated.
   */
  readonly heritageKind: "none" | "null" | "identifier" | "other" | undefined;
  /**
   * Classes: free variables read while the class is evaluated again on load (its `extends`
   * clause and computed member keys; static initializers and blocks are not run again), which
   * must hold their values before that.
   */
  readonly definitionNames: readonly string[];
  /**
   * Object-literal methods with a computed key (`[k]() {}`): the range of the key expression in
   * the source. The key was evaluated once, where the method was defined; it names the method
   * (its `name` property travels with it) and is not evaluated again, so the names it uses are
   * not free variables of the method.
   */
  readonly computedKey: readonly [number, number] | undefined;
}

/** Free variables the evaluation of class `cls` reads on load: its parent and computed keys. */
function definitionNamesOf(cls: Node, free: readonly string[]): string[] {
  const walker = new Walker();
  const top = new Scope(null, true);
  const inner = new Scope(top, false);
  if (isNode(cls.id)) inner.declared.add(cls.id.name as string);
  if (isNode(cls.superClass)) walker.visit(cls.superClass, top);
  // Static initializers and blocks are not run again on load (see class_source.ts).
  for (const m of (cls.body as Node).body as Node[]) {
    if (m.computed && isNode(m.key)) walker.visit(m.key, inner);
  }
  const used = new Set<string>();
  for (const ref of walker.refs) if (!resolves(ref.name, ref.scope)) used.add(ref.name);
  return free.filter((n) => used.has(n));
}

function privateFieldsOf(cls: Node, statics: boolean): string[] {
  const out: string[] = [];
  for (const m of (cls.body as Node).body as Node[]) {
    if (m.type !== "PropertyDefinition" || (m.key as Node).type !== "PrivateIdentifier") continue;
    if (Boolean(m.static) === statics) out.push((m.key as Node).name as string);
  }
  return out;
}

const NO_MEMBERS = { statics: new Set<string>(), proto: new Set<string>(), computed: false };

function membersOf(cls: Node): Analysis["members"] {
  const statics = new Set<string>();
  const proto = new Set<string>();
  let computed = false;
  for (const m of (cls.body as Node).body as Node[]) {
    if (m.type === "MethodDefinition" && m.computed) computed = true;
    if (m.type !== "MethodDefinition" || m.computed || m.kind === "constructor") continue;
    const key = m.key as Node;
    const name = key.type === "Identifier"
      ? key.name as string
      : key.type === "Literal"
      ? String(key.value)
      : undefined;
    if (name === undefined) continue;
    (m.static ? statics : proto).add(name);
  }
  return { statics, proto, computed };
}

/** Source that cannot be analysed (native code, or syntax the parser rejects). */
export class AnalysisError extends Error {
  /**
   * @param complete true when the message says all there is to say (what the code does that
   * cannot travel, and what to do instead)
   */
  constructor(message: string, readonly complete = false) {
    super(message);
  }
}

interface Node {
  type: string;
  [key: string]: unknown;
}

class Scope {
  readonly declared = new Set<string>();
  constructor(readonly parent: Scope | null, readonly isFunction: boolean) {}
}

interface Reference {
  name: string;
  scope: Scope;
  typeofOnly: boolean;
}

const SKIP_KEYS = new Set(["type", "start", "end", "range", "loc", "raw"]);
const cache = new Map<string, Analysis>();
const CACHE_MAX = 10_000;

/** Analyses (or returns the cached analysis of) a function's source text. */
export function analyze(source: string): Analysis {
  let a = cache.get(source);
  if (a === undefined) {
    a = analyzeUncached(source);
    if (cache.size >= CACHE_MAX) cache.clear();
    cache.set(source, a);
  }
  return a;
}

function tryParse(text: string, module = false): Node | undefined {
  try {
    const program = (module ? parseModule : parseScript)(text, {
      next: true,
      ranges: true,
    }) as unknown as {
      body: Node[];
    };
    if (program.body.length !== 1 || program.body[0].type !== "ExpressionStatement") {
      return undefined;
    }
    return program.body[0].expression as Node;
  } catch {
    return undefined;
  }
}

/** Candidate private names: a text scan, which also finds `#` in comments and strings. */
const PRIVATE_NAME = /#([A-Za-z_$][\w$]*)/g;

function analyzeUncached(source: string): Analysis {
  if (/\{\s*\[native code\]\s*\}\s*$/.test(source)) {
    throw new AnalysisError("native code has no source to pickle");
  }
  let expr = tryParse(`(${source})`);
  let form: SourceForm | undefined;
  let fn: Node | undefined;
  let memberKind: Analysis["memberKind"];
  if (expr !== undefined) {
    if (expr.type === "FunctionExpression") form = "function";
    else if (expr.type === "ArrowFunctionExpression") form = "arrow";
    else if (expr.type === "ClassExpression") form = "class";
    fn = expr;
  }
  if (form === undefined) {
    expr = tryParse(`({${source}})`);
    const prop = expr?.type === "ObjectExpression" ? (expr.properties as Node[])[0] : undefined;
    if (prop !== undefined && (expr!.properties as Node[]).length === 1 && isMember(prop)) {
      form = "method";
      fn = prop;
      memberKind = prop.kind === "get" || prop.kind === "set" ? prop.kind : "method";
    }
  }
  if (form === undefined && source.includes("#")) {
    // A member using private names parses only inside a class declaring them: declare every
    // candidate (extra declarations are harmless); the walk below finds the real uses.
    const names = candidatePrivateNames(source);
    const decl = names.map((n) => `#${n};`).join("");
    expr = tryParse(`(class{${decl}${source}})`);
    const members = expr?.type === "ClassExpression"
      ? ((expr.body as Node).body as Node[]).slice(names.length)
      : undefined;
    if (members !== undefined && members.length === 1 && members[0].type === "MethodDefinition") {
      form = "private-method";
      fn = members[0];
      const k = members[0].kind;
      memberKind = k === "get" || k === "set" ? k : "method";
    }
  }
  if (form === undefined || fn === undefined) throw unparsable(source);
  const walker = new Walker();
  const top = new Scope(null, true);
  let computedKey: Analysis["computedKey"];
  if (form === "method" && fn.computed === true) {
    const key = fn.key as Node;
    computedKey = [(key.start as number) - 2, (key.end as number) - 2];
    walker.visit({ ...fn, computed: false }, top);
  } else {
    walker.visit(fn, top);
  }
  // The parser accepts `this.#x` in an object literal; only a class body can evaluate it.
  if (form === "method" && walker.privateNames.size > 0) form = "private-method";
  const free: string[] = [];
  const optional = new Set<string>();
  const required = new Set<string>();
  for (const ref of walker.refs) {
    if (resolves(ref.name, ref.scope)) continue;
    if (!required.has(ref.name) && !optional.has(ref.name)) free.push(ref.name);
    if (ref.typeofOnly) {
      if (!required.has(ref.name)) optional.add(ref.name);
    } else {
      required.add(ref.name);
      optional.delete(ref.name);
    }
  }
  const isArrow = form === "arrow";
  return {
    form,
    memberKind,
    free,
    optional,
    privateNames: [...walker.privateNames],
    usesWith: walker.usesWith,
    lexicalThis: isArrow && walker.topThis,
    lexicalArguments: isArrow && walker.topArguments,
    usesSuper: walker.usesSuper,
    members: form === "class" ? membersOf(fn) : NO_MEMBERS,
    privateFields: form === "class" ? privateFieldsOf(fn, false) : [],
    staticPrivateFields: form === "class" ? privateFieldsOf(fn, true) : [],
    definitionNames: form === "class" ? definitionNamesOf(fn, free) : [],
    heritage: form === "class" && isNode(fn.superClass) && fn.superClass.type === "Identifier"
      ? fn.superClass.name as string
      : undefined,
    computedKey: form === "method" ? computedKey : undefined,
    heritageKind: form === "class" ? heritageKindOf(fn) : undefined,
  };
}

function heritageKindOf(cls: Node): Analysis["heritageKind"] {
  const h = cls.superClass;
  if (!isNode(h)) return "none";
  if (h.type === "Identifier") return "identifier";
  return h.type === "Literal" && h.value === null ? "null" : "other";
}

/** Why a source does not parse, with the remedy when the reason is known. */
function unparsable(source: string): AnalysisError {
  if (source.includes("import.meta") && usesImportMeta(source)) {
    return new AnalysisError(
      "it uses import.meta, which exists only inside its module: read what it needs " +
        "outside the function (e.g. `const url = import.meta.url`) and use that variable " +
        "inside, so it is captured with the function",
      true,
    );
  }
  return new AnalysisError("the function's source text could not be parsed");
}

/** True when `source` parses as module code and has an `import.meta` expression. */
function usesImportMeta(source: string): boolean {
  const wrapped = [`(${source})`, `({${source}})`];
  if (source.includes("#")) {
    const decl = candidatePrivateNames(source).map((n) => `#${n};`).join("");
    wrapped.push(`(class{${decl}${source}})`);
  }
  for (const text of wrapped) {
    const expr = tryParse(text, true);
    if (expr === undefined) continue;
    const walker = new Walker();
    walker.visit(expr, new Scope(null, true));
    return walker.usesImportMeta;
  }
  return false;
}

function candidatePrivateNames(source: string): string[] {
  const out = new Set<string>();
  for (const m of source.matchAll(PRIVATE_NAME)) out.add(m[1]);
  return [...out];
}

function isMember(n: Node): boolean {
  return n.type === "Property" &&
    (n.method === true || n.kind === "get" || n.kind === "set");
}

function resolves(name: string, scope: Scope | null): boolean {
  for (let s = scope; s !== null; s = s.parent) if (s.declared.has(name)) return true;
  return false;
}

function isNode(v: unknown): v is Node {
  return v !== null && typeof v === "object" && typeof (v as Node).type === "string";
}

/** Collects declarations per scope and every identifier reference with its scope. */
class Walker {
  readonly refs: Reference[] = [];
  /** `this` / `arguments` used outside any non-arrow function of the source. */
  topThis = false;
  topArguments = false;
  usesSuper = false;
  /** Private names used or declared (`#x`). */
  readonly privateNames = new Set<string>();
  usesWith = false;
  usesImportMeta = false;
  /** Depth of `with` statement bodies entered: names there may be the object's properties. */
  private withDepth = 0;
  /** Depth of non-arrow functions entered (0 = the top function's own level for arrows). */
  private fnDepth = 0;

  visit(node: Node, scope: Scope): void {
    switch (node.type) {
      case "Identifier":
        this.ref(node.name as string, scope, false);
        return;
      case "ThisExpression":
        if (this.fnDepth === 0) this.topThis = true;
        return;
      case "Super":
        this.usesSuper = true;
        if (this.fnDepth === 0) this.topThis = true;
        return;
      case "MetaProperty":
        if ((node.meta as Node).name === "import") this.usesImportMeta = true;
        return;
      case "PrivateIdentifier":
        this.privateNames.add(node.name as string);
        return;
      case "WithStatement":
        this.usesWith = true;
        this.visit(node.object as Node, scope);
        this.withDepth++;
        this.visit(node.body as Node, scope);
        this.withDepth--;
        return;
      case "UnaryExpression":
        if (
          node.operator === "typeof" && isNode(node.argument) && node.argument.type === "Identifier"
        ) {
          this.ref(node.argument.name as string, scope, true);
          return;
        }
        break;
      case "MemberExpression":
        this.visit(node.object as Node, scope);
        if (node.computed || (node.property as Node).type === "PrivateIdentifier") {
          this.visit(node.property as Node, scope);
        }
        return;
      case "Property":
        if (node.computed) this.visit(node.key as Node, scope);
        if (node.shorthand && isNode(node.value) && node.value.type === "Identifier") {
          this.ref(node.value.name as string, scope, false);
        } else {
          this.visit(node.value as Node, scope);
        }
        return;
      case "MethodDefinition":
      case "PropertyDefinition":
      case "AccessorProperty":
        if (node.computed || (node.key as Node).type === "PrivateIdentifier") {
          this.visit(node.key as Node, scope);
        }
        if (isNode(node.value)) {
          if (node.type === "MethodDefinition") this.visit(node.value, scope);
          else this.fieldInitializer(node.value, scope);
        }
        return;
      case "StaticBlock": {
        const s = new Scope(scope, true);
        this.fnDepth++;
        this.hoist(node.body as Node[], s, s);
        for (const st of node.body as Node[]) this.visit(st, s);
        this.fnDepth--;
        return;
      }
      case "LabeledStatement":
        this.visit(node.body as Node, scope);
        return;
      case "BreakStatement":
      case "ContinueStatement":
        return;
      case "FunctionDeclaration":
      case "FunctionExpression":
      case "ArrowFunctionExpression":
        this.func(node, scope);
        return;
      case "ClassDeclaration":
      case "ClassExpression":
        this.klass(node, scope);
        return;
      case "BlockStatement":
      case "StaticBlockStatement": {
        const s = new Scope(scope, false);
        this.hoist(node.body as Node[], s, functionScope(scope));
        for (const st of node.body as Node[]) this.visit(st, s);
        return;
      }
      case "ForStatement":
      case "ForInStatement":
      case "ForOfStatement": {
        const s = new Scope(scope, false);
        const head = (node.init ?? node.left) as Node | null;
        if (head && head.type === "VariableDeclaration") {
          this.declareVariables(head, s, functionScope(scope));
        }
        for (const key of ["init", "left", "test", "update", "right", "body"]) {
          const v = node[key];
          if (isNode(v)) this.visit(v, s);
        }
        return;
      }
      case "SwitchStatement": {
        this.visit(node.discriminant as Node, scope);
        const s = new Scope(scope, false);
        const all: Node[] = [];
        for (const c of node.cases as Node[]) all.push(...(c.consequent as Node[]));
        this.hoist(all, s, functionScope(scope));
        for (const c of node.cases as Node[]) {
          if (isNode(c.test)) this.visit(c.test, s);
          for (const st of c.consequent as Node[]) this.visit(st, s);
        }
        return;
      }
      case "CatchClause": {
        const s = new Scope(scope, false);
        if (isNode(node.param)) {
          this.declarePattern(node.param, s);
          this.patternDefaults(node.param, s);
        }
        this.visit(node.body as Node, s);
        return;
      }
      case "VariableDeclaration":
        for (const d of node.declarations as Node[]) {
          this.patternDefaults(d.id as Node, scope);
          if (isNode(d.init)) this.visit(d.init, scope);
        }
        return;
      case "ImportExpression":
        this.visit(node.source as Node, scope);
        return;
    }
    this.children(node, scope);
  }

  private children(node: Node, scope: Scope): void {
    for (const key in node) {
      if (SKIP_KEYS.has(key)) continue;
      const v = node[key];
      if (Array.isArray(v)) {
        for (const item of v) if (isNode(item)) this.visit(item, scope);
      } else if (isNode(v)) {
        this.visit(v, scope);
      }
    }
  }

  private ref(name: string, scope: Scope, typeofOnly: boolean): void {
    if (name === "arguments") {
      if (this.fnDepth === 0) this.topArguments = true;
      if (this.fnDepth > 0 || resolves("arguments", scope)) return;
    }
    this.refs.push({ name, scope, typeofOnly: typeofOnly || this.withDepth > 0 });
  }

  private fieldInitializer(value: Node, scope: Scope): void {
    // A field initializer runs as a method: its `this` is the instance.
    const s = new Scope(scope, true);
    this.fnDepth++;
    this.visit(value, s);
    this.fnDepth--;
  }

  private func(node: Node, scope: Scope): void {
    const arrow = node.type === "ArrowFunctionExpression";
    const outer = node.type === "FunctionExpression" && isNode(node.id)
      ? new Scope(scope, false)
      : scope;
    if (outer !== scope) outer.declared.add((node.id as Node).name as string);
    const s = new Scope(outer, true);
    if (!arrow) s.declared.add("arguments");
    for (const p of node.params as Node[]) this.declarePattern(p, s);
    if (!arrow) this.fnDepth++;
    for (const p of node.params as Node[]) this.patternDefaults(p, s);
    const body = node.body as Node;
    if (body.type === "BlockStatement") {
      this.hoist(body.body as Node[], s, s);
      for (const st of body.body as Node[]) this.visit(st, s);
    } else {
      this.visit(body, s);
    }
    if (!arrow) this.fnDepth--;
  }

  private klass(node: Node, scope: Scope): void {
    if (isNode(node.superClass)) this.visit(node.superClass, scope);
    const s = new Scope(scope, false);
    if (isNode(node.id)) s.declared.add(node.id.name as string);
    for (const m of (node.body as Node).body as Node[]) this.visit(m, s);
  }

  /** Declares what a statement list hoists: var/function into `fnScope`, lexical into `block`. */
  private hoist(statements: Node[], block: Scope, fnScope: Scope): void {
    for (const st of statements) this.hoistOne(st, block, fnScope);
  }

  private hoistOne(st: Node, block: Scope, fnScope: Scope): void {
    switch (st.type) {
      case "VariableDeclaration":
        this.declareVariables(st, block, fnScope);
        return;
      case "FunctionDeclaration":
        if (isNode(st.id)) block.declared.add(st.id.name as string);
        return;
      case "ClassDeclaration":
        if (isNode(st.id)) block.declared.add(st.id.name as string);
        return;
      case "LabeledStatement":
        this.hoistOne(st.body as Node, block, fnScope);
        return;
      case "IfStatement":
      case "WhileStatement":
      case "DoWhileStatement":
      case "TryStatement":
      case "ForStatement":
      case "ForInStatement":
      case "ForOfStatement":
      case "WithStatement":
        // `var` inside nested statements still belongs to the function scope.
        this.hoistVars(st, fnScope);
        return;
    }
  }

  private hoistVars(node: Node, fnScope: Scope): void {
    if (
      node.type === "FunctionDeclaration" || node.type === "FunctionExpression" ||
      node.type === "ArrowFunctionExpression" || node.type === "ClassDeclaration" ||
      node.type === "ClassExpression"
    ) return;
    if (node.type === "VariableDeclaration" && node.kind === "var") {
      for (const d of node.declarations as Node[]) this.declarePattern(d.id as Node, fnScope);
    }
    for (const key in node) {
      if (SKIP_KEYS.has(key)) continue;
      const v = node[key];
      if (Array.isArray(v)) {
        for (const item of v) if (isNode(item)) this.hoistVars(item, fnScope);
      } else if (isNode(v)) {
        this.hoistVars(v, fnScope);
      }
    }
  }

  private declareVariables(decl: Node, block: Scope, fnScope: Scope): void {
    const target = decl.kind === "var" ? fnScope : block;
    for (const d of decl.declarations as Node[]) this.declarePattern(d.id as Node, target);
  }

  private declarePattern(p: Node, scope: Scope): void {
    switch (p.type) {
      case "Identifier":
        scope.declared.add(p.name as string);
        return;
      case "ObjectPattern":
        for (const prop of p.properties as Node[]) {
          this.declarePattern(prop.type === "RestElement" ? prop : prop.value as Node, scope);
        }
        return;
      case "ArrayPattern":
        for (const el of p.elements as (Node | null)[]) if (el) this.declarePattern(el, scope);
        return;
      case "AssignmentPattern":
        this.declarePattern(p.left as Node, scope);
        return;
      case "RestElement":
        this.declarePattern(p.argument as Node, scope);
        return;
    }
  }

  /** Visits what a binding pattern evaluates: defaults and computed keys. */
  private patternDefaults(p: Node, scope: Scope): void {
    switch (p.type) {
      case "ObjectPattern":
        for (const prop of p.properties as Node[]) {
          if (prop.type === "RestElement") {
            this.patternDefaults(prop.argument as Node, scope);
          } else {
            if (prop.computed) this.visit(prop.key as Node, scope);
            this.patternDefaults(prop.value as Node, scope);
          }
        }
        return;
      case "ArrayPattern":
        for (const el of p.elements as (Node | null)[]) if (el) this.patternDefaults(el, scope);
        return;
      case "AssignmentPattern":
        this.patternDefaults(p.left as Node, scope);
        this.visit(p.right as Node, scope);
        return;
      case "RestElement":
        this.patternDefaults(p.argument as Node, scope);
        return;
    }
  }
}

function functionScope(scope: Scope): Scope {
  let s = scope;
  while (!s.isFunction && s.parent !== null) s = s.parent;
  return s;
}
