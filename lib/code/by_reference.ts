/**
 * Values written by reference, found again by the loader instead of copied: built-ins by
 * their path from globalThis, module exports (functions, classes and objects a module that
 * is neither the entry module nor pickled by value exports), built-in modules' exports
 * objects, and module namespaces.
 *
 * @module
 */

import * as T from "../format/tags.ts";
import { types } from "node:util";
import { type Encoder, F_ARRAY } from "../pickle/encoder.ts";
import { writeObject } from "../pickle/dispatch.ts";
import {
  builtinModuleOf,
  commonJsExportsOf,
  exportAt,
  exportedHere,
  type ExportSite,
  findExport,
  moduleStillLoading,
  namespaceURL,
  refreshModules,
} from "../runtime/modules/table.ts";
import { inEntryUnlisted, recheckMayFind } from "../runtime/modules/listing.ts";
import { entryModuleURL } from "../runtime/modules/entry.ts";
import { covers, registeredByValue } from "./registry.ts";
import { globalPathOf, resolveGlobalPath } from "./globals.ts";
import { defaultRoot, portableName } from "../runtime/modules/names.ts";
import type { Decoder } from "../pickle/decoder.ts";
import {
  BY_VALUE_ENTRY,
  BY_VALUE_NO_NAME,
  BY_VALUE_OPTION,
  BY_VALUE_REGISTERED,
} from "../pickle/observer.ts";

// Write side.

const OBJECT_PROTO = Object.prototype;
const getPrototypeOf = Object.getPrototypeOf;
const isProxy = types.isProxy;
const getOwnPropertyDescriptor = Object.getOwnPropertyDescriptor;

/**
 * Stands for a built-in module's exports object (`import fs from "node:fs"`) in a captured
 * scope or at the root, so that it is written by reference wherever it sits.
 */
export class BuiltinObject {
  constructor(readonly target: object, readonly url: string) {}
}

/** `o` as a BuiltinObject when it is a built-in module's exports object. */
export function asBuiltin(o: unknown): unknown {
  if (o === null || typeof o !== "object" || isProxy(o) || getPrototypeOf(o) !== OBJECT_PROTO) {
    return o;
  }
  const url = builtinModuleOf(o);
  return url === undefined ? o : new BuiltinObject(o, url);
}

/**
 * Whether a root object may be a built-in module's exports object: a plain object whose first
 * key holds a function (true of every built-in with a plain exports object but dns, domain,
 * inspector, perf_hooks, punycode and constants, which at the root are copied). Checked
 * before asking, because the first question loads every built-in module (tens of
 * milliseconds, once); reads one property descriptor (no getter runs).
 */
function mayBeBuiltin(o: unknown): boolean {
  if (o === null || typeof o !== "object" || isProxy(o) || getPrototypeOf(o) !== OBJECT_PROTO) {
    return false;
  }
  for (const k in o) return typeof Object.getOwnPropertyDescriptor(o, k)?.value === "function";
  return false;
}

/** The value to write at the root: a built-in module's exports object stands by reference. */
export function rootValue(value: unknown): unknown {
  return mayBeBuiltin(value) ? asBuiltin(value) : value;
}

/** Portable module names by root and URL. */
const portableNames = new Map<string, string | null>();

/** The portable name of the module at `url` (relative to `root`), if it has one. */
export function portableOf(url: string, root: string | undefined): string | undefined {
  const key = root === undefined ? url : root + "\n" + url;
  let name = portableNames.get(key);
  if (name === undefined) {
    name = portableName(url, root) ?? null;
    portableNames.set(key, name);
  }
  return name ?? undefined;
}

/** The root module names are relative to in this walk ("" for none), read once per walk. */
export function moduleRoot(enc: Encoder): string {
  return enc.root ??= enc.opts.moduleRoot ?? defaultRoot() ?? "";
}

/** Writes `o` by its path from globalThis when it has one (a built-in); true if so. */
export function writeIfGlobal(enc: Encoder, o: object): boolean {
  const path = globalPathOf(o);
  if (path === undefined) return false;
  writeGlobal(enc, o, path);
  return true;
}

/** Writes a value found from globalThis by `path`. */
function writeGlobal(enc: Encoder, o: object, path: string): void {
  enc.memo.set(o, enc.nextId++);
  enc.flags |= T.FLAG_CODE;
  const start = enc.w.pos;
  enc.w.byte(T.GLOBAL);
  enc.w.string(path);
  enc.opts.observer?.reference(o, "global", "", [path], start);
}

/** Writes a built-in module's exports object met as a BuiltinObject stand-in. */
export function writeBuiltinObject(enc: Encoder, o: BuiltinObject): void {
  if (!enc.ref(o.target)) exportRecord(enc, o.target, o.url, ["default"]);
}

/** Writes `o` by reference when it is a built-in module's exports object; true if so. */
export function writeModuleObject(enc: Encoder, o: object): boolean {
  if (!Object.isExtensible(o)) return false;
  const url = builtinModuleOf(o);
  if (url === undefined) return false;
  exportRecord(enc, o, url, ["default"]);
  return true;
}

/** Writes `value` as the export at `path` of the module at `url` (no memo check). */
function exportRecord(enc: Encoder, value: object, url: string, path: readonly string[]): void {
  enc.memo.set(value, enc.nextId++);
  enc.flags |= T.FLAG_CODE | T.FLAG_MODULES;
  const w = enc.w;
  const start = w.pos;
  w.byte(T.EXPORT);
  w.varint(enc.modules.index(url));
  w.varint(path.length);
  for (const key of path) w.string(key);
  enc.opts.observer?.reference(value, "export", url, path, start);
}

/**
 * Writes `value` by reference when a module that is neither the entry module nor pickled
 * by value exports it, and says whether it did.
 */
export function writeExported(
  enc: Encoder,
  value: object,
  find: (v: object) => ExportSite | undefined,
): boolean {
  if (!enc.modulesFresh) {
    // The entry module's functions are pickled by value: while the modules are unlisted
    // (V8: listing costs tens of milliseconds), known ones need no lookup.
    if (inEntryUnlisted(value)) return false;
    enc.modulesFresh = true;
    refreshModules();
  }
  const async = enc.async;
  let site: ExportSite | undefined;
  if (find === findExport) {
    walking = enc;
    try {
      site = findExport(value, !async, siblingsHere);
    } finally {
      walking = undefined;
    }
  } else site = find(value);
  if (site === undefined && find === findExport && !async) {
    const loading = moduleStillLoading(value);
    if (loading === true) site = findExport(value, false);
    else if (loading !== undefined) {
      enc.fail(
        `cannot tell yet whether ${loading} exports this function: the library is still ` +
          "importing the program's modules; await one turn of the event loop (or " +
          "`await ready()`) before the first dumpsSync, or use the async dumps()",
      );
    }
  }
  if (site === undefined) {
    if (
      async && find === findExport && !enc.opts.rechecked?.has(value) &&
      mayFindLater(enc, value)
    ) {
      enc.moduleMisses.push(value);
    }
    return false;
  }
  // Read only now: most functions are exported by no module.
  enc.entry ??= entryModuleURL() ?? "";
  const root = moduleRoot(enc);
  const url = byValueModule(enc, site.url)
    ? site.url
    : site.others?.find((u) => byValueModule(enc, u));
  if (url !== undefined) {
    enc.opts.observer?.byValue(value, url, byValueModule(enc, url));
    return false;
  }
  const spec = portableOf(site.url, root || undefined);
  if (spec === undefined) {
    enc.opts.observer?.byValue(value, site.url, BY_VALUE_NO_NAME);
    return false;
  }
  exportRecord(enc, value, spec, site.path);
  return true;
}

/** The encoder of the current writeExported call, for {@linkcode siblingsHere}. */
let walking: Encoder | undefined;

/** recheckMayFind(value), with the siblings of `value` in the walk of `enc`. */
function mayFindLater(enc: Encoder, value: object): boolean {
  walking = enc;
  try {
    return recheckMayFind(value, siblingsHere);
  } finally {
    walking = undefined;
  }
}

/** Most siblings of a function looked at (see siblingsHere). */
const SIBLINGS_MAX = 128;

/**
 * `fn` and the functions that follow it in the container the current walk is writing it from
 * (an array's own data elements, read by descriptor: no getter runs; a list's values) that
 * the module table does not know. Asked only where a miss costs a lookup per function (V8:
 * its location), to make those lookups together.
 */
function siblingsHere(fn: object): object[] {
  const out: object[] = [fn];
  const f = walking?.frames[walking.top];
  if (f === undefined || f.i < 1) return out;
  const end = Math.min(f.n, f.i + SIBLINGS_MAX);
  if (f.kind === F_ARRAY) {
    const a = f.obj as unknown[];
    if (getOwnPropertyDescriptor(a, f.i - 1)?.value !== fn) return out;
    for (let j = f.i; j < end; j++) {
      const v = getOwnPropertyDescriptor(a, j)?.value;
      if (typeof v === "function" && !exportedHere(v)) out.push(v);
    }
  } else if (f.items !== null && f.items[f.i - 1] === fn) {
    const items = f.items;
    for (let j = f.i; j < end && j < items.length; j++) {
      const v = items[j];
      if (typeof v === "function" && !exportedHere(v)) out.push(v);
    }
  }
  return out;
}

/**
 * The portable name of the module that `value` would be pickled by reference to, from the
 * modules known so far, without writing anything; undefined when it would go by value.
 */
export function referencedModule(enc: Encoder, value: object): string | undefined {
  if (!enc.modulesFresh) {
    if (inEntryUnlisted(value)) return undefined;
    enc.modulesFresh = true;
    refreshModules();
  }
  const site = findExport(value, !enc.async);
  if (site === undefined) return undefined;
  enc.entry ??= entryModuleURL() ?? "";
  if (byValueModule(enc, site.url) !== 0) return undefined;
  if (site.others?.some((u) => byValueModule(enc, u) !== 0)) return undefined;
  return portableOf(site.url, moduleRoot(enc) || undefined);
}

/**
 * Whether the module at `url` is pickled by value (the entry module, or registered so): 0 if
 * not, else why, as a BY_VALUE_* code of observer.ts.
 */
function byValueModule(enc: Encoder, url: string): number {
  if (url === enc.entry) return BY_VALUE_ENTRY;
  if (registeredByValue(url)) return BY_VALUE_REGISTERED;
  const extra = enc.opts.byValue;
  return extra !== undefined && extra.length > 0 && covers(extra, url) ? BY_VALUE_OPTION : 0;
}

/**
 * A module namespace object: by reference to its module; by value (see namespaceCopy) for
 * the entry module and modules registered by value; refused when its module is unknown.
 */
export function writeNamespace(enc: Encoder, ns: object): void {
  const url = namespaceURL(ns);
  const root = moduleRoot(enc);
  enc.entry ??= entryModuleURL() ?? "";
  const why = url === undefined ? 0 : byValueModule(enc, url);
  if (why !== 0) {
    enc.opts.observer?.byValue(ns, url!, why);
    writeObject(enc, namespaceCopy(enc, ns));
    return;
  }
  const spec = url === undefined ? undefined : portableOf(url, root || undefined);
  if (url === undefined && enc.async && !enc.opts.rechecked?.has(ns)) {
    // Its module may have been imported a moment ago: looked for, then walked again.
    enc.moduleMisses.push(ns);
    enc.w.byte(T.UNDEFINED);
    return;
  }
  if (spec === undefined) {
    enc.fail(
      "cannot pickle this module namespace: its module is unknown or has no importable " +
        "name; register it with registerModule(url, namespace)",
    );
  }
  enc.memo.set(ns, enc.nextId++);
  enc.flags |= T.FLAG_CODE | T.FLAG_MODULES;
  const start = enc.w.pos;
  enc.w.byte(T.MODULE);
  enc.w.varint(enc.modules.index(spec));
  enc.opts.observer?.reference(ns, "namespace", spec, [], start);
}

/**
 * The stand-in of a by-value module's namespace: a frozen null-prototype object with the
 * exports' current values (functions and classes by value) and the `Module` tag, one per
 * namespace in a pickle.
 */
function namespaceCopy(enc: Encoder, ns: object): object {
  const known = enc.namespaceCopies.get(ns);
  if (known !== undefined) return known;
  const copy = Object.create(null) as Record<string, unknown>;
  for (const key of Object.keys(ns)) {
    try {
      copy[key] = (ns as Record<string, unknown>)[key];
    } catch (e) {
      enc.fail(
        `cannot pickle the namespace of a module by value: export '${key}' is not ` +
          "initialized yet; pickle it once the module has finished evaluating",
        e,
      );
    }
  }
  Object.defineProperty(copy, Symbol.toStringTag, { value: "Module" });
  Object.freeze(copy);
  enc.namespaceCopies.set(ns, copy);
  return copy;
}

// Read side.

/** Longest property path of an export. */
const MAX_EXPORT_PATH = 64;

/** GLOBAL: a built-in by its path from globalThis. */
export function readGlobal(dec: Decoder, at: number): unknown {
  if (!dec.opts.allowCode && dec.opts.allow === undefined) dec.code(at);
  const path = dec.string();
  dec.reference("global", "", path, at);
  const v = resolveGlobalPath(path);
  if (v === undefined) {
    dec.r.fail(
      `built-in '${path}' does not exist in this runtime (the pickle refers to it by ` +
        "name): load it where that built-in exists, or pickle code that does not use it",
      at,
    );
  }
  dec.memo.push(v);
  dec.admit(v);
  return v;
}

/** The namespace at `index` of the module table. */
function moduleAt(dec: Decoder, index: number, at: number): object {
  const modules = dec.opts.modules;
  if (modules === undefined || index >= modules.length) {
    dec.corrupt("a module index is past the module table", at);
  }
  return modules[index];
}

/** MODULE: a module's namespace. */
export function readModule(dec: Decoder, at: number): object {
  const opts = dec.opts;
  if (!opts.allowCode && opts.allow === undefined) dec.code(at);
  const index = dec.r.varint();
  const ns = moduleAt(dec, index, at);
  const spec = opts.specs![index];
  dec.reference("namespace", spec, "", at);
  if (!types.isModuleNamespaceObject(ns) && spec.startsWith("node:")) {
    dec.r.fail(
      `cannot load the namespace of '${spec}' synchronously: it is not known yet; ` +
        "use loads (async)",
      at,
    );
  }
  dec.memo.push(ns);
  dec.admit(ns);
  return ns;
}

/** EXPORT: a function or class by its property path from a module's namespace. */
export function readExport(dec: Decoder, at: number): unknown {
  const opts = dec.opts;
  if (!opts.allowCode && opts.allow === undefined) dec.code(at);
  const r = dec.r;
  const index = r.varint();
  const ns = moduleAt(dec, index, at);
  const n = r.varint();
  if (n === 0 || n > MAX_EXPORT_PATH) dec.corrupt("an export path's length is out of range", at);
  const path: string[] = [];
  for (let i = 0; i < n; i++) path.push(dec.string());
  const spec = opts.specs![index];
  const name = path.join(".");
  dec.reference("export", spec, name, at);
  const v = exportAt(commonJsExportsOf(ns) ?? ns, path);
  if (typeof v !== "function" && (v === null || typeof v !== "object")) {
    r.fail(
      v === undefined
        ? `cannot load '${name}' from module '${spec}': the module has no such export; ` +
          "load with the version of the module the pickle was made with"
        : `cannot load '${name}' from module '${spec}': it is not a function or class; ` +
          "load with the version of the module the pickle was made with",
      at,
    );
  }
  dec.memo.push(v);
  dec.admit(v);
  return v;
}
