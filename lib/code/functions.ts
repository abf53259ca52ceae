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

import { type Analysis, analyze } from "./analyze.ts";
import { chainNames, rememberScope } from "./loaded.ts";

/** Form codes of the FUNCTION tag. */
export const FORM_FUNCTION = 0;
export const FORM_ARROW = 1;
export const FORM_METHOD = 2;
export const FORM_CLASS = 3;
/**
 * A `function` of sloppy-mode code (a script, a REPL, `eval`, `new Function`, CommonJS without
 * "use strict"): evaluated in sloppy mode again, where a plain call's `this` is the global
 * object and an assignment to an undeclared name makes a global.
 */
export const FORM_SLOPPY = 4;
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

const callerGetter = Object.getOwnPropertyDescriptor(Function.prototype, "caller")?.get;
const sloppyFunctions = new WeakMap<object, boolean>();

/**
 * Whether `fn`, a `function` (no arrow, method, class, generator or async function), is
 * sloppy-mode code: `Function.prototype.caller` answers for those only, and throws for strict
 * ones on V8 and JavaScriptCore alike. Remembered per function (a throw costs microseconds).
 */
export function isSloppyFunction(fn: object): boolean {
  let sloppy = sloppyFunctions.get(fn);
  if (sloppy === undefined) {
    sloppy = false;
    if (callerGetter !== undefined) {
      try {
        callerGetter.call(fn);
        sloppy = true;
      } catch {
        // Strict.
      }
    }
    sloppyFunctions.set(fn, sloppy);
  }
  return sloppy;
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

function factorySource(names: readonly string[], uninitialized?: readonly boolean[]): string {
  const live = uninitialized === undefined ? names : names.filter((_, i) => !uninitialized[i]);
  const decl = live.length > 0 ? `let ${live.join(", ")};` : "";
  // Variables in their temporal dead zone are declared after the return: never initialized,
  // so every read of them throws, as it did where they were pickled; none is set.
  const dead = live.length === names.length
    ? ""
    : `let ${names.filter((_, i) => uninitialized![i]).join(", ")};`;
  let sets = "";
  let gets = "";
  for (let i = 0; i < names.length; i++) {
    if (uninitialized?.[i] !== true) sets += `case ${i}: ${names[i]} = $cp$v; break; `;
    gets += `case ${i}: return ${names[i]}; `;
  }
  return `(function () { ${decl} return { d: ($cp$src) => eval($cp$src), ` +
    `s: ($cp$i, $cp$v) => { switch ($cp$i) { ${sets}} }, ` +
    `g: ($cp$i) => { switch ($cp$i) { ${gets}} } }; ${dead} })`;
}

const indirectEval = eval;

/**
 * The factory of scopes declaring one list of variables: its text (a function expression),
 * and once a top-level scope was made of it, the evaluated factory. V8 compiles a script that
 * contains a direct `eval` anew on every evaluation (35-50 µs for a factory, never cached), and
 * the direct evaluations inside the scopes it makes then miss its cache too, each `d` being a
 * function never seen before. Evaluated once and called for each scope, the factory makes
 * scopes whose `d` share one compiled function, so evaluating the same source in them (a
 * closure loaded again with new values, a nested scope's factory) hits the engine's cache:
 * loading a closure over a variable measured 111 µs on Deno before, JavaScriptCore gains a few
 * microseconds.
 */
interface Factory {
  readonly text: string;
  top: (() => ScopeHandle) | undefined;
}

/** Factories by their variables (names are identifiers: a comma cannot be one's). */
const factories = new Map<string, Factory>();
/** Factories remembered at most (then forgotten all at once). */
const FACTORIES_MAX = 1024;
/**
 * Text the remembered factories may hold (then forgotten all at once), so that pickles with
 * long lists of long names cannot make the cache hold much memory; a factory whose text is
 * longer than a sixteenth of it is made for its scope alone.
 */
const FACTORY_TEXT_MAX = 4 * 1024 * 1024;
let factoryText = 0;

function factoryOf(names: readonly string[], uninitialized?: readonly boolean[]): Factory {
  let key = names.join(",");
  if (uninitialized !== undefined) {
    key += "|";
    for (let i = 0; i < uninitialized.length; i++) key += uninitialized[i] ? "1" : "0";
  }
  let f = factories.get(key);
  if (f === undefined) {
    f = { text: factorySource(names, uninitialized), top: undefined };
    const size = f.text.length + key.length;
    if (size > FACTORY_TEXT_MAX / 16) return f;
    if (factories.size >= FACTORIES_MAX || factoryText + size > FACTORY_TEXT_MAX) {
      factories.clear();
      factoryText = 0;
    }
    factories.set(key, f);
    factoryText += size;
  }
  return f;
}

/** A new scope declaring `names`, inside `parent` (or at the top level). */
export function newScope(
  parent: ScopeHandle | null,
  names: readonly string[],
  uninitialized?: readonly boolean[],
): ScopeHandle {
  const f = factoryOf(names, uninitialized);
  let h: ScopeHandle;
  if (parent === null) {
    const make = f.top ??= indirectEval(`"use strict"; ${f.text}`) as () => ScopeHandle;
    h = make();
  } else {
    // A direct eval in the parent's scope: cached by the engine for the parent's factory.
    h = parent.d(`${f.text}()`) as ScopeHandle;
  }
  rememberScope(h, names, parent, uninitialized);
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

/**
 * Thrown when a function's source evaluates to a function whose text is not that source: the
 * source is not one function expression (it closes the brackets around it).
 */
export class NotOneFunction extends Error {}

const fnToString = Function.prototype.toString;

/** `fn` when its text is `text`; else throws {@linkcode NotOneFunction}. */
function exactly(fn: unknown, text: string): unknown {
  if (typeof fn === "function" && fnToString.call(fn) !== text) {
    throw new NotOneFunction("a function's source is not one function expression");
  }
  return fn;
}

/** Evaluates a function's source in `scope` (or the top level) and returns the function. */
export function newFunction(
  scope: ScopeHandle | null,
  form: number,
  member: number,
  source: string,
): unknown {
  const where = scopeOrTop(scope);
  if (form === FORM_SLOPPY) {
    // Only a plain `function` is written so (a class's static code, say, must not run here).
    const an = analyze(source);
    if (an.form !== "function") {
      throw new NotOneFunction("a sloppy-mode function's source is not a function expression");
    }
    return exactly(sloppy(where, form, source, an.free), source);
  }
  let holder: object;
  let text = source;
  try {
    if (form !== FORM_METHOD) return exactly(where.d(`(${source})`), source);
    text = withoutKey(source);
    holder = where.d(`({${text}})`) as object;
  } catch (e) {
    // Source that parses in sloppy mode only (`with`, octal literals, `let` as a name…) was
    // sloppy-mode code where it was defined: it is evaluated so again.
    if (!(e instanceof SyntaxError)) throw e;
    let an: Analysis;
    try {
      an = analyze(source);
    } catch {
      throw e;
    }
    holder = sloppy(where, form, source, an.free);
    if (form !== FORM_METHOD) return exactly(holder, source);
  }
  const fn = exactly(memberOf(holder, member), text);
  if (typeof fn === "function") rememberKeyedSource(fn, source);
  return fn;
}

/** A method source that may start with a computed key: `[k]() {}`, `async *[k]() {}`. */
const COMPUTED = /^(?:async\s*)?(?:\*\s*)?(?:get\s+|set\s+)?\[/;

/** Methods loaded with their computed key replaced, and the source they were pickled with. */
const sources = new WeakMap<object, string>();

/** Remembers the source of a method loaded here whose computed key was replaced. */
export function rememberKeyedSource(fn: object, source: string): void {
  if (COMPUTED.test(source)) sources.set(fn, source);
}

/**
 * The source a method loaded here was pickled with, when its loaded text differs (its
 * computed key is not evaluated again).
 */
export function loadedSource(fn: object): string | undefined {
  return sources.get(fn);
}

/**
 * A method's source with its computed key replaced by `0`: the key was evaluated where the
 * method was defined, the names it uses are not captured, and the method's `name` travels as
 * one of its own properties.
 */
export function withoutKey(source: string): string {
  if (!COMPUTED.test(source)) return source;
  const range = analyze(source).computedKey;
  if (range === undefined) return source;
  return `${source.slice(0, range[0])}0${source.slice(range[1])}`;
}

/**
 * Evaluates sloppy-mode source (a `with` statement, say: a syntax error in the strict code of
 * rebuilt scopes) at the top level, in sloppy mode, where a `with` over a bridge object
 * gives it the captured variables of `scope`: an accessor per free name the scope declares,
 * reading and writing the real variable, so closures of one scope still share it.
 */
function sloppy(scope: ScopeHandle, form: number, source: string, free: readonly string[]): object {
  // The variables the rebuilt scopes declare (others are globals, read as sloppy code reads
  // them: no name is evaluated to find out, so no global getter runs at load).
  const declared = new Set(chainNames(scope));
  const names = free.filter((n) => isDeclarable(n) && declared.has(n));
  // Frozen: `delete x` of a captured variable stays false, as for a variable.
  let bridge = "Object.freeze({ __proto__: null";
  for (const n of names) {
    bridge += `, get ${n}() { return ${n}; }, set ${n}($cp$v) { ${n} = $cp$v; }`;
  }
  const vars = scope.d(`(${bridge} }))`);
  const text = form === FORM_METHOD ? `({${withoutKey(source)}})` : `(${source})`;
  const make = indirectEval(`(function ($cp$s) { with ($cp$s) { return ${text}; } })`) as (
    s: unknown,
  ) => object;
  return make(vars);
}
