/**
 * The loading side of code by reference: from a module's portable name (see
 * `names.ts`) to its namespace. `loads` imports what is missing; `loadsSync`
 * takes only modules this process has loaded already (the module table, built-in modules,
 * and what earlier loads imported). A built-in module is its namespace, as `import()` gives it
 * (its exports, `default` included, are reached through it); `loadsSync` has a built-in's
 * namespace only once this process met it, and its exports object otherwise.
 *
 * npm names are resolved by the runtime's own resolver, chosen by what exists: Bun's
 * `Bun.resolveSync` from the root (the bare specifier, any installed version), else
 * `import.meta.resolve` of the `npm:` specifier (Deno).
 *
 * @module
 */

import { fileURLToPath, pathToFileURL } from "node:url";
import { beforeImport } from "../detect.ts";
import { bunResolveSync, currentDirectory, importsNpmScheme, maybeBuiltin } from "../../host.ts";
import { type NpmSpecifier, parseNpm, portableName, resolvePortable } from "./names.ts";
import {
  addBuiltinNamespace,
  addModule,
  builtinNamespace,
  moduleNamespace,
  moduleURLs,
  refreshModules,
} from "./table.ts";

const imported = new Map<string, object>();

function bare(npm: NpmSpecifier): string {
  return npm.subpath === "" ? npm.name : `${npm.name}/${npm.subpath}`;
}

/** The URL an npm name resolves to here, or undefined. */
function resolveNpm(npm: NpmSpecifier, root: string | undefined): string | undefined {
  const bunResolve = bunResolveSync();
  if (bunResolve !== undefined) {
    try {
      const from = root !== undefined ? fileURLToPath(root) : currentDirectory() ?? ".";
      return pathToFileURL(bunResolve(bare(npm), from)).href;
    } catch {
      // not installed under the root: try the other ways
    }
  }
  const versioned = `npm:${npm.name}${npm.version ? "@" + npm.version : ""}` +
    (npm.subpath === "" ? "" : "/" + npm.subpath);
  for (const spec of [versioned, `npm:${bare(npm)}`, bare(npm)]) {
    try {
      const url = import.meta.resolve(spec);
      // Node answers an `npm:` specifier with itself, which it cannot import: the bare name
      // then resolves in node_modules.
      if (!url.startsWith("npm:") || importsNpmScheme()) return url;
    } catch {
      // next form
    }
  }
  return undefined;
}

/**
 * The URL of a copy of npm module `spec` that this process has loaded, where the resolver
 * found another one (a package installed twice, at the program's and at the library's
 * place): the program's own copy is the one its values come from.
 */
function loadedCopy(spec: string, root: string | undefined): string | undefined {
  const npm = parseNpm(spec);
  if (npm === undefined) return undefined;
  const dir = `/node_modules/${npm.name}/`;
  for (const url of moduleURLs()) {
    if (url.includes(dir) && portableName(url, root) === spec) return url;
  }
  return undefined;
}

function builtin(spec: string): object | undefined {
  const m = maybeBuiltin<unknown>(spec);
  return m !== null && (typeof m === "object" || typeof m === "function") ? m : undefined;
}

function key(spec: string, root: string | undefined): string {
  return spec.startsWith("./") ? `${root}\n${spec}` : spec;
}

/** Where `spec` is in this process, as a URL the module table may know. */
function whereIs(spec: string, root: string | undefined): string | undefined {
  const npm = parseNpm(spec);
  if (npm !== undefined) return resolveNpm(npm, root);
  return resolvePortable(spec, root);
}

/** The namespace of `spec` if this process has the module loaded; undefined otherwise. */
export function loadedNamespace(spec: string, root: string | undefined): object | undefined {
  const k = key(spec, root);
  const known = imported.get(k);
  if (known !== undefined) return known;
  // A built-in's namespace where this process has met it, else its exports object (its
  // exports are reached the same way; a namespace record needs the namespace: see loads).
  if (spec.startsWith("node:")) return builtinNamespace(spec) ?? builtin(spec);
  let url = whereIs(spec, root);
  if (url === undefined) return undefined;
  refreshModules();
  if (moduleNamespace(url) === undefined) url = loadedCopy(spec, root) ?? url;
  const ns = moduleNamespace(url);
  // Not a copy `require` gave before the namespace itself arrived (see addModule).
  if (ns !== undefined && !Object.hasOwn(ns, "__esModule")) imported.set(k, ns);
  return ns;
}

/**
 * Imports `spec` (through `importModule` when given) and returns its namespace; throws what
 * the import threw.
 */
export async function importNamespace(
  spec: string,
  root: string | undefined,
  importModule: ((specifier: string) => unknown) | undefined,
): Promise<object> {
  if (importModule !== undefined) {
    // The caller's answer for this load only: a later load without it imports the module.
    const ns = await importModule(spec);
    if (ns === null || (typeof ns !== "object" && typeof ns !== "function")) {
      throw new TypeError(`importModule('${spec}') returned ${ns === null ? "null" : typeof ns}`);
    }
    return ns;
  }
  const k = key(spec, root);
  if (spec.startsWith("node:")) {
    // The namespace itself, as `import * as m from "node:…"` gives it here.
    const ns = builtinNamespace(spec) ?? await import(spec) as object;
    addBuiltinNamespace(spec, ns);
    imported.set(k, ns);
    return ns;
  }
  const loaded = loadedNamespace(spec, root);
  if (loaded !== undefined) return loaded;
  const url = whereIs(spec, root);
  const target = url !== undefined && /^(file|https?|node|jsr):/.test(url) ? url : spec;
  let ns: object;
  beforeImport(target);
  try {
    ns = await import(target);
  } catch (e) {
    const npm = parseNpm(spec);
    if (npm === undefined || target === `npm:${bare(npm)}`) throw e;
    ns = await import(`npm:${bare(npm)}`); // another installed version
  }
  imported.set(k, ns);
  addModule(url !== undefined && url.startsWith("file:") ? url : spec, ns);
  return ns;
}
