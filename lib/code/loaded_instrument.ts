/**
 * Closures that loaded code creates later. A function the loader evaluated may itself create
 * closures when it runs (a factory, a curried function, a class whose methods return arrows).
 * Their scopes were built by running loaded code, not by the loader, and no runtime shows
 * them to the library everywhere (Bun never does; Deno only with the inspector). So the
 * loader evaluates a source that creates closures through the load-time transform of the Bun
 * preload (`lib/instrument/instrument.ts`): every closure it creates carries its scope record,
 * whose outermost parent is the record of the loader's own scope (`handleRecord`), and the
 * pickler reads them alike on every runtime. The helpers the transformed code calls are
 * given to it lexically: nothing global is installed.
 *
 * @module
 */

import { instrument } from "../instrument/instrument.ts";
import {
  installInstrumentedRuntime,
  installPassThroughHelpers,
  readRecordScopes,
  recordOf,
  register,
  registerClass,
  registerNamed,
  registerObject,
} from "../runtime/instrumented.ts";
import type { ReadScopes } from "../runtime/adapter.ts";
import { analyze } from "./analyze.ts";
import {
  FORM_METHOD,
  memberOf,
  rememberKeyedSource,
  type ScopeHandle,
  scopeOrTop,
  withoutKey,
} from "./functions.ts";
import { chainNames, loadedScope } from "./loaded.ts";

type Record = (i: number) => unknown;

const records = new WeakMap<ScopeHandle, Record>();
const handles = new WeakMap<object, ScopeHandle>();

/**
 * The scope record (in the sense of `instrumented.ts`) of a scope the loader built:
 * its variables, its parent's record, its names; every variable counts as changing.
 */
export function handleRecord(handle: ScopeHandle | null): Record | null {
  if (handle === null) return null;
  let r = records.get(handle);
  if (r !== undefined) return r;
  const known = loadedScope(handle);
  if (known === undefined) return null;
  const names = known.names;
  const list = names.join(",");
  r = (i: number): unknown => {
    if (i >= 0) return handle.g(i);
    switch (i) {
      case -1:
        return handleRecord(known.parent);
      case -2:
        return list;
      case -3:
        return "Loaded";
      case -4:
        return names.length;
    }
    return undefined;
  };
  records.set(handle, r);
  handles.set(r, handle);
  return r;
}

/** The scope a record of {@linkcode handleRecord} stands for, if `record` is one. */
export function handleOfRecord(record: object): ScopeHandle | undefined {
  return handles.get(record);
}

/** Text that may create a closure: an arrow, a function, a class or a method body. */
const NESTED = /=>|\bfunction\b|\bclass\b|\)\s*\{/;
/** {@linkcode NESTED} searching from its `lastIndex`; its words right there. */
const NESTED_FROM = new RegExp(NESTED.source, "g");
const WORD_AT = /(?:function|class)\b/y;
/** Where a function's head ends (its first `=>` or `{`). */
const HEAD_END = /=>|\{/;
const OPEN = "/*$cp$<*/";
const CLOSE = "/*$cp$>*/";

interface Prepared {
  /** `(record, $cp$f, $cp$n, $cp$o, $cp$k) => (instrumented source)`. */
  readonly text: string;
}

const prepared = new Map<string, Prepared | null>();
/** A name of the helpers of `instrumented.ts` (`$cp$f`, `$cp$a`, …). */
const HELPER_NAME = /\$cp\$[a-dfkno]\b/;
const PREPARED_MAX = 1024;

/**
 * False when a function's source can create no closure (nothing after its head looks like a
 * function), so evaluating it needs no instrumentation (a cheap test on the text).
 */
export function createsClosures(source: string): boolean {
  if (source.includes("$cp$") && HELPER_NAME.test(source)) return true;
  const cut = source.search(HEAD_END);
  if (cut < 0) return false;
  // NESTED on the text from cut + 2 on, without copying it: a match in the whole text
  // from there is one in that text, which also takes a word there for a whole word.
  NESTED_FROM.lastIndex = cut + 2;
  if (NESTED_FROM.test(source)) return true;
  WORD_AT.lastIndex = cut + 2;
  return WORD_AT.test(source);
}

function prepare(source: string, form: number, names: readonly string[]): Prepared | null {
  const cut = source.search(/=>|\{/);
  if (cut < 0 || !NESTED.test(source.slice(cut + 2))) return null;
  const inner = form === FORM_METHOD ? `({${withoutKey(source)}})` : `(${source})`;
  // The loader's scope chain stands as one function scope declaring its variables, so the
  // closures that capture them register with that scope's record: the loader's own.
  const decl = names.length > 0 ? `let ${names.join(", ")}; ` : "";
  const wrapped = `function $cp$top() { "use strict"; ${decl}return ${OPEN}${inner}${CLOSE}; }`;
  const result = instrument(wrapped, { sourceType: "script" });
  if (result.sites === 0) return null;
  const code = result.code;
  const start = code.indexOf(OPEN);
  const end = code.lastIndexOf(CLOSE);
  if (start < 0 || end < start) return null;
  const head = code.slice(0, start);
  const top =
    /^function \$cp\$top\(\) \{\s*(?:"use strict"[;\s]*)?(?:function (\$cp\$[a-z])\(|const (\$cp\$[a-z])=)/
      .exec(head);
  const record = top?.[1] ?? top?.[2] ?? "$cp$h";
  return {
    text: `((${record}, $cp$f, $cp$n, $cp$o, $cp$k) => ` +
      `${code.slice(start + OPEN.length, end)})`,
  };
}

/**
 * Evaluates a function's source in `scope` with its closures instrumented (see the module
 * documentation), or returns undefined when the source creates no closure.
 */
export function newInstrumentedFunction(
  scope: ScopeHandle | null,
  form: number,
  member: number,
  source: string,
): unknown {
  // Source instrumented elsewhere (Bun's preload) names the helpers' globals.
  if (source.includes("$cp$") && HELPER_NAME.test(source)) installPassThroughHelpers();
  else if (!createsClosures(source)) return undefined;
  const names = chainNames(scope);
  const key = `${form}\n${names.join(",")}\n${source}`;
  let p = prepared.get(key);
  if (p === undefined) {
    try {
      p = prepare(source, form, names);
    } catch {
      // Source that is not strict-mode code (see newFunction): evaluated without records.
      p = null;
    }
    if (prepared.size >= PREPARED_MAX) prepared.clear();
    prepared.set(key, p);
  }
  if (p === null) return undefined;
  const make = scopeOrTop(scope).d(p.text) as (...helpers: unknown[]) => unknown;
  const made = make(handleRecord(scope), register, registerNamed, registerObject, registerMade);
  if (form !== FORM_METHOD) return made;
  const fn = memberOf(made as object, member);
  if (typeof fn === "function") rememberKeyedSource(fn, source);
  return fn;
}

/** Classes that loaded code created when it ran (a shipped factory called here). */
const madeHere = new WeakSet<object>();

/** Registers a class loaded code creates, and remembers that loaded code made it. */
function registerMade(record: unknown, cls: unknown): void {
  registerClass(record, cls);
  if (typeof cls === "function") madeHere.add(cls);
}

/**
 * Whether class `cls` was created by running code that came out of a pickle: in a worker
 * that runs a shipped factory, say. Such a class is new in this process, and another process
 * may make one of the same source from the same factory: see `classId` in identity.ts.
 */
export function madeByLoadedCode(cls: object): boolean {
  return madeHere.has(cls);
}

/** Free variables per function: they never change. */
const usedNames = new WeakMap<object, ReadonlySet<string> | undefined>();
const fnToString = Function.prototype.toString;

/**
 * The scope chain of a function that carries a scope record (instrumented code, or a closure
 * loaded code created), values read now, limited to the variables its source uses (see
 * `readRecordScopes` in `lib/runtime/instrumented.ts`). Undefined for a function without a
 * record, or whose records lead into code that was loaded from a pickle.
 */
export function readInstrumentedScopes(fn: object): ReadScopes | undefined {
  if (recordOf(fn) === undefined) return undefined;
  let used: ReadonlySet<string> | undefined = usedNames.get(fn);
  if (used === undefined && !usedNames.has(fn)) {
    try {
      used = new Set(analyze(fnToString.call(fn)).free);
    } catch {
      used = undefined; // then every variable is shared (the pickler reports the parse error)
    }
    usedNames.set(fn, used);
  }
  return readRecordScopes(fn, used);
}

/** Installs the run-time side of the Bun preload's transform, with the reader above. */
export function installInstrumentRuntime(): void {
  installInstrumentedRuntime(readInstrumentedScopes);
}
