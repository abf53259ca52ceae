/**
 * The module table: which loaded module exports a function, a class or a namespace, and
 * under which path (`parse`, `Model.fromJSON`, `default`). A value exported by some module is
 * pickled by reference to it; the pickler asks {@linkcode findExport} and never checks which
 * runtime it is on.
 *
 * The table is filled by the runtime's module source, chosen once (`modules_sources.ts`): on
 * V8 the inspector reports every module parsed, on Bun `require.cache` lists every module
 * loaded. Modules imported by `loads` and those given to {@linkcode registerModule} are added
 * too. Node built-in modules are indexed lazily, once, the first time they are asked about.
 *
 * @module
 */

import { types } from "node:util";
import { PickleError } from "../pickle/errors.ts";

/** Where a value is exported: the module's URL and the property path from its namespace. */
export interface ExportSite {
  url: string;
  path: readonly string[];
  /** Other modules that export the same value (re-exports), if any. */
  others: string[] | undefined;
}

/** A runtime's way of learning which modules are loaded. */
export interface ModuleSource {
  /** Adds modules loaded since the last call (cheap when there are none). */
  refresh(add: (url: string, namespace: object) => void): void;
  /** Resolves once what the runtime has reported is in the table (async forms wait). */
  settle(): Promise<void>;
  /** Told when a lookup found nothing: the runtime may have loaded modules since. */
  missed?(): void;
  /**
   * For a lookup of `value` that missed: the URL of the module that defines it when that
   * module's namespace is still on its way, true when it just arrived (look again), else
   * undefined.
   */
  loading?(value: object): string | true | undefined;
}

const modules = new Map<string, object>();
const urls = new WeakMap<object, string>();
const sites = new Map<object, ExportSite>();
/** Modules with exports still uninitialized when indexed (they were evaluating). */
const partial = new Set<string>();
let source: ModuleSource | undefined;
let builtinsIndexed = false;

const SKIP_STATIC = new Set(["prototype", "length", "name", "caller", "arguments"]);

/** Sets the runtime's module source (called once by `modules_sources.ts`). */
export function setModuleSource(s: ModuleSource): void {
  source = s;
}

/** Brings the table up to date with the modules the runtime has loaded. */
export function refreshModules(): void {
  source?.refresh(addModule);
}

/** Waits for the runtime's pending module reports, then refreshes. */
export async function settleModules(): Promise<void> {
  if (source !== undefined) await source.settle();
  refreshModules();
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

/** The namespace of a module in the table, by URL. */
export function moduleNamespace(url: string): object | undefined {
  return modules.get(url);
}

/** The URL under which a namespace object is in the table. */
export function namespaceURL(namespace: object): string | undefined {
  let url = urls.get(namespace);
  if (url === undefined) {
    refreshModules();
    url = urls.get(namespace);
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

function isPlainHolder(v: unknown): v is object {
  if (v === null || typeof v !== "object" || types.isModuleNamespaceObject(v)) return false;
  const p = Object.getPrototypeOf(v);
  return p === Object.prototype || p === null;
}

/** Indexes the functions and classes a module exports, and their static members. */
function index(url: string, namespace: object, prefix?: string): void {
  const base = prefix !== undefined
    ? (prefix === "" ? undefined : prefix)
    : (types.isModuleNamespaceObject(namespace) ? undefined : "default");
  let incomplete = false;
  for (const key of Object.keys(namespace)) {
    let value: unknown;
    try {
      value = (namespace as Record<string, unknown>)[key];
    } catch {
      incomplete = true; // not initialized yet: the module is still evaluating
      continue;
    }
    const path = base === undefined ? [key] : [base, key];
    if (typeof value === "function") {
      record(value, url, path);
      members(value, url, path);
    } else if (isPlainHolder(value)) {
      members(value, url, path);
    }
  }
  // A CommonJS module or built-in that exports a function: `default` on import.
  if (typeof namespace === "function" && (base !== undefined || prefix === "")) {
    record(namespace, url, ["default"]);
    members(namespace, url, ["default"]);
  }
  if (incomplete) partial.add(url);
  else partial.delete(url);
}

function members(holder: object, url: string, path: string[]): void {
  let keys: string[];
  try {
    keys = Object.getOwnPropertyNames(holder);
  } catch {
    return;
  }
  for (const key of keys) {
    if (SKIP_STATIC.has(key)) continue;
    const d = Object.getOwnPropertyDescriptor(holder, key);
    if (d !== undefined && typeof d.value === "function") record(d.value, url, [...path, key]);
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
    if (i === 0 && key === "default" && !Object.hasOwn(v, "default")) continue;
    try {
      const d = Object.getOwnPropertyDescriptor(v, key);
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
    if (url === site.url || site.others?.includes(url)) index(url, namespace);
  }
  const again = sites.get(value);
  return again !== undefined && exportAt(modules.get(again.url)!, again.path) === value
    ? again
    : undefined;
}

/**
 * Where `value` (a function or class) is exported, or undefined. The caller refreshes the
 * table first (once per pickle is enough).
 */
export function findExport(value: object): ExportSite | undefined {
  let site = lookup(value);
  if (site === undefined && partial.size > 0) {
    for (const url of [...partial]) index(url, modules.get(url)!);
    site = lookup(value);
  }
  if (site === undefined) source?.missed?.();
  return site;
}

/**
 * After a lookup of `value` missed in a sync form: the URL of the module that defines it when
 * the runtime listed that module but its namespace has not arrived yet (the first turn of the
 * event loop after the first lookup), true when it arrived just now (the table is refreshed:
 * look again), else undefined. A sync form must not decide that `value` is exported by no
 * module while its module is on the way.
 */
export function moduleStillLoading(value: object): string | true | undefined {
  const r = source?.loading?.(value);
  if (r === true) refreshModules();
  return r;
}

/**
 * Where a Node built-in module (`node:fs`, …) exports `value`, or undefined. The built-in
 * modules are indexed the first time this is asked, once per process.
 */
export function findBuiltinExport(value: object): ExportSite | undefined {
  if (!builtinsIndexed) {
    builtinsIndexed = true;
    indexBuiltins();
  }
  const site = lookup(value);
  return site !== undefined && site.url.startsWith("node:") ? site : undefined;
}

function indexBuiltins(): void {
  const p = (globalThis as { process?: { getBuiltinModule?(id: string): unknown } }).process;
  const get = p?.getBuiltinModule;
  if (typeof get !== "function") return;
  let names: readonly string[] = [];
  try {
    names = (get.call(p, "node:module") as { builtinModules?: string[] }).builtinModules ?? [];
  } catch {
    return;
  }
  for (const name of names) {
    if (name.startsWith("_") || name.includes("internal")) continue;
    const url = name.startsWith("node:") ? name : `node:${name}`;
    if (modules.has(url)) continue;
    let exports: unknown;
    try {
      exports = get.call(p, url);
    } catch {
      continue;
    }
    if (exports === null || (typeof exports !== "object" && typeof exports !== "function")) {
      continue;
    }
    modules.set(url, exports);
    if (!urls.has(exports)) urls.set(exports, url);
    // A built-in's exports object is what `import * as m from "node:…"` names: no `default`.
    index(url, exports, "");
  }
}

/**
 * Tells the library that `namespace` is the module at `url`, for runtimes or permissions
 * where it cannot find loaded modules itself (Deno without `--allow-sys`): the module's
 * exported functions and classes are then pickled by reference, and `loadsSync` finds it.
 *
 * @example
 * ```ts
 * import { registerModule } from "./mod.ts";
 * import * as self from "./mod.ts";
 * registerModule(new URL("./mod.ts", import.meta.url), self);
 * ```
 */
export function registerModule(url: string | URL, namespace: object): void {
  if (namespace === null || (typeof namespace !== "object" && typeof namespace !== "function")) {
    throw new PickleError("registerModule takes a module's URL and its namespace object");
  }
  let href: string;
  try {
    href = url instanceof URL ? url.href : new URL(url).href;
  } catch {
    throw new PickleError(`registerModule: '${String(url)}' is not a URL`);
  }
  modules.delete(href);
  addModule(href, namespace, true);
}
