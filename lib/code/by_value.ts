/**
 * Functions by value: their source (analysed once per function), their captured variables as
 * scope records (shared by the functions that close over one scope, as on the side that
 * made them), and their own properties. Classes add their definition's values and their
 * prototype (classes.ts); bound functions are calls (bound.ts).
 *
 * @module
 */

import * as T from "../format/tags.ts";
import { type Encoder, F_LIST, S_PRIVATE, S_SCOPE } from "../pickle/encoder.ts";
import { propsFrame } from "../pickle/properties.ts";
import { type Analysis, AnalysisError, analyze } from "./analyze.ts";
import type { ScopeRecord } from "./captures.ts";
import { FORM_CLASS, formCode, loadedSource, memberCode } from "./functions.ts";
import { classId } from "./identity.ts";
import { functionKeys, ownPrototype, prototypeKeys } from "./members.ts";
import { originalSource } from "./private_state.ts";
import { loadedFunction } from "./loaded.ts";
import { withoutInstrumentation } from "./uninstrument.ts";
import { importSites, mayImport, withImportBase } from "./relative_imports.ts";
import { asBuiltin, moduleRoot, portableOf, writeExported } from "./by_reference.ts";
import { writeBound } from "./bound.ts";
import { definitionValues, reparented, staticPrivates } from "./classes.ts";
import { readInstrumentedScopes, recordOf } from "../runtime/instrument_runtime.ts";
import "../runtime/private_readers.ts";
import "../runtime/modules_sources.ts";
import { findBuiltinExport, locatedFunction } from "../runtime/modules.ts";
import { IS_JSC } from "../runtime/engine.ts";
import { isBoundFunction, type ReadScopes } from "../runtime/scopes.ts";
import { captured } from "./scope_records.ts";

// Write side.

const fnToString = Function.prototype.toString;

/** Stands for what the async form must read (in the prefetch pass) before walking again. */
export const UNREAD: unique symbol = Symbol("unread");

/** Source and analysis per function: a function's text never changes. */
const analysed = new WeakMap<object, [string, Analysis]>();

/** A function by value: its source, its captured scope, its own properties. */
export function writeByValue(enc: Encoder, fn: (...args: unknown[]) => unknown): void {
  const name = fn.name ? ` '${fn.name}'` : "";
  if (isBoundFunction(fn)) {
    writeBound(enc, fn, name);
    return;
  }
  let source: string;
  let an: Analysis;
  try {
    const known = analysed.get(fn);
    if (known !== undefined) {
      [source, an] = known;
    } else {
      source = loadedFunction(fn)?.source ?? originalSource(fn) ?? loadedSource(fn) ??
        withoutInstrumentation(fnToString.call(fn));
      an = analyze(source);
      analysed.set(fn, [source, an]);
    }
  } catch (e) {
    if (writeExported(enc, fn, findBuiltinExport)) return;
    if (e instanceof AnalysisError && e.complete) {
      enc.fail(`cannot pickle function${name} by value: ${e.message}`);
    }
    enc.fail(
      `cannot pickle function${name}: ${e instanceof Error ? e.message : String(e)} ` +
        "(native and bound functions are pickled only when reachable from globalThis)",
    );
  }
  const form = formCode(an);
  if (form === undefined) {
    enc.fail(
      `cannot pickle method${name} alone: it uses private names (#…), which exist only ` +
        "inside its class; pickle the class, or an instance of it",
    );
  }
  if (an.lexicalThis) {
    enc.fail(
      `cannot pickle arrow function${name}: it uses the enclosing \`this\`, which the ` +
        "runtime does not expose; assign `this` to a variable outside the arrow and use that",
    );
  }
  if (an.usesSuper && form !== FORM_CLASS) {
    enc.fail(
      `cannot pickle method${name} alone: it uses \`super\`, whose home object is not ` +
        "recoverable; pickle the class, or an instance of it",
    );
  }
  // A function with free variables may be a Node built-in written in JavaScript.
  if (an.free.length > 0 && writeExported(enc, fn, findBuiltinExport)) return;
  const scope = captured(enc, fn, an, name);
  if (scope === UNREAD) {
    enc.w.byte(T.UNDEFINED);
    return;
  }
  // A loaded function's source says already where its import()s resolve.
  const text = mayImport(source) && loadedFunction(fn) === undefined
    ? importBase(enc, fn, source, name)
    : source;
  if (text === UNREAD) {
    enc.w.byte(T.UNDEFINED);
    return;
  }
  const proto = ownPrototype(fn);
  reparented(enc, fn, an, scope, proto);
  enc.memo.set(fn, enc.nextId++);
  enc.flags |= T.FLAG_CODE;
  const w = enc.w;
  w.byte(T.FUNCTION);
  w.byte2(form, memberCode(an));
  w.string(text);
  if (form === FORM_CLASS) w.string(classId(fn, source));
  writeScope(enc, scope);
  if (form === FORM_CLASS) {
    definitionValues(enc, fn, an, scope);
    // Static private values: written last, after both property lists.
    const statics = staticPrivates(enc, fn, an, name);
    if (statics === UNREAD) return;
    const f = enc.push(F_LIST, S_PRIVATE, fn, statics.length);
    f.items = statics;
    f.pre = statics.length >> 1;
  }
  // The prototype's list is pushed first so that the function's own list is written first.
  if (proto === undefined) propsFrame(enc, fn, [], null, T.INTEGRITY_EXTENSIBLE);
  else propsFrame(enc, proto, prototypeKeys(fn, proto, an, source), null);
  propsFrame(enc, fn, functionKeys(fn, an, source, proto !== undefined), null);
}

/**
 * The source of a function that calls `import()`, with each call resolving against the
 * module that defined the function, named portably (see relative_imports.ts); UNREAD while
 * the async form has yet to locate the function.
 */
function importBase(
  enc: Encoder,
  fn: object,
  source: string,
  name: string,
): string | typeof UNREAD {
  const sites = importSites(source);
  if (sites === undefined) return source;
  const root = moduleRoot(enc);
  const portable = (url: string) => portableOf(url, root || undefined);
  let base: string | undefined;
  if (sites.needsBase) {
    let url: string | null | undefined = enc.opts.locations?.get(fn) ?? locatedFunction(fn);
    if (url === undefined && enc.async) {
      enc.unlocated.push(fn);
      return UNREAD;
    }
    url ??= undefined;
    if (url !== undefined) base = portable(url) ?? url;
    else if (sites.needsBaseStrictly) {
      enc.fail(
        `cannot pickle function${name}: it imports a relative specifier (import("./…")), ` +
          "and the module that defined it, which that specifier is relative to, cannot be " +
          "found here (" + (IS_JSC
            ? "on Bun the preload records it in the modules it instruments"
            : !enc.async
            ? "on Deno the async dumps() finds it, with --allow-sys"
            : "on Deno it needs --allow-sys") +
          ")",
      );
    }
  }
  return withImportBase(source, sites, base, portable);
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
  for (const n of rec.names) w.string(n);
  writeScope(enc, rec.parent);
  if (rec.values.length > 0) {
    enc.push(F_LIST, S_SCOPE, rec, rec.values.length).items = builtinsAsReferences(rec.values);
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

/**
 * `reader`, answering first for closures that loaded code created (their scope records were
 * added by the loader, on every runtime: see loaded_instrument.ts).
 */
export function withLoadedClosures(
  reader: ((fn: object) => ReadScopes | undefined) | undefined,
): (fn: object) => ReadScopes | undefined {
  if (reader === readInstrumentedScopes) return reader;
  // One wrapper per reader (the reader rarely changes): no closure per walk.
  if (reader !== lastReader || lastWrapper === undefined) {
    lastReader = reader;
    lastWrapper = (fn) =>
      (recordOf(fn) !== undefined ? readInstrumentedScopes(fn) : undefined) ?? reader?.(fn);
  }
  return lastWrapper;
}
let lastReader: ((fn: object) => ReadScopes | undefined) | undefined;
let lastWrapper: ((fn: object) => ReadScopes | undefined) | undefined;
