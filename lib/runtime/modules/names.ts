/**
 * Portable names of modules, so that a pickle made with a project at one path loads where
 * the same modules sit at another:
 *
 * - a module under the root (by default the working directory) is `./path/from/root.ts`;
 * - a module of an npm package, in `node_modules` or in Deno's npm cache, is
 *   `npm:name@version/subpath`, the subpath being the package export that names the file;
 * - `node:`, `https:`, `http:` and `jsr:` modules keep their URL, as does a file outside the
 *   root;
 * - `data:` and `blob:` modules, and anything else, have no portable name (by value).
 *
 * @module
 */

import { builtin, currentDirectory } from "../../host.ts";
import { fileURLToPath, pathToFileURL } from "node:url";

/** A parsed `npm:` specifier. */
export interface NpmSpecifier {
  name: string;
  version: string | undefined;
  /** The subpath after the package name, without its leading slash ("" for the main export). */
  subpath: string;
}

interface PackageFacts {
  name: string;
  version: string;
  exports: unknown;
  main: unknown;
  module: unknown;
}

const packages = new Map<string, PackageFacts | null>();

/** The working directory as a file URL ending in "/", or undefined where it cannot be read. */
export function defaultRoot(): string | undefined {
  try {
    const cwd = currentDirectory();
    return typeof cwd === "string" ? asRoot(cwd) : undefined;
  } catch {
    return undefined;
  }
}

/** A root given as a path, a file URL string or a URL, as a file URL ending in "/". */
export function asRoot(root: string | URL): string {
  let href: string;
  if (root instanceof URL) href = root.href;
  else if (/^file:/i.test(root)) href = new URL(root).href;
  else href = pathToFileURL(root).href;
  return href.endsWith("/") ? href : href + "/";
}

/** The portable name of the module at `url`, or undefined when it has none. */
export function portableName(url: string, root: string | undefined): string | undefined {
  const colon = url.indexOf(":");
  const scheme = colon > 0 ? url.slice(0, colon).toLowerCase() : "";
  if (scheme === "node" || scheme === "https" || scheme === "http" || scheme === "jsr") return url;
  if (scheme === "npm") return url;
  if (scheme !== "file") return undefined;
  const npm = npmName(url);
  if (npm !== undefined) return npm;
  if (root !== undefined && url.startsWith(root)) return "./" + url.slice(root.length);
  return url;
}

/** Where `spec` (a portable name) is, for a root-relative name; the name itself otherwise. */
export function resolvePortable(spec: string, root: string | undefined): string {
  if (spec.startsWith("./")) {
    if (root === undefined) return spec;
    return new URL(spec, root).href;
  }
  return spec;
}

/** Splits an `npm:` specifier; undefined when `spec` is not one. */
export function parseNpm(spec: string): NpmSpecifier | undefined {
  const m = /^npm:\/?((?:@[^/@]+\/)?[^/@]+)(?:@([^/]+))?(?:\/(.*))?$/.exec(spec);
  if (m === null) return undefined;
  return { name: m[1], version: m[2], subpath: m[3] ?? "" };
}

/** The package directory (URL ending in "/") a file URL lies in, and the path inside it. */
function packageOf(url: string): [dir: string, inner: string] | undefined {
  const nm = url.lastIndexOf("/node_modules/");
  let start: number;
  let extra = 0;
  if (nm >= 0) {
    start = nm + "/node_modules/".length;
  } else {
    const cache = url.search(/\/npm\/[^/]+\/(?=[^/]+\/)/);
    if (cache < 0) return undefined;
    start = url.indexOf("/", cache + 5) + 1;
    extra = 1; // Deno's npm cache: <registry>/<name>/<version>/
  }
  const parts = url.slice(start).split("/");
  const nameParts = parts[0].startsWith("@") ? 2 : 1;
  const take = nameParts + extra;
  if (parts.length <= take) return undefined;
  const dir = url.slice(0, start) + parts.slice(0, take).join("/") + "/";
  return [dir, parts.slice(take).join("/")];
}

function facts(dir: string): PackageFacts | undefined {
  let known = packages.get(dir);
  if (known === undefined) {
    known = null;
    try {
      const { readFileSync } = builtin<typeof import("node:fs")>("node:fs");
      const json = JSON.parse(readFileSync(fileURLToPath(dir + "package.json"), "utf8"));
      if (typeof json?.name === "string" && typeof json.version === "string") {
        known = {
          name: json.name,
          version: json.version,
          exports: json.exports,
          main: json.main,
          module: json.module,
        };
      }
    } catch {
      // Unreadable (no permission, or no package.json): no npm name.
    }
    packages.set(dir, known);
  }
  return known ?? undefined;
}

/**
 * The npm package a file URL lies in (in `node_modules` or Deno's npm cache), with the path
 * of the file inside it, whether or not the package exports that file.
 */
export function npmPackageOf(url: string): { name: string; inner: string } | undefined {
  const where = packageOf(url);
  if (where === undefined) return undefined;
  const pkg = facts(where[0]);
  return pkg === undefined ? undefined : { name: pkg.name, inner: where[1] };
}

function npmName(url: string): string | undefined {
  const where = packageOf(url);
  if (where === undefined) return undefined;
  const pkg = facts(where[0]);
  if (pkg === undefined) return undefined;
  const sub = exportedSubpath(pkg, where[1]);
  if (sub === undefined) return undefined;
  return `npm:${pkg.name}@${pkg.version}${sub === "" ? "" : "/" + sub}`;
}

function clean(target: string): string {
  return target.startsWith("./") ? target.slice(2) : target;
}

/**
 * The conditions of the runtimes a pickle may load in, for package `exports`: Deno's, Bun's,
 * Node's, for `import` and for `require`. A subpath names a file only where it resolves to that
 * file under every set of one kind, so that `npm:pkg/sub` is that module (or, for a file loaded
 * with `require`, its ES module build) wherever the pickle loads: a `browser` or `default`
 * target that the runtimes do not pick names nothing.
 */
const CONDITION_SETS: readonly (readonly ReadonlySet<string>[])[] = ["import", "require"].map(
  (kind) => [
    new Set(["deno", "node", kind, "default"]),
    new Set(["bun", "node", kind, "default"]),
    new Set(["node", kind, "default"]),
  ],
);

/**
 * The target an exports entry gives under `conditions`, as Node's resolution picks it: the
 * first condition of an object that the set has and that gives a target, the first entry of
 * an array that gives one; null for an entry that excludes the subpath, undefined for none.
 */
function targetUnder(entry: unknown, conditions: ReadonlySet<string>): string | null | undefined {
  if (typeof entry === "string") return entry;
  if (entry === null) return null;
  if (Array.isArray(entry)) {
    for (const e of entry) {
      const t = targetUnder(e, conditions);
      if (typeof t === "string") return t;
    }
    return undefined;
  }
  if (typeof entry !== "object") return undefined;
  for (const [key, value] of Object.entries(entry as Record<string, unknown>)) {
    if (!conditions.has(key)) continue;
    const t = targetUnder(value, conditions);
    if (t !== undefined) return t;
  }
  return undefined;
}

/**
 * The targets `entry` gives under every condition set of a kind (`import`, `require`), where
 * the runtimes agree.
 */
function commonTargets(entry: unknown): string[] {
  const out: string[] = [];
  for (const sets of CONDITION_SETS) {
    let target: string | undefined;
    for (const conditions of sets) {
      const t = targetUnder(entry, conditions);
      if (typeof t !== "string" || (target !== undefined && clean(t) !== target)) {
        target = undefined;
        break;
      }
      target = clean(t);
    }
    if (target !== undefined) out.push(target);
  }
  return out;
}

/** The subpath ("" for the main entry) under which the package exports the file `inner`. */
function exportedSubpath(pkg: PackageFacts, inner: string): string | undefined {
  const ex = pkg.exports;
  if (ex === undefined || ex === null) {
    for (const main of [pkg.main, pkg.module]) {
      if (typeof main !== "string") continue;
      const m = clean(main);
      if (m === inner || m + ".js" === inner || m + "/index.js" === inner) return "";
    }
    return inner;
  }
  let map: Record<string, unknown>;
  if (typeof ex === "string" || Array.isArray(ex)) map = { ".": ex };
  else if (Object.keys(ex as object).some((k) => k.startsWith("."))) {
    map = ex as Record<string, unknown>;
  } else map = { ".": ex };
  if ("." in map && commonTargets(map["."]).includes(inner)) return "";
  for (const [key, entry] of Object.entries(map)) {
    if (!key.startsWith("./") || key === ".") continue;
    for (const target of commonTargets(entry)) {
      const sub = subpathFor(key, target, inner);
      if (sub !== undefined) return sub;
    }
  }
  return undefined;
}

/** The subpath of exports key `key` (target `target`) that gives the file `inner`, if any. */
function subpathFor(key: string, target: string, inner: string): string | undefined {
  const star = target.indexOf("*");
  if (star < 0) return target === inner && !key.includes("*") ? key.slice(2) : undefined;
  const before = target.slice(0, star);
  const after = target.slice(star + 1);
  if (
    !key.includes("*") || inner.length < before.length + after.length ||
    !inner.startsWith(before) || !inner.endsWith(after)
  ) return undefined;
  return key.slice(2).replace("*", inner.slice(before.length, inner.length - after.length));
}
