/**
 * Analysis of a function's source text (from `Function.prototype.toString`): what kind of
 * function it is and which free variables it uses, so that exactly those are captured.
 * Parsed with meriyah; the scope walk is our own (it must also report `this`, `arguments`,
 * `super` and `new.target`, and `typeof x` uses, which may stay unresolved). Results are
 * cached per source text: closures made by one factory share their source.
 *
 * @module
 */

import { type ESTree, parseModule, parseScript } from "meriyah";
import { declare, isNode, LexicalScope } from "./scope/model.ts";
import { type CollectedReference, freeVariables, ReferenceCollector } from "./scope/references.ts";
import { declaringScope } from "./scope/resolve.ts";
import { INTRINSICS } from "./intrinsics.ts";
import {
  candidatePrivateNames,
  declaredPrivate,
  heritageKindOf,
  heritageRange,
  instancePrivateOf,
  membersOf,
  NO_MEMBERS,
  privateFieldsOf,
} from "./class_body.ts";

type ClassNode = ESTree.ClassExpression;

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
  | "private-method"
  /**
   * A function or arrow using private names of the class around it (`() => this.#x`): they
   * exist only inside that class, so it cannot be evaluated on its own.
   */
  | "private-function";

/** What the analysis learned about one source text. */
export interface Analysis {
  /** How the source is written (which decides how it is evaluated again). */
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
  /**
   * Static member reads on free names, once each, in order of first use: `X.p` as `[X, p]`,
   * `X.prototype.p` as `[X, "prototype", p]` (`globalThis.helper`, `Math.clamp`, `g.fn` where
   * `g` is captured): those that reach members user code added to the global object or to a
   * built-in travel with the function (lib/code/global_members.ts).
   */
  readonly globalMembers: readonly (readonly string[])[];
  /**
   * Names called as methods (`x.p()`, `x?.p()`, `x["p"]()`, `p` of `x.p.call()`), once each:
   * those of methods user code added to a built-in prototype travel with the function.
   */
  readonly methodNames: readonly string[];
  /** Uses of the enclosing `this` / `arguments` / `super` / `new.target` by an arrow. */
  readonly lexicalThis: boolean;
  /** Arrows: where in the source the enclosing `this` is used (offsets of `this`). */
  readonly lexicalThisAt: readonly number[];
  /** Uses of the enclosing `arguments` by an arrow. */
  readonly lexicalArguments: boolean;
  /**
   * Uses `super` of its own (a method or a class member), not only inside methods or classes
   * it defines (those have their own home objects).
   */
  readonly usesSuper: boolean;
  /** Calls `eval` directly (anywhere in its source): the code evaluated may read any variable. */
  readonly usesDirectEval: boolean;
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
  /**
   * Classes: whether their instances carry private state: private instance fields, or private
   * instance methods and accessors (whose brand the constructor gives). Static private members
   * are the class's own.
   */
  readonly instancePrivate: boolean;
  /** Classes whose `extends` clause is one identifier: that name (its value is the parent). */
  readonly heritage: string | undefined;
  /**
   * Classes: what their `extends` clause is ("none" without one; "other" for any expression
   * but an identifier or `null`), which says what their [[Prototype]] is once evaluated.
   */
  readonly heritageKind: "none" | "null" | "identifier" | "other" | undefined;
  /**
   * Classes whose `extends` clause is an expression other than an identifier or `null`
   * (`extends mixin(Base)`): where it is in the source, [start, end).
   */
  readonly heritageAt: readonly [number, number] | undefined;
  /**
   * Classes: free variables read while the class is evaluated again on load (its `extends`
   * clause and computed member keys; static initializers and blocks are not run again), which
   * must hold their values before that.
   */
  readonly definitionNames: readonly string[];
  /**
   * Classes: the methods and accessors keyed by a free variable alone (`[tag]() {}`) that the
   * class reads nowhere else. The key names the member on the class or its prototype, so the
   * variable's value is found there where no scope shows it (V8 keeps no variable that only
   * the class definition reads).
   */
  readonly keyedMembers: readonly KeyedMember[];
  /**
   * Object-literal methods with a computed key (`[k]() {}`): the range of the key expression in
   * the source. The key was evaluated once, where the method was defined; it names the method
   * (its `name` property travels with it) and is not evaluated again, so the names it uses are
   * not free variables of the method.
   */
  readonly computedKey: readonly [number, number] | undefined;
  /**
   * Functions but classes: the `name` and `length` that evaluating the source alone (as an
   * expression, or a method inside an object literal with its computed key replaced) gives the
   * function; `name` is undefined where the source does not fix it (a computed key).
   */
  readonly sourceName: string | undefined;
  readonly sourceLength: number | undefined;
}

/** A class member keyed by a free variable alone (see {@linkcode Analysis.keyedMembers}). */
export interface KeyedMember {
  /** The variable. */
  readonly name: string;
  /** On the class (static) or on its prototype. */
  readonly isStatic: boolean;
  readonly kind: "method" | "get" | "set";
  /** The member's text as `Function.prototype.toString` gives it (no `static`). */
  readonly text: string;
}

/**
 * The members of class `cls` (parsed from `(${source})`) keyed by a free variable that the
 * class reads nowhere else.
 */
function keyedMembersOf(
  cls: ClassNode,
  source: string,
  refs: readonly CollectedReference[],
): KeyedMember[] {
  const keyed: KeyedMember[] = [];
  for (const m of cls.body.body) {
    if (m.type !== "MethodDefinition" || !m.computed || m.key?.type !== "Identifier") continue;
    if (m.kind !== "method" && m.kind !== "get" && m.kind !== "set") continue;
    const at = m as unknown as { start: number; end: number };
    const text = source.slice(at.start - 1, at.end - 1).replace(STATIC_PREFIX, "");
    keyed.push({ name: m.key.name, isStatic: Boolean(m.static), kind: m.kind, text });
  }
  if (keyed.length === 0) return keyed;
  const uses = new Map<string, number>();
  for (const ref of refs) {
    if (declaringScope(ref.name, ref.scope) === null) {
      uses.set(ref.name, (uses.get(ref.name) ?? 0) + 1);
    }
  }
  const asKey = new Map<string, number>();
  for (const k of keyed) asKey.set(k.name, (asKey.get(k.name) ?? 0) + 1);
  return keyed.filter((k) => uses.get(k.name) === asKey.get(k.name));
}

const STATIC_PREFIX = /^static\s+/;

/** Free variables the evaluation of class `cls` reads on load: its parent and computed keys. */
function definitionNamesOf(cls: ClassNode, free: readonly string[]): string[] {
  const collector = new ReferenceCollector();
  const top = new LexicalScope("Function", null);
  const inner = new LexicalScope("Class", top);
  if (isNode(cls.id)) declare(inner, cls.id.name);
  if (isNode(cls.superClass)) collector.visit(cls.superClass, inner);
  // Static initializers and blocks are not run again on load (see class_source.ts).
  for (const m of cls.body.body) {
    if (m.type !== "StaticBlock" && "computed" in m && m.computed && isNode(m.key)) {
      collector.visit(m.key, inner);
    }
  }
  const used = new Set<string>();
  for (const ref of collector.refs) {
    if (declaringScope(ref.name, ref.scope) === null) used.add(ref.name);
  }
  return free.filter((n) => used.has(n));
}

export class AnalysisError extends Error {
  /**
   * An error with its message.
   *
   * @param complete true when the message says all there is to say (what the code does that
   * cannot travel, and what to do instead)
   */
  constructor(message: string, readonly complete = false) {
    super(message);
  }
}

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

function tryParse(text: string, module = false): ESTree.Expression | undefined {
  try {
    const program = (module ? parseModule : parseScript)(text, { next: true, ranges: true });
    const st = program.body[0];
    if (program.body.length !== 1 || st.type !== "ExpressionStatement") return undefined;
    return st.expression;
  } catch {
    return undefined;
  }
}

type FunctionNode =
  | ESTree.FunctionExpression
  | ESTree.ArrowFunctionExpression
  | ESTree.ClassExpression
  | ESTree.Property
  | ESTree.MethodDefinition;

function analyzeUncached(source: string): Analysis {
  if (/\{\s*\[native code\]\s*\}\s*$/.test(source)) {
    throw new AnalysisError("native code has no source to pickle");
  }
  let expr = tryParse(`(${source})`);
  let form: SourceForm | undefined;
  let fn: FunctionNode | undefined;
  let memberKind: Analysis["memberKind"];
  if (expr !== undefined) {
    if (expr.type === "FunctionExpression") form = "function";
    else if (expr.type === "ArrowFunctionExpression") form = "arrow";
    else if (expr.type === "ClassExpression") form = "class";
    if (form !== undefined) fn = expr as FunctionNode;
  }
  if (form === undefined) {
    expr = tryParse(`({${source}})`);
    const props = expr?.type === "ObjectExpression" ? expr.properties : undefined;
    const prop = props?.[0];
    if (props?.length === 1 && prop?.type === "Property" && isMember(prop)) {
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
      ? expr.body.body.slice(names.length)
      : undefined;
    const m = members?.[0];
    if (members?.length === 1 && m?.type === "MethodDefinition") {
      form = "private-method";
      fn = m;
      memberKind = m.kind === "get" || m.kind === "set" ? m.kind : "method";
    }
  }
  if (form === undefined || fn === undefined) throw unparsable(source);
  const collector = new ReferenceCollector();
  const top = new LexicalScope("Function", null);
  let computedKey: Analysis["computedKey"];
  if (form === "method" && fn.type === "Property" && fn.computed) {
    const key = fn.key as ESTree.Expression & { start: number; end: number };
    computedKey = [key.start - 2, key.end - 2];
    collector.visit({ ...fn, computed: false }, top);
  } else {
    collector.visit(fn, top);
  }
  // The parser accepts `this.#x` in an object literal; only a class body can evaluate it.
  if (form === "method" && collector.privateNames.size > 0) form = "private-method";
  // Nor outside a class: a function using private names no class of its own declares.
  if (
    (form === "arrow" || form === "function") && collector.privateNames.size > 0 &&
    [...collector.privateNames].some((n) => !declaredPrivate(fn!).has(n))
  ) form = "private-function";
  const { free, optional } = freeVariables(collector.refs);
  const isArrow = form === "arrow";
  const cls = fn.type === "ClassExpression" ? fn : undefined;
  return {
    form,
    memberKind,
    free,
    optional,
    privateNames: [...collector.privateNames],
    globalMembers: freeMemberReads(collector),
    methodNames: methodNamesOf(collector),
    usesWith: collector.usesWith,
    lexicalThis: isArrow && collector.topThis,
    // Parsed as `(source)`: one character before the source.
    lexicalThisAt: isArrow && collector.topThis ? collector.topThisAt.map((at) => at - 1) : [],
    lexicalArguments: isArrow && collector.topArguments,
    // An arrow's body is at depth 0, another function's at 1 (its parameters' scope).
    usesSuper: collector.superDepth <= (isArrow ? 0 : 1),
    usesDirectEval: collector.usesDirectEval,
    members: cls ? membersOf(cls) : NO_MEMBERS,
    privateFields: cls ? privateFieldsOf(cls, false) : [],
    staticPrivateFields: cls ? privateFieldsOf(cls, true) : [],
    instancePrivate: cls !== undefined && instancePrivateOf(cls),
    definitionNames: cls ? definitionNamesOf(cls, free) : [],
    keyedMembers: cls ? keyedMembersOf(cls, source, collector.refs) : NONE,
    heritage: cls?.superClass?.type === "Identifier" ? cls.superClass.name : undefined,
    computedKey: form === "method" ? computedKey : undefined,
    heritageKind: cls ? heritageKindOf(cls) : undefined,
    heritageAt: cls && heritageKindOf(cls) === "other" ? heritageRange(cls) : undefined,
    sourceName: cls ? undefined : sourceNameOf(fn, memberKind),
    sourceLength: cls ? undefined : sourceLengthOf(fn),
  };
}

const NONE: readonly never[] = [];

/** The static member reads of the collector whose name is free, each once. */
function freeMemberReads(collector: ReferenceCollector): readonly (readonly string[])[] {
  const reads = collector.memberReads;
  if (reads.length === 0) return NONE;
  const out: (readonly string[])[] = [];
  const seen = new Set<string>();
  for (const m of reads) {
    if (declaringScope(m.name, m.scope) !== null) continue;
    const id = `${m.name}.${m.keys.join(".")}`;
    if (seen.has(id)) continue;
    seen.add(id);
    out.push([m.name, ...m.keys]);
  }
  return out.length === 0 ? NONE : out;
}

/**
 * The names of the methods the collector saw called, each once, but those called only on a
 * free ECMAScript namespace or constructor (`Math.max()`, `Object.keys()`: their own members,
 * read as global members, not methods of a prototype).
 */
function methodNamesOf(collector: ReferenceCollector): readonly string[] {
  const calls = collector.methodCalls;
  if (calls.length === 0) return NONE;
  let out: Set<string> | undefined;
  for (const c of calls) {
    if (out?.has(c.name)) continue;
    if (
      c.receiver !== "" && INTRINSICS.has(c.receiver) &&
      declaringScope(c.receiver, c.scope) === null
    ) continue;
    (out ??= new Set()).add(c.name);
  }
  return out === undefined ? NONE : [...out];
}

/** The function node of a member (its value), or the node itself. */
function functionOf(fn: FunctionNode): ESTree.FunctionExpression | ESTree.ArrowFunctionExpression {
  return (fn.type === "Property" || fn.type === "MethodDefinition" ? fn.value : fn) as
    | ESTree.FunctionExpression
    | ESTree.ArrowFunctionExpression;
}

/**
 * The `name` evaluation gives: a function expression's own name, "" for an anonymous one or an
 * arrow (evaluated where no name is inferred), a member's key ("get "/"set " before an
 * accessor's); undefined for a computed key.
 */
function sourceNameOf(fn: FunctionNode, kind: Analysis["memberKind"]): string | undefined {
  if (fn.type === "FunctionExpression") return fn.id ? fn.id.name : "";
  if (fn.type === "ArrowFunctionExpression") return "";
  if (fn.type !== "Property" || fn.computed) return undefined;
  const key = fn.key;
  let name: string;
  if (key.type === "Identifier") name = key.name;
  else if (key.type === "Literal" && ["string", "number", "bigint"].includes(typeof key.value)) {
    name = String(key.value);
  } else return undefined;
  return kind === "get" || kind === "set" ? `${kind} ${name}` : name;
}

/** The `length` evaluation gives: the parameters before the first default or rest one. */
function sourceLengthOf(fn: FunctionNode): number | undefined {
  const f = functionOf(fn);
  if (!isNode(f) || !Array.isArray(f.params)) return undefined;
  let n = 0;
  for (const p of f.params) {
    if (p.type === "AssignmentPattern" || p.type === "RestElement") break;
    n++;
  }
  return n;
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
  if (source.includes("super") && tryParse(`({m(){return (${source})}})`, false) !== undefined) {
    // An arrow (or function) that parses only inside a method: it reads `super`.
    return new AnalysisError(
      "it uses `super` outside a method of its own, which exists only where it was written: " +
        "read what it needs from `super` outside the arrow (e.g. " +
        "`const parent = super.method.bind(this)`) and use that variable inside",
      true,
    );
  }
  if (
    source.includes("new.target") &&
    tryParse(`(function(){return (${source})})`, false) !== undefined
  ) {
    // An arrow that parses only inside a function: it reads that function's `new.target`.
    return new AnalysisError(
      "it uses `new.target` of the function around it, which exists only inside that " +
        "function's call: read it into a variable there (`const target = new.target`) and " +
        "use that variable inside the arrow, so it is captured with it",
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
    const collector = new ReferenceCollector();
    collector.visit(expr, new LexicalScope("Function", null));
    return collector.usesImportMeta;
  }
  return false;
}

function isMember(n: ESTree.Property): boolean {
  return n.method || n.kind === "get" || n.kind === "set";
}
