/**
 * The by-value registry (cloudpickle's `register_pickle_by_value`): modules whose functions
 * and classes are pickled by value, with the module bindings they use, even where they could
 * be imported. A package or a folder covers every module inside it.
 *
 * Entries are kept resolved: `file:` URLs (a folder's ends in "/"), other URLs as they are,
 * and `npm:name` or `npm:name/subpath` for packages (any version, wherever installed).
 *
 * @module
 */

import { builtin } from "../host.ts";
import { fileURLToPath, pathToFileURL } from "node:url";
import { PickleError } from "../errors.ts";
import { namespaceURL } from "../runtime/modules/table.ts";
import { npmPackageOf, parseNpm, portableName } from "../runtime/modules/names.ts";

const registry = new Set<string>();
/** Match results per module URL, valid while the registry is unchanged. */
let matches = new Map<string, boolean>();

function isDirectory(url: string): boolean {
  try {
    const { statSync } = builtin<typeof import("node:fs")>("node:fs");
    return statSync(fileURLToPath(url)).isDirectory();
  } catch {
    return false;
  }
}

function fileEntry(url: string): string {
  return !url.endsWith("/") && isDirectory(url) ? url + "/" : url;
}

/** The registry entry that names `module`. */
export function registryEntry(module: string | URL | object): string {
  if (module instanceof URL) {
    return module.protocol === "file:" ? fileEntry(module.href) : module.href;
  }
  if (typeof module === "object" && module !== null) {
    const url = namespaceURL(module);
    if (url === undefined) {
      throw new PickleError(
        "this object is not the namespace of a module the library knows: pass the module's " +
          "specifier or URL (import.meta.url) instead",
      );
    }
    return url;
  }
  if (typeof module !== "string" || module === "") {
    throw new PickleError("a module is named by a specifier, a URL or its namespace object");
  }
  const npm = parseNpm(module);
  if (npm !== undefined) return `npm:${npm.name}${npm.subpath === "" ? "" : "/" + npm.subpath}`;
  if (/^[a-z][a-z0-9+.-]*:/i.test(module) && !/^[a-z]:[\\/]/i.test(module)) {
    let url: URL;
    try {
      url = new URL(module);
    } catch {
      throw new PickleError(`'${module}' is not a valid module URL`);
    }
    return url.protocol === "file:" ? fileEntry(url.href) : url.href;
  }
  if (/^\.\.?([\\/]|$)/.test(module) || /^([\\/]|[a-z]:[\\/])/i.test(module)) {
    const { resolve } = builtin<typeof import("node:path")>("node:path");
    const href = pathToFileURL(resolve(module)).href;
    return /[\\/]$/.test(module) ? (href.endsWith("/") ? href : href + "/") : fileEntry(href);
  }
  return `npm:${module}`; // a bare specifier names a package (or one of its subpaths)
}

/** Whether `url` is covered by one of `entries`. */
export function covers(entries: Iterable<string>, url: string): boolean {
  let npm: ReturnType<typeof parseNpm> | null = null;
  let pkg: ReturnType<typeof npmPackageOf> | null = null;
  for (const e of entries) {
    if (e.startsWith("npm:")) {
      const want = parseNpm(e)!;
      // A package covers every file inside it, exported or internal, wherever it is installed
      // (node_modules under the working directory included).
      if (want.subpath === "" && url.startsWith("file:")) {
        pkg ??= npmPackageOf(url) ?? null;
        if (pkg !== null && pkg.name === want.name) return true;
      }
      npm ??= parseNpm(url.startsWith("npm:") ? url : portableName(url, undefined) ?? "") ?? null;
      if (npm === null) continue;
      if (want.name !== npm.name) continue;
      if (want.subpath === "" || npm.subpath === want.subpath) return true;
      if (npm.subpath.startsWith(want.subpath + "/")) return true;
    } else if (e.endsWith("/") ? url.startsWith(e) : url === e) {
      return true;
    }
  }
  return false;
}

/** Whether the registry covers the module at `url`. */
export function registeredByValue(url: string): boolean {
  if (registry.size === 0) return false;
  let m = matches.get(url);
  if (m === undefined) {
    m = covers(registry, url);
    matches.set(url, m);
  }
  return m;
}

/**
 * Pickles the functions and classes of `module` by value from now on, with the module
 * bindings they use, instead of by reference: the loading side then needs neither the
 * module nor its current version. A package or folder covers every module inside it.
 *
 * @example
 * ```ts
 * import { registerPickleByValue, unregisterPickleByValue } from "@cloudpickle/cloudpickle";
 * registerPickleByValue("./lib/");           // a folder of the project
 * registerPickleByValue("meriyah");          // an npm package, any version
 * unregisterPickleByValue("meriyah");
 * ```
 */
export function registerPickleByValue(module: string | URL | object): void {
  registry.add(registryEntry(module));
  matches = new Map();
}

/**
 * Undoes {@linkcode registerPickleByValue}; a PickleError when `module` is not registered.
 *
 * @example
 * ```ts
 * import { registerPickleByValue, unregisterPickleByValue } from "@cloudpickle/cloudpickle";
 * registerPickleByValue("./lib/");
 * unregisterPickleByValue("./lib/");
 * ```
 */
export function unregisterPickleByValue(module: string | URL | object): void {
  const entry = registryEntry(module);
  if (!registry.delete(entry)) {
    throw new PickleError(`${entry} is not registered to be pickled by value`);
  }
  matches = new Map();
}

/**
 * The modules registered to be pickled by value, resolved: `file:` URLs (folders end in
 * "/"), other URLs, and `npm:name` for packages.
 *
 * @example
 * ```ts
 * import { listRegistryPickleByValue, registerPickleByValue } from "@cloudpickle/cloudpickle";
 * registerPickleByValue("npm:meriyah");
 * console.log(listRegistryPickleByValue()); // [ "npm:meriyah" ]
 * ```
 */
export function listRegistryPickleByValue(): string[] {
  return [...registry];
}
