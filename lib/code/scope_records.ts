/**
 * The scope records of a function by value: which captured variables it reads, from where
 * (the runtime's scope reader, the loader's own scopes, closure() captures, user globals),
 * grouped into one record per real scope, so that the functions of one scope share it after
 * loading as they did before; and how a record is written (SCOPE).
 *
 * @module
 */

import * as T from "../format/tags.ts";
import { type Encoder, F_LIST, S_SCOPE } from "../pickle/encoder.ts";
import { asBuiltin } from "./by_reference.ts";
import { UNINITIALIZED } from "./scope_read.ts";
import { globalValue, NO_GLOBAL, RUNTIME_GLOBAL } from "./globals.ts";
import type { Analysis } from "./analyze.ts";
import { explicitCaptures, ScopeRecord } from "./captures.ts";
import { RECEIVER } from "./receiver.ts";
import { isDeclarable, type ScopeHandle } from "./functions.ts";
import { loadedFunction, loadedScope } from "./loaded.ts";
import { handleOfRecord } from "./loaded_instrument.ts";
import { listRegistryPickleByValue } from "./registry.ts";
import { UNREAD } from "./by_value.ts";
import { packageByValueHint, unreadableReason } from "../runtime/remedy.ts";
import { type ReadScopes, type ScopeSnapshot, TDZ } from "../runtime/adapter.ts";
import { syncScopesUnavailable } from "../runtime/detect.ts";
import { classOfMember, recordOf } from "../runtime/instrumented.ts";
import { keyFromMembers, NO_KEY } from "./member_keys.ts";
import { expressionNameIn, withExpressionName } from "./expression_names.ts";

// Write side.

const getPrototypeOf = Object.getPrototypeOf;

/** The value of `name` in a scope snapshot ({@linkcode TDZ} for one not initialized yet). */
function valueIn(
  snap: { names: readonly string[]; values: readonly unknown[] },
  name: string,
): unknown {
  return snap.values[snap.names.indexOf(name)];
}

/**
 * The scope record holding a function's free variables: read from the real scopes by
 * the runtime's adapter, else given with closure(), else left to the loading side's
 * globals. UNREAD (async form) when the adapter has yet to read it.
 */
export function captured(
  enc: Encoder,
  fn: object,
  an: Analysis,
  name: string,
  receiver?: { readonly value: unknown },
): ScopeRecord | null | typeof UNREAD {
  const free = an.free;
  if (free.length === 0) return null;
  const given = explicitCaptures(fn);
  if (an.usesDirectEval && given === undefined && loadedFunction(fn) === undefined) {
    // The pickle would carry the names the source shows, not those the evaluated text reads:
    // loaded, it would fail (or read a global of that name) only when called.
    enc.fail(
      `cannot pickle function${name}: it calls eval() directly, and the code it evaluates may ` +
        "read any variable in scope, while a pickle carries only those the function's own " +
        "source names; give the variables the evaluated code reads with " +
        "closure({ name, … }, fn) (closure({}, fn) when it reads none), or pass them as " +
        "parameters",
    );
  }
  // closure() captures that name every free variable the loading side cannot find on its
  // own (absent optional ones may be properties of a `with` object, or only `typeof`-ed)
  // are the user's statement of the values: no scope needs reading then.
  if (
    given !== undefined &&
    free.every((v) =>
      Object.hasOwn(given, v) || globalValue(v) === RUNTIME_GLOBAL || an.optional.has(v)
    )
  ) {
    return explicitScope(enc, given);
  }
  // A function this process loaded: its scopes are the ones the loader built.
  const built = loadedFunction(fn);
  if (built !== undefined) return loadedScopes(enc, built.scope);
  let read = enc.opts.scopes?.get(fn);
  const prefetched = read !== undefined;
  if (read === undefined && enc.syncReader !== undefined) read = enc.syncReader(fn);
  // The name of a function expression around the function, which V8 shows in no scope.
  const own = expressionNameIn(read, an.free);
  const named = own === undefined ? undefined : withExpressionName(read!, own);
  if (named !== undefined) {
    if (prefetched) {
      // The async form groups its reads before a walk: walk this function again, with its
      // chain holding the name, and that function's own scopes read too.
      enc.opts.scopes!.set(fn, named.read);
      enc.unread.push(fn, named.fn);
      return UNREAD;
    }
    read = named.read;
  }
  let fromScopes: ScopeRecord | null = null;
  if (read !== undefined) {
    fromScopes = prefetched ? enc.fnScopes.get(fn) ?? null : identityScopes(enc, an, read);
  }
  if (read === undefined && enc.async && enc.opts.scopesUnavailable === undefined) {
    enc.unread.push(fn);
    return UNREAD;
  }
  const extraNames: string[] = [];
  const extraValues: unknown[] = [];
  const globalNames: string[] = [];
  const globalValues: unknown[] = [];
  const missing: string[] = [];
  let key: string | symbol | typeof NO_KEY;
  for (const v of free) {
    if (receiver !== undefined && v === RECEIVER) {
      // The enclosing `this` of an arrow a class stored on its instance (receiver.ts).
      extraNames.push(v);
      extraValues.push(receiver.value);
      continue;
    }
    // A variable in its temporal dead zone (declared below the code that pickles) travels
    // so: reading it where the function is loaded throws, as it would have here.
    if (read?.found.get(v) !== undefined) continue;
    if (given !== undefined && Object.hasOwn(given, v)) {
      extraNames.push(v);
      extraValues.push(given[v]);
    } else if (v === an.heritage && typeof getPrototypeOf(fn) === "function") {
      // `class C extends P`: P's value is C's parent, whether or not a scope shows it.
      extraNames.push(v);
      extraValues.push(getPrototypeOf(fn));
    } else if (v === classNameOf(fn)) {
      // A member of a class body reading the class's own name: the class.
      extraNames.push(v);
      extraValues.push(classOfMember(fn));
    } else if (
      an.keyedMembers.length > 0 && (key = keyFromMembers(fn, an, v)) !== NO_KEY
    ) {
      // Read only as the key of members (`[tag]() {}`): the key they carry is its value.
      extraNames.push(v);
      extraValues.push(key);
    } else {
      // A global that user code defined travels with the function; the runtime's own not.
      const g = globalValue(v);
      if (g === NO_GLOBAL) {
        if (!an.optional.has(v)) missing.push(v);
      } else if (g !== RUNTIME_GLOBAL) {
        globalNames.push(v);
        globalValues.push(g);
      }
    }
  }
  if (missing.includes("arguments")) {
    // (No closure() can pass it: `arguments` cannot be declared.)
    enc.fail(
      `cannot pickle function${name}: it uses the arguments object of the function around ` +
        "it, which cannot be pickled; copy it into a variable there (const args = " +
        "[...arguments]) and use that",
    );
  }
  if (missing.length > 0) {
    const own = expressionNameIn(read, missing);
    if (own !== undefined) {
      // V8 keeps the name of a function expression (`return function curried() { … }`) in
      // a binding of its own that no scope shows, and the function was not found by its
      // scopes (expression_names.ts).
      enc.fail(
        `cannot pickle function${name}: it uses '${own}', the name of the function ` +
          "expression around it, which the runtime does not show, and no single function of " +
          "that name has the closure's scopes (two made in the same state?); declare that " +
          `function with a variable (\`const ${own} = function (…) { … }\`, then use ` +
          `'${own}') so that its scope holds it, or pickle that function instead`,
      );
    }
    const list = missing.map((m) => `'${m}'`).join(", ");
    const them = missing.length > 1 ? "them" : "it";
    if (read !== undefined && recordOf(fn) !== undefined) {
      // Its scopes were read from their records, which hold every variable of theirs that
      // closures use (instrumented code), and do not hold it: nor is it a global here (a
      // browser's `document`, a name assigned without a declaration that has not run yet).
      // (V8's inspector may not show a variable that exists: there "could not be read".)
      enc.fail(
        `cannot pickle function${name}: its free variable${missing.length > 1 ? "s" : ""} ` +
          `${list} ${missing.length > 1 ? "are" : "is"} found neither in the scopes it ` +
          `closes over nor among this runtime's globals; define ${them} before pickling, ` +
          `or pass ${them} with closure({ ${missing.join(", ")} }, fn)`,
      );
    }
    const sync = !enc.async;
    const why = unreadableReason(
      fn,
      enc.opts.scopesUnavailable,
      sync,
      sync ? syncScopesUnavailable() : undefined,
    );
    const reason = why === "" ? "" : ` (${why})`;
    enc.fail(
      `cannot pickle function${name}: its free variable${missing.length > 1 ? "s" : ""} ` +
        `${list} could not be read${reason}; pass ${missing.length > 1 ? "them" : "it"} ` +
        `with closure({ ${missing.join(", ")} }, fn)` + packageHint(enc),
    );
  }
  for (const n of globalNames) {
    if (!isDeclarable(n)) enc.fail(undeclarable(n));
  }
  if (globalNames.length > 0) fromScopes = underGlobals(enc, fromScopes, globalNames, globalValues);
  if (extraNames.length === 0) return fromScopes;
  for (const n of extraNames) {
    if (!isDeclarable(n)) enc.fail(undeclarable(n));
  }
  if (
    fromScopes === null && given !== undefined && extraNames.every((n) => Object.hasOwn(given, n))
  ) {
    return explicitScope(enc, given);
  }
  const extras = new ScopeRecord(extraNames, extraValues, fromScopes);
  enc.opts.observer?.extras(extras);
  return extras;
}

/** The key of the scope record of user globals in `Encoder.byIdentity`. */
const USER_GLOBALS = {};

/**
 * The chain `chain` with the record of the user globals `names` (with `values`) at its
 * root. A pickle has one such record, holding every global user code defined (a REPL's
 * top-level variables, properties put on globalThis) that its functions read by name: loaded,
 * it is one scope around all of them, so that they share each global as they did here.
 */
function underGlobals(
  enc: Encoder,
  chain: ScopeRecord | null,
  names: readonly string[],
  values: readonly unknown[],
): ScopeRecord {
  let globals = enc.byIdentity.get(USER_GLOBALS);
  if (globals === undefined) {
    globals = new ScopeRecord([], [], null);
    enc.byIdentity.set(USER_GLOBALS, globals);
    enc.opts.observer?.extras(globals);
  }
  for (let i = 0; i < names.length; i++) {
    if (globals.names.includes(names[i])) continue;
    globals.names.push(names[i]);
    globals.values.push(values[i]);
    // Written already without this name: the walk is made again with the record complete.
    if (enc.written.has(globals)) enc.scopesGrew = true;
  }
  if (chain === null) return globals;
  let root = chain;
  while (root.parent !== null && root !== globals) root = root.parent;
  if (root !== globals) {
    root.parent = globals;
    // A record written with no parent now has one: write again (as above).
    if (enc.written.has(root)) enc.scopesGrew = true;
  }
  return chain;
}

const CLASS_NAME = /^class\s+([\p{ID_Start}$_][\p{ID_Continue}$\u200c\u200d]*)/u;
const fnToString = Function.prototype.toString;

/** The name the class whose body defines `fn` binds inside it, if known (instrumented code). */
function classNameOf(fn: object): string | undefined {
  const cls = classOfMember(fn);
  return cls === undefined ? undefined : CLASS_NAME.exec(fnToString.call(cls))?.[1];
}

function undeclarable(n: string): string {
  return `cannot capture a variable named '${n}': no declaration can bind that name where ` +
    "the function is loaded; rename it";
}

/**
 * Scope records from a reader that knows scope identity (instrumented code): one record
 * per real scope instance, holding every variable of it that closures capture, so all
 * functions of that scope share it exactly.
 */
function identityScopes(enc: Encoder, an: Analysis, read: ReadScopes): ScopeRecord | null {
  // (Scopes the loader built, met through closures loaded code created, are its records.)
  // The names this function uses, by the scope that holds them.
  const used = new Map<number, string[]>();
  let first = Infinity;
  for (const v of an.free) {
    const at = read.found.get(v);
    if (at === undefined) continue;
    const list = used.get(at);
    if (list === undefined) used.set(at, [v]);
    else list.push(v);
    if (at < first) first = at;
  }
  if (first === Infinity) return null;
  const records = enc.byIdentity;
  let child: ScopeRecord | null = null;
  let innermost: ScopeRecord | null = null;
  /** The records of this chain so far. */
  const chain: ScopeRecord[] = [];
  for (let i = first; i < read.chain.length; i++) {
    const snap = read.chain[i];
    const names = used.get(i) ?? [];
    let rec: ScopeRecord;
    const identity = snap.identity ?? (snap.byContent ? contentIdentity(enc, snap) : undefined);
    const built = identity === undefined ? undefined : handleOfRecord(identity);
    if (built !== undefined) {
      const rec = loadedScopes(enc, built);
      if (child !== null) child.parent ??= rec;
      innermost ??= rec;
      break;
    }
    // Two scopes of one chain are never one scope, though their content may match (the
    // head of a `for (let …)` loop and its first iteration's copy hold the same values).
    const sameChain = identity !== undefined && chain.includes(records.get(identity)!);
    if (identity === undefined || sameChain) {
      // Values that never change (constants, imports): nothing to share.
      if (names.length === 0) continue;
      rec = new ScopeRecord(names, names.map((n) => valueIn(snap, n)), null);
    } else {
      let shared = records.get(identity);
      if (shared === undefined) {
        shared = new ScopeRecord([], [], null);
        records.set(identity, shared);
      }
      rec = shared;
      // A record holds the variables the pickled functions use; one written before it
      // gained a name makes the caller walk again, with the record complete from the start.
      for (const n of names) {
        if (rec.names.includes(n)) continue;
        rec.names.push(n);
        rec.values.push(valueIn(snap, n));
        if (enc.written.has(rec)) enc.scopesGrew = true;
      }
    }
    if (child !== null) child.parent ??= rec;
    innermost ??= rec;
    child = rec;
    chain.push(rec);
  }
  return innermost;
}

/**
 * A stand-in identity for a scope snapshot that has none (V8's inspector): snapshots of the
 * same kind with the same variables and values are taken as one scope.
 */
function contentIdentity(enc: Encoder, snap: ScopeSnapshot): object {
  outer: for (const seen of enc.byContent) {
    if (seen.kind !== snap.kind || seen.names.length !== snap.names.length) continue;
    for (let i = 0; i < snap.names.length; i++) {
      if (seen.names[i] !== snap.names[i] || !Object.is(seen.values[i], snap.values[i])) {
        continue outer;
      }
    }
    return seen;
  }
  enc.byContent.push(snap);
  return snap;
}

/**
 * The scope records of a scope chain the loader built: one record per scope, holding every
 * variable the scope declares with its current value, so the functions loaded together
 * share their records and a pickle made again from a loaded value has the bytes it was
 * loaded from.
 */
export function loadedScopes(enc: Encoder, handle: ScopeHandle | null): ScopeRecord | null {
  let first: ScopeRecord | null = null;
  let child: ScopeRecord | null = null;
  for (let h = handle; h !== null;) {
    let rec = enc.byLoaded.get(h);
    const known = rec === undefined ? loadedScope(h) : undefined;
    if (rec === undefined) {
      if (known === undefined) break;
      const names = known.names.slice();
      const values: unknown[] = new Array(names.length);
      for (let i = 0; i < names.length; i++) values[i] = known.uninitialized?.[i] ? TDZ : h.g(i);
      rec = new ScopeRecord(names, values, null);
      enc.byLoaded.set(h, rec);
    }
    if (child !== null) child.parent = rec;
    first ??= rec;
    if (known === undefined) break; // the rest of the chain is known already
    child = rec;
    h = known.parent;
  }
  return first;
}

/** One scope record per closure() captures object, so its functions share it. */
function explicitScope(enc: Encoder, captures: Record<string, unknown>): ScopeRecord {
  let rec = enc.explicitScopes.get(captures);
  if (rec === undefined) {
    const names = Object.keys(captures);
    for (const n of names) {
      if (!isDeclarable(n)) enc.fail(undeclarable(n));
    }
    rec = new ScopeRecord(names, names.map((n) => captures[n]), null);
    enc.explicitScopes.set(captures, rec);
  }
  return rec;
}

/**
 * Why a function of a package registered by value may have unreadable variables on Bun:
 * there, closure variables are read only in code the preload instrumented.
 */
function packageHint(enc: Encoder): string {
  const hint = packageByValueHint();
  if (hint === "") return "";
  const npm = (e: string) => e.startsWith("npm:");
  if (!listRegistryPickleByValue().some(npm) && !enc.opts.byValue?.some(npm)) return "";
  return hint;
}

/** Writes a scope record (or a reference to it, or null). */
export function writeScope(enc: Encoder, rec: ScopeRecord | null): void {
  const w = enc.w;
  if (rec === null) {
    w.byte(T.NULL);
    return;
  }
  if (enc.ref(rec)) return;
  enc.memo.set(rec, enc.nextId++);
  enc.written.set(rec, rec.values.length);
  w.byte(T.SCOPE);
  w.varint(rec.names.length);
  const values = rec.values;
  let dead = false;
  for (let i = 0; i < values.length; i++) {
    // A variable in its temporal dead zone: its name marked, no value (see scope_read.ts).
    if (values[i] === TDZ) {
      w.string(rec.names[i] + UNINITIALIZED);
      dead = true;
    } else w.string(rec.names[i]);
  }
  writeScope(enc, rec.parent);
  if (values.length > 0) {
    const items = dead ? values.map((v) => v === TDZ ? undefined : v) : values;
    enc.push(F_LIST, S_SCOPE, rec, values.length).items = builtinsAsReferences(items);
  }
}

/** Captured values, with built-in modules' exports objects standing as BuiltinObjects. */
function builtinsAsReferences(values: unknown[]): unknown[] {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v !== null && typeof v === "object" && asBuiltin(v) !== v) return values.map(asBuiltin);
  }
  return values;
}
