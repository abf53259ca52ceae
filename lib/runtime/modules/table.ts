/**
 * The module table: which loaded module exports a function, a class or a namespace, and
 * under which path (`parse`, `Model.fromJSON`, `default`). A value exported by some module is
 * pickled by reference to it; the pickler asks {@linkcode findExport} and never checks which
 * runtime it is on.
 *
 * The table is filled by the runtime's module source, chosen at its first use (`detect.ts`): on
 * V8 the inspector reports every module parsed, on Bun `require.cache` lists every module
 * loaded. Modules imported by `loads` and those given to {@linkcode registerModule} are added
 * too. Node built-in modules' functions are indexed lazily, once, the first time they are asked
 * about; a built-in's exports object (`import fs from "node:fs"`) and namespace
 * (`import * as path from "node:path"`) are recognised by {@linkcode builtinModuleOf} without
 * loading every built-in.
 *
 * Indexing reads exports by their property descriptors (a namespace's own exports by value):
 * it never runs a getter or a Proxy trap, so hostile exports cannot stop it.
 *
 * @module
 */

import { types } from "node:util";
import type { ModuleSource, Siblings } from "../adapter.ts";
import { moduleSource } from "../detect.ts";
import { builtinList, builtinModuleOf } from "./builtin_modules.ts";
import { programFunction } from "../program_code.ts";
import { tableWork as work } from "./work.ts";
import { requireCacheExports } from "./require_cache.ts";

export { builtinModuleOf };

/** Where a value is exported: the module's URL and the property path from its namespace. */
export interface ExportSite {
  url: string;
  path: readonly string[];
  /** Other modules that export the same value (re-exports), if any. */
  others: string[] | undefined;
}

const modules = new Map<string, object>();
const urls = new WeakMap<object, string>();
const sites = new Map<object, ExportSite>();
/** Modules with exports still uninitialized when indexed (they were evaluating). */
const partial = new Set<string>();
let source: ModuleSource | undefined | null = null;
let builtinsIndexed = false;

const isProxy = types.isProxy;
const SKIP_STATIC = new Set(["prototype", "length", "name", "caller", "arguments"]);

/** The runtime's module source, chosen by the detector at the first need. */
export function runtimeSource(): ModuleSource | undefined {
  if (source === null) source = moduleSource();
  return source;
}

/** Brings the table up to date with the modules the runtime has loaded. */
export function refreshModules(): void {
  runtimeSource()?.refresh(addModule);
}

/** Defining modules of functions located so far (for the sync form). */
const locations = new WeakMap<object, string>();
/**
 * Defining modules by function source text, for closures made by code located before
 * (null: that text was found in two modules).
 */
const textLocations = new Map<string, string | null>();
const TEXT_LOCATIONS_MAX = 2_000;
const fnToString = Function.prototype.toString;

/**
 * The URL of the module that defined the function `fn`, where the runtime shows it (V8's
 * inspector, with sys access), or undefined.
 */
export async function locateFunction(fn: object): Promise<string | undefined> {
  const known = locations.get(fn);
  if (known !== undefined) return known;
  const url = await runtimeSource()?.locate?.(fn);
  if (url !== undefined) {
    locations.set(fn, url);
    const text = fnToString.call(fn);
    const seen = textLocations.get(text);
    if (textLocations.size >= TEXT_LOCATIONS_MAX) textLocations.clear();
    textLocations.set(text, seen === undefined || seen === url ? url : null);
  }
  return url;
}

/**
 * The defining module of `fn` if an async form located it, or another closure of the same
 * code, before.
 */
export function locatedFunction(fn: object): string | undefined {
  const known = locations.get(fn);
  if (known !== undefined || textLocations.size === 0) return known;
  return textLocations.get(fnToString.call(fn)) ?? undefined;
}

/**
 * Adds a module to the table: `namespace` is its module namespace object, or the exports
 * object of a CommonJS module (then reached as `default` from an import) unless
 * `asNamespace` says its keys are the module's exports.
 */
export function addModule(url: string, namespace: object, asNamespace = false): void {
  const known = modules.get(url);
  if (known !== undefined) {
    // `require` of an ES module with a default export gives a copy of its namespace (with
    // `__esModule`): the namespace itself, once imported, takes its place.
    if (known === namespace || !Object.hasOwn(known, "__esModule")) return;
    if (Object.hasOwn(namespace, "__esModule")) return;
    modules.set(url, namespace);
    urls.set(namespace, url);
    return;
  }
  modules.set(url, namespace);
  if (!urls.has(namespace)) urls.set(namespace, url);
  index(url, namespace, asNamespace ? "" : undefined);
}

/** Objects registered as namespaces (registerModule): their `default` is a key like any. */
const registered = new WeakSet<object>();

/** Whether `v` is a CommonJS module's exports object (not a namespace, not registered as one). */
function isCommonJsExports(v: object): boolean {
  return !types.isModuleNamespaceObject(v) && !registered.has(v);
}

/**
 * The exports object of the CommonJS module whose namespace is `ns` (imported), where the
 * runtime's namespace does not lead to it: Bun's `default` of a module marked `__esModule` is
 * `exports.default`. Undefined for ES modules and elsewhere.
 */
export function commonJsExportsOf(ns: object): object | undefined {
  const url = urls.get(ns);
  return url === undefined ? undefined : requireCacheExports(url);
}

/** The URLs of the modules in the table. */
export function moduleURLs(): IterableIterator<string> {
  return modules.keys();
}

/** The namespace of a module in the table, by URL. */
export function moduleNamespace(url: string): object | undefined {
  return modules.get(url);
}

/** The URL under which a namespace object is in the table. */
export function namespaceURL(namespace: object): string | undefined {
  let url = urls.get(namespace);
  if (url === undefined) {
    refreshModules();
    url = urls.get(namespace) ?? builtinNamespaceURL(namespace);
    if (url === undefined && moduleStillLoading(namespace) === true) url = urls.get(namespace);
  }
  return url;
}

function record(value: object, url: string, path: string[]): void {
  const site = sites.get(value);
  if (site === undefined) {
    sites.set(value, { url, path, others: undefined });
    return;
  }
  if (site.url === url) {
    if (path.length < site.path.length) site.path = path;
    return;
  }
  // Several modules export it (re-exports): the shortest path wins, then the first URL in
  // code-point order, so the choice does not depend on the order modules were loaded in.
  const better = path.length < site.path.length ||
    (path.length === site.path.length && url < site.url);
  if (better) {
    const others = (site.others ??= []).filter((u) => u !== url);
    others.push(site.url);
    site.others = others;
    site.url = url;
    site.path = path;
  } else if (site.others === undefined || !site.others.includes(url)) {
    (site.others ??= []).push(url);
  }
}

/**
 * Whether `v` is a plain object whose function members are indexed (`tools.twice`). Proxies
 * are never looked into: their traps are user code, which may throw or lie.
 */
function isPlainHolder(v: unknown): v is object {
  if (v === null || typeof v !== "object" || isProxy(v) || types.isModuleNamespaceObject(v)) {
    return false;
  }
  const p = Object.getPrototypeOf(v);
  return p === Object.prototype || p === null;
}

/**
 * The value of an own data property, or undefined for an accessor (never run: a getter may
 * throw or have effects) or when reading throws (an export in its temporal dead zone).
 */
function ownValue(holder: object, key: string): { value: unknown } | undefined {
  try {
    const d = Object.getOwnPropertyDescriptor(holder, key);
    return d !== undefined && "value" in d ? { value: d.value } : undefined;
  } catch {
    return undefined;
  }
}

/** Indexes the functions and classes a module exports, and their static members. */
function index(url: string, namespace: object, prefix?: string, builtin = false): void {
  const base = prefix !== undefined
    ? (prefix === "" ? undefined : prefix)
    : (types.isModuleNamespaceObject(namespace) ? undefined : "default");
  let incomplete = false;
  const isNamespace = types.isModuleNamespaceObject(namespace);
  let keys: string[];
  try {
    keys = isProxy(namespace) ? [] : Object.keys(namespace);
  } catch {
    keys = [];
  }
  work.modules++;
  work.keys += keys.length;
  for (const key of keys) {
    let value: unknown;
    if (isNamespace || builtin) {
      try {
        value = (namespace as Record<string, unknown>)[key];
      } catch {
        // Not initialized yet: the module is still evaluating (a built-in's getter that
        // throws is just skipped).
        if (!builtin) incomplete = true;
        continue;
      }
    } else {
      // A CommonJS exports object: its getters are not run.
      value = ownValue(namespace, key)?.value;
    }
    const path = base === undefined ? [key] : [base, key];
    if (typeof value === "function") {
      record(value, url, path); // by identity: a Proxy's traps are not run
      if (!isProxy(value)) members(value, url, path);
    } else if (isPlainHolder(value)) {
      members(value, url, path);
    }
  }
  // A CommonJS module or built-in that exports a function: `default` on import.
  if (
    typeof namespace === "function" && !isProxy(namespace) &&
    (base !== undefined || prefix === "")
  ) {
    record(namespace, url, ["default"]);
    members(namespace, url, ["default"]);
  }
  if (incomplete) partial.add(url);
  else partial.delete(url);
}

function members(holder: object, url: string, path: string[]): void {
  if (typeof holder === "function") prototypeOwner(holder, url, path);
  let keys: string[];
  try {
    keys = Object.getOwnPropertyNames(holder);
  } catch {
    return;
  }
  work.keys += keys.length;
  for (const key of keys) {
    if (SKIP_STATIC.has(key)) continue;
    const v = ownValue(holder, key)?.value;
    if (typeof v === "function") {
      const at = [...path, key];
      record(v, url, at);
      prototypeOwner(v, url, at);
    }
  }
}

/**
 * The class whose prototype an exported function shares (`F.prototype = C.prototype`, as
 * dayjs does): instances made by the unexported class `C` find it as
 * `F.prototype.constructor` (read by descriptor: no getter runs).
 */
function prototypeOwner(fn: object, url: string, path: string[]): void {
  const proto = ownValue(fn, "prototype")?.value;
  if (proto === null || typeof proto !== "object") return;
  const owner = ownValue(proto, "constructor")?.value;
  if (typeof owner === "function" && owner !== fn && !isProxy(owner)) {
    record(owner, url, [...path, "prototype", "constructor"]);
  }
}

/**
 * Follows an export path from a namespace, by own properties. A built-in's exports object is
 * its own `default` (as `import` presents it).
 */
export function exportAt(namespace: object, path: readonly string[]): unknown {
  let v: unknown = namespace;
  for (let i = 0; i < path.length; i++) {
    if (v === null || (typeof v !== "object" && typeof v !== "function")) return undefined;
    const key = path[i];
    // A path's first `default` is a CommonJS module's exports object itself (`module.exports`,
    // what `import x from` gives on Node and Deno), also when it has an own `default` (tsc's
    // output: `exports.default = X`, marked `__esModule`).
    if (i === 0 && key === "default" && (!Object.hasOwn(v, "default") || isCommonJsExports(v))) {
      continue;
    }
    try {
      let d = Object.getOwnPropertyDescriptor(v, key);
      if (d === undefined && i === 0 && types.isModuleNamespaceObject(v)) {
        // A built-in's property that is not among its named exports: on its `default`.
        const def = (v as { default?: unknown }).default;
        if (def === null || (typeof def !== "object" && typeof def !== "function")) {
          return undefined;
        }
        v = def;
        d = Object.getOwnPropertyDescriptor(v, key);
      }
      if (d === undefined) return undefined;
      v = "value" in d ? d.value : (v as Record<string, unknown>)[key];
    } catch {
      return undefined; // an export still in its temporal dead zone
    }
  }
  return v;
}

/** Looks `value` up in the table as it is, checking the site still holds it. */
function lookup(value: object): ExportSite | undefined {
  const site = sites.get(value);
  if (site === undefined) return undefined;
  const ns = modules.get(site.url);
  if (ns !== undefined && exportAt(ns, site.path) === value) return site;
  sites.delete(value); // reassigned since (`export let`): find it again
  for (const [url, namespace] of modules) {
    if (url === site.url || site.others?.includes(url)) {
      if (url.startsWith("node:")) index(url, namespace, "", true);
      else index(url, namespace);
    }
  }
  const again = sites.get(value);
  return again !== undefined && exportAt(modules.get(again.url)!, again.path) === value
    ? again
    : undefined;
}

/**
 * Where `value` (a function or class) is exported, or undefined. The caller refreshes the
 * table first (once per pickle is enough). A miss of the sync form (`sync`) is reported to
 * the module source, which may list modules again in the background; the async forms ask
 * {@linkcode recheckModules} themselves.
 */
export function findExport(
  value: object,
  sync = true,
  siblings?: Siblings,
): ExportSite | undefined {
  let site = lookup(value);
  if (site === undefined && partial.size > 0) {
    for (const url of [...partial]) index(url, modules.get(url)!);
    site = lookup(value);
  }
  if (site === undefined && sync) runtimeSource()?.missed?.(value, siblings);
  return site;
}

/** Whether the table knows where `value` is exported (no lookup of its modules again). */
export function exportedHere(value: object): boolean {
  return sites.has(value);
}

/**
 * After a lookup of `value` missed in a sync form: the URL of the module that defines it when
 * the runtime listed that module but its namespace has not arrived yet (the first turn of the
 * event loop after the first lookup), true when it arrived just now (the table is refreshed:
 * look again), else undefined. A sync form must not decide that `value` is exported by no
 * module while its module is on the way.
 */
export function moduleStillLoading(value: object): string | true | undefined {
  const r = runtimeSource()?.loading?.(value);
  if (r === true) refreshModules();
  return r;
}

/**
 * Where a Node built-in module (`node:fs`, …) exports `value`, or undefined. The built-in
 * modules are indexed the first time this is asked, once per process.
 */
export function findBuiltinExport(value: object): ExportSite | undefined {
  if (!builtinsIndexed) {
    // The program's own functions are in no built-in: not worth loading every built-in.
    if (programFunction(value)) return undefined;
    builtinsIndexed = true;
    for (const [url, exports] of builtinList()) {
      if (modules.has(url)) continue;
      modules.set(url, exports);
      if (!urls.has(exports)) urls.set(exports, url);
      // A built-in's exports object is what `import * as m from "node:…"` names: no `default`.
      index(url, exports, "", true);
    }
  }
  const site = lookup(value);
  return site !== undefined && site.url.startsWith("node:") ? site : undefined;
}

/**
 * How much work the module table has done in this process: modules indexed, exports and
 * members examined, and whether every built-in module was loaded and indexed (for tests: a
 * pickle costs no work that grows with the modules loaded).
 *
 * @internal
 */
export function moduleTableWork(): { modules: number; keys: number; builtins: boolean } {
  return { modules: work.modules, keys: work.keys, builtins: builtinsIndexed };
}

/** Namespaces of built-in modules (`import * as path from "node:path"`) met so far. */
const builtinNamespaces = new Map<string, object>();

/**
 * The `node:` module whose namespace `ns` is: a namespace whose `default` is a built-in's
 * exports object and whose other exports are that object's properties.
 */
function builtinNamespaceURL(ns: object): string | undefined {
  if (!types.isModuleNamespaceObject(ns)) return undefined;
  let d: unknown;
  try {
    d = (ns as { default?: unknown }).default;
  } catch {
    return undefined;
  }
  if (d === null || (typeof d !== "object" && typeof d !== "function")) return undefined;
  const url = builtinModuleOf(d);
  if (url === undefined) return undefined;
  for (const key of Object.keys(ns)) {
    if (key === "default") continue;
    try {
      const own = Object.getOwnPropertyDescriptor(d, key);
      if (
        own !== undefined && "value" in own && own.value !== (ns as Record<string, unknown>)[key]
      ) {
        return undefined;
      }
    } catch {
      return undefined;
    }
  }
  builtinNamespaces.set(url, ns);
  urls.set(ns, url);
  return url;
}

/** The namespace of a built-in module (`node:path`) if this process has met it. */
export function builtinNamespace(url: string): object | undefined {
  return builtinNamespaces.get(url);
}

/** Remembers the namespace `import()` gave for a built-in module. */
export function addBuiltinNamespace(url: string, ns: object): void {
  if (!builtinNamespaces.has(url)) builtinNamespaces.set(url, ns);
  if (!urls.has(ns)) urls.set(ns, url);
}

/**
 * Tells the library that `namespace` is the module at `url`, for runtimes or permissions
 * where it cannot find loaded modules itself (Deno without `--allow-sys`): the module's
 * exported functions and classes are then pickled by reference, and `loadsSync` finds it.
 * Throws a `TypeError` when `url` is not a URL or `namespace` is not an object.
 *
 * @example
 * ```ts
 * import { registerModule } from "@cloudpickle/cloudpickle";
 * import * as self from "@cloudpickle/cloudpickle";
 * registerModule(new URL("./mod.ts", import.meta.url), self);
 * ```
 */
export function registerModule(url: string | URL, namespace: object): void {
  if (namespace === null || (typeof namespace !== "object" && typeof namespace !== "function")) {
    throw new TypeError(
      "cannot register the module: its namespace is not an object; pass the module's URL and " +
        "its namespace (import * as ns from …)",
    );
  }
  let href: string;
  try {
    href = url instanceof URL ? url.href : new URL(url).href;
  } catch {
    throw new TypeError(
      `cannot register the module: '${String(url)}' is not a URL; pass an absolute URL ` +
        '(e.g. new URL("./mod.ts", import.meta.url))',
    );
  }
  modules.delete(href);
  registered.add(namespace);
  addModule(href, namespace, true);
}
