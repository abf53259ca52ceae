/**
 * Which files in `node_modules` the Bun preload instruments: the ES modules of packages, and
 * never CommonJS ones (Bun evaluates whatever an `onLoad` returns as an ES module, which
 * breaks `require`: oven-sh/bun#39786; an `onLoad` must answer every file its filter
 * matches, so CommonJS files must not match at all).
 *
 * An `onLoad` filter is a regular expression on the path, fixed when the plugin is
 * registered, and Bun resolves bare specifiers without calling `onResolve`. So packages are
 * found by following imports: every module the preload instruments lists its import
 * specifiers; each one that resolves into `node_modules` is classified, and the preload
 * registers a filter for what is ES module code, before Bun loads the imported module
 * (plugins registered during an `onLoad` apply to the modules imported by it).
 *
 * - A package scope (the folder of the nearest package.json) with `"type": "module"` is
 *   covered whole: every `.js`/`.mjs`/`.ts`/`.mts`/`.jsx`/`.tsx` file under it outside nested
 *   `node_modules` (a nested package.json saying `"type": "commonjs"` is caught when its
 *   file is loaded: see {@linkcode scopeIsCommonJs}).
 * - Elsewhere a `.mjs`/`.mts` file, or a `.js` file written with ES module syntax, is covered
 *   alone; its own relative imports are classified when it is instrumented.
 * - `.cjs`/`.cts` files and other `.js` files are CommonJS: left to Bun.
 *
 * @module
 */

import { existsSync, readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { dirname, join, sep } from "node:path";
import { fileURLToPath } from "node:url";

const NODE_MODULES = `${sep}node_modules${sep}`;
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const BUILTINS = new Set(builtinModules);
/** ES module syntax at the start of a line (a cheap test for `.js` files of CommonJS packages). */
const LOOKS_ESM = /^\s*(?:import\s*[\w{*"'$]|export\s+(?:[\w{*$]|default\b))/m;

/** A filter source (regular expression text) for one package scope or one file. */
export type Target = string;

/** Folder → its package.json's `type` ("" where there is none), memoized. */
const scopeTypes = new Map<string, { dir: string; type: string } | null>();

/** The package scope holding `file`: the folder of its nearest package.json, and its type. */
export function packageScope(file: string): { dir: string; type: string } | null {
  const dirs: string[] = [];
  let dir = dirname(file);
  let found: { dir: string; type: string } | null = null;
  for (;;) {
    const known = scopeTypes.get(dir);
    if (known !== undefined) {
      found = known;
      break;
    }
    dirs.push(dir);
    const pj = join(dir, "package.json");
    if (existsSync(pj)) {
      let type = "";
      try {
        const t = (JSON.parse(readFileSync(pj, "utf8")) as { type?: unknown }).type;
        if (typeof t === "string") type = t;
      } catch {
        // unreadable: CommonJS, as Node and Bun take it
      }
      found = { dir, type };
      break;
    }
    const parent = dirname(dir);
    if (parent === dir || dir.endsWith(`${sep}node_modules`)) break;
    dir = parent;
  }
  for (const d of dirs) scopeTypes.set(d, found);
  return found;
}

/** Whether `file` (in node_modules) is a `.js`/`.ts` file of a CommonJS package scope. */
export function scopeIsCommonJs(file: string): boolean {
  if (!/\.[jt]sx?$/.test(file)) return /\.c[jt]s$/.test(file);
  return packageScope(file)?.type !== "module";
}

/** Finds the ES module code of packages that instrumented modules import. */
export class PackageFinder {
  /** Package scopes and single files covered already (and those refused). */
  private readonly decided = new Set<string>();
  private readonly resolved = new Map<string, string | null>();

  /**
   * `own`: this library's folder, ending in a separator (never instrumented); `resolve`:
   * Bun.resolveSync.
   */
  constructor(
    private readonly own: string,
    private readonly resolve: (spec: string, from: string) => string,
  ) {}

  /** Whether `file` lies in a folder or file already covered. */
  covered(file: string): boolean {
    const scope = packageScope(file);
    return (scope !== null && this.decided.has(scope.dir + sep)) || this.decided.has(file);
  }

  /**
   * The new filters the imports of `importer` call for (regular expression sources), and
   * marks them covered. `imports` are the specifiers the importer's source names.
   */
  targets(importer: string, imports: readonly string[]): Target[] {
    const out: Target[] = [];
    const fromPackage = importer.includes(NODE_MODULES);
    const dir = dirname(importer);
    for (const spec of imports) {
      if (spec.startsWith("node:") || spec.startsWith("bun:") || BUILTINS.has(spec)) continue;
      if (/^[a-z][a-z0-9+.-]*:/i.test(spec) && !/^[a-z]:[\\/]/i.test(spec)) continue;
      const relative = spec.startsWith(".") || spec.startsWith("/");
      // A project file's relative imports are project files (the preload's own filter); a
      // package's stay in its scope, covered already when the scope is.
      if (relative && (!fromPackage || this.covered(importer))) continue;
      const key = `${dir}\0${spec}`;
      let file = this.resolved.get(key);
      if (file === undefined) {
        try {
          file = this.resolve(spec, dir);
        } catch {
          file = null; // Bun reports it when the import runs
        }
        this.resolved.set(key, file);
      }
      if (file === null || !file.includes(NODE_MODULES) || file.includes("?")) continue;
      const t = this.classify(file);
      if (t !== undefined) out.push(t);
    }
    return out;
  }

  /**
   * The filter for a module about to be imported by path (a `file:` URL or a path), when it
   * is the ES module code of a package not covered yet.
   */
  fileTarget(file: string): Target | undefined {
    if (file.startsWith("file:")) {
      try {
        file = fileURLToPath(file);
      } catch {
        return undefined;
      }
    }
    if (!file.includes(NODE_MODULES) || file.includes("?")) return undefined;
    return this.classify(file);
  }

  /** The filter that covers `file` if it is ES module code not covered yet. */
  private classify(file: string): Target | undefined {
    if (this.decided.has(file)) return undefined;
    const scope = packageScope(file);
    // This library, installed as a package: its code is never instrumented.
    if (scope !== null && scope.dir + sep === this.own) return undefined;
    if (scope !== null && this.decided.has(scope.dir + sep)) return undefined;
    if (/\.c[jt]s$/.test(file) || !/\.(?:m?[jt]s|[jt]sx)$/.test(file)) return undefined;
    if (scope !== null && scope.type === "module") {
      const root = scope.dir + sep;
      this.decided.add(root);
      return `^${escape(root)}(?!(?:.*[\\\\/])?node_modules[\\\\/])[^?]*\\.(?:m?[jt]s|[jt]sx)$`;
    }
    this.decided.add(file);
    let esm = /\.m[jt]s$/.test(file);
    if (!esm) {
      try {
        esm = LOOKS_ESM.test(readFileSync(file, "utf8"));
      } catch {
        esm = false;
      }
    }
    return esm ? `^${escape(file)}$` : undefined;
  }
}
