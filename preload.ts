/**
 * Bun preload that gives closures automatic capture on Bun: it registers a `Bun.plugin` whose
 * `onLoad` instruments the JavaScript and TypeScript modules the program loads (see
 * `lib/instrument/instrument.ts`), and installs the run-time helpers and the synchronous scope
 * reader the pickler uses (`lib/runtime/instrumented.ts`). This package's own files are
 * never instrumented.
 *
 * The ES modules of packages in `node_modules` are instrumented too, so that closures packages
 * build pickle by value: they are found by following the imports of instrumented modules
 * (`lib/instrument/packages.ts`), and what the transform made of them is kept in a
 * cache on disk (`lib/instrument/cache.ts`), so a package version is transformed once.
 *
 * Name it in `bunfig.toml` (it must run before the entry module is loaded):
 *
 * ```toml
 * preload = ["@cloudpickle/cloudpickle/preload.ts"]   # bun run
 * [test]
 * preload = ["@cloudpickle/cloudpickle/preload.ts"]   # bun test
 * ```
 *
 * or on the command line: `bun --preload ./preload.ts main.ts`.
 *
 * Workers do not inherit the preload: start them with `new Worker(url, { preload: [...] })`.
 *
 * CommonJS modules are not instrumented: Bun evaluates whatever an `onLoad` returns as an ES
 * module, which breaks CommonJS (oven-sh/bun#39786). `.cjs`/`.cts` files and CommonJS packages
 * are left to Bun entirely; a project `.js`/`.ts` file found to be CommonJS is loaded by Bun's
 * own loader (under a `?cloudpickle-raw` suffix) and re-exported as `module.exports` (also the
 * default export, and each property as a named export, as Bun does). A closure built by
 * CommonJS code is refused by the pickler with the reason (see `lib/runtime/remedy.ts`).
 *
 * Set `CLOUDPICKLE_INSTRUMENT_DEBUG=1` to print, per module, how it was handled, how long the
 * transform took and whether the cache answered; `CLOUDPICKLE_CACHE_DIR` sets the cache folder
 * (`off`: none).
 *
 * @module
 */

import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { basename, dirname, join, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { instrument, mapLines } from "./lib/instrument/instrument.ts";
import { cacheDir, TransformCache } from "./lib/instrument/cache.ts";
import { PackageFinder, scopeIsCommonJs } from "./lib/instrument/packages.ts";
import { notInstrumented } from "./lib/runtime/remedy.ts";
import { installInstrumentRuntime } from "./lib/code/loaded_instrument.ts";
import { installFunctionConstructor } from "./lib/instrument/function_constructor.ts";
import { installCommonJsHook } from "./lib/instrument/commonjs_hook.ts";
import { sharedSlot } from "./lib/runtime/shared_slot.ts";

/** The loader Bun is told to use for a file the preload returns. */
export type Loader = "js" | "jsx" | "ts" | "tsx";

type OnLoadResult =
  | { contents: string; loader: Loader }
  | { exports: Record<string, unknown>; loader: "object" };

interface PluginBuilder {
  onResolve(
    options: { filter: RegExp },
    callback: (args: { path: string }) => undefined,
  ): void;
  onLoad(
    options: { filter: RegExp; namespace?: string },
    callback: (args: { path: string }) => OnLoadResult,
  ): void;
}

interface Transpiler {
  transformSync(code: string): string;
}

interface BunApi {
  plugin(plugin: { name: string; setup(build: PluginBuilder): void }): void;
  Transpiler: new (options: Record<string, unknown>) => Transpiler;
  env: Record<string, string | undefined>;
  version: string;
  resolveSync(specifier: string, from: string): string;
}

const bun = (globalThis as unknown as { Bun?: BunApi }).Bun;
// The helpers instrumented modules call, and the reader of their scopes.
installInstrumentRuntime();
// Functions made by `new Function` get scope records too.
installFunctionConstructor();
const here = fileURLToPath(new URL(".", import.meta.url));
/** This package's own files: never instrumented (nothing in them is pickled by value). */
const OWN = [join(here, "lib") + sep, join(here, "preload.ts"), join(here, "mod.ts")];
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
/** How a CommonJS module is loaded by Bun's own loader (the filter does not match it). */
const RAW = "?cloudpickle-raw";
/**
 * Module files outside node_modules and this package's own files; not `.cjs`/`.cts` (and not
 * paths with a query, such as {@linkcode RAW}).
 */
const FILTER = new RegExp(
  `^(?!.*[\\\\/]node_modules[\\\\/])(?!${OWN.map(escape).join("|")})[^?]*\\.(?:m?[tj]s|[tj]sx)$`,
);
const DEBUG = bun?.env.CLOUDPICKLE_INSTRUMENT_DEBUG === "1";

/** Whether the preload handles the module at `path`. */
export function handles(path: string): boolean {
  return FILTER.test(path);
}

const transpilers = new Map<string, Transpiler>();
const tsconfigs = new Map<string, string | undefined>();

/** The text of the nearest tsconfig.json above `path` (its `extends` is not followed). */
function tsconfigFor(path: string): string | undefined {
  const dirs: string[] = [];
  let dir = dirname(path);
  let found: string | undefined;
  for (;;) {
    if (tsconfigs.has(dir)) {
      found = tsconfigs.get(dir);
      break;
    }
    dirs.push(dir);
    const candidate = join(dir, "tsconfig.json");
    if (existsSync(candidate)) {
      found = readFileSync(candidate, "utf8");
      break;
    }
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  for (const d of dirs) tsconfigs.set(d, found);
  return found;
}

function transpiler(loader: "ts" | "tsx", tsconfig: string | undefined): Transpiler {
  const key = `${loader}\0${tsconfig ?? ""}`;
  let t = transpilers.get(key);
  if (t === undefined) {
    // Strip types only (Bun's own pass over the instrumented output does the rest), with the
    // project's tsconfig, which Bun's loader would use too (decorators, class fields, JSX).
    const options = {
      loader,
      target: "bun",
      autoImportJSX: true,
      deadCodeElimination: false,
      trimUnusedImports: false,
    };
    try {
      t = new bun!.Transpiler(tsconfig === undefined ? options : { ...options, tsconfig });
    } catch {
      t = new bun!.Transpiler(options);
    }
    transpilers.set(key, t);
  }
  return t;
}

/** What the preload does with one file, and the specifiers it imports. */
export type Transformed =
  | { kind: "instrumented"; contents: string; loader: Loader; imports: readonly string[] }
  | { kind: "commonjs"; imports: readonly string[] }
  | { kind: "unchanged"; imports: readonly string[] };

/** Instruments one file's text (pure apart from Bun.Transpiler for TypeScript). */
export function transformFile(path: string, text: string): Transformed {
  const m = /\.[mc]?([tj])s(x?)$/.exec(path);
  if (m === null) return { kind: "unchanged", imports: [] };
  const ts = m[1] === "t";
  const jsx = m[2] === "x";
  const js = ts ? transpiler(jsx ? "tsx" : "ts", tsconfigFor(path)).transformSync(text) : text;
  const out = instrument(js, {
    path,
    jsx: jsx && !ts,
    defaultName: ts ? "input_default" : undefined,
    // Bun.Transpiler reprints the code: put lines back where they were in the .ts file.
    lines: ts ? mapLines(text, js) : undefined,
  });
  const imports = out.imports;
  if (out.commonjs) return { kind: "commonjs", imports };
  if (out.code === js && !ts) return { kind: "unchanged", imports };
  return {
    kind: "instrumented",
    contents: out.code,
    loader: jsx && !ts ? "jsx" : "js",
    imports,
  };
}

/** Loads a CommonJS module with Bun's loader and exposes it the way Bun would. */
function commonjs(path: string): OnLoadResult {
  const exported = createRequire(path)(path + RAW) as Record<string, unknown> | null;
  const esModule = exported !== null && typeof exported === "object" &&
    exported.__esModule === true;
  return {
    loader: "object",
    exports: {
      ...exported,
      default: esModule ? exported!.default : exported,
      "module.exports": exported,
    },
  };
}

const LOOKS_COMMONJS = /\bmodule\.exports\b|\bexports\.[\p{ID_Start}$_]|\brequire\s*\(/u;
const LOOKS_ESM = /^\s*(?:import|export)\b/m;

/** transformFile, or what to do with a file the parser does not take. */
function transform(path: string, text: string): [Transformed, string] {
  try {
    return [transformFile(path, text), ""];
  } catch (e) {
    // Syntax the parser does not take: leave the module to Bun.
    const reason = `: ${e instanceof Error ? e.message : String(e)}`;
    const kind = LOOKS_COMMONJS.test(text) && !LOOKS_ESM.test(text) ? "commonjs" : "unchanged";
    return [{ kind, imports: [] }, reason];
  }
}

/** What Bun gets for a file, once it was transformed. */
function answer(path: string, text: string, result: Transformed): OnLoadResult {
  if (result.kind === "instrumented") return { contents: result.contents, loader: result.loader };
  if (result.kind === "commonjs") return commonjs(path);
  return { contents: text, loader: loaderOf(path) };
}

/** A module of the project. */
function load(path: string): OnLoadResult {
  const text = readFileSync(path, "utf8");
  const t0 = DEBUG ? performance.now() : 0;
  const [result, reason] = transform(path, text);
  if (DEBUG) {
    const ms = (performance.now() - t0).toFixed(2);
    console.error(`[cloudpickle] ${result.kind} ${path} ${ms} ms${reason}`);
  }
  reach(path, result.imports);
  return answer(path, text, result);
}

/** A module of a package: the transform comes from the cache when it has it. */
function loadPackage(path: string): OnLoadResult {
  countResolution();
  const text = readFileSync(path, "utf8");
  const t0 = DEBUG ? performance.now() : 0;
  const ts = /\.m?tsx?$/.test(path) ? tsconfigFor(path) ?? "" : "";
  const key = cache.key(basename(path), text, ts);
  let result = cache.get(key) as Transformed | undefined;
  let reason = "";
  const hit = result !== undefined;
  if (result === undefined) {
    [result, reason] = transform(path, text);
    cache.set(key, result);
  } else if (result.kind === "instrumented") {
    result = { ...result, loader: /\.jsx$/.test(path) ? "jsx" : "js" };
  }
  if (DEBUG) {
    const ms = (performance.now() - t0).toFixed(2);
    const how = hit ? "cached" : "transformed";
    console.error(`[cloudpickle] ${result.kind} ${path} ${ms} ms (${how})${reason}`);
  }
  if (result.kind !== "commonjs") {
    esmFiles.add(path);
    reach(path, result.imports);
  }
  return answer(path, text, result);
}

function loaderOf(path: string): Loader {
  const m = /\.[mc]?([tj])s(x?)$/.exec(path)!;
  return `${m[1]}s${m[2]}` as Loader;
}

/**
 * Registers the filters that the imports of `importer` call for (ES module code of packages),
 * before Bun loads them.
 */
function reach(importer: string, imports: readonly string[]): void {
  if (imports.length === 0) return;
  register(finder.targets(importer, imports));
}

function register(targets: readonly string[]): void {
  if (targets.length === 0) return;
  const filter = new RegExp(targets.join("|"));
  bun!.plugin({
    name: "cloudpickle-instrument-packages",
    setup(build) {
      build.onLoad({ filter, namespace: "file" }, (args) => loadPackage(args.path));
    },
  });
}

/**
 * Counts module resolutions, so the module table lists require.cache again only when modules
 * may have been loaded since.
 */
function countResolution(): undefined {
  sharedSlot().resolved! += 1;
  return undefined;
}

/** The transform cache: the library's version, the transform's files' digest, Bun's version. */
function transformSalt(): string {
  const h = createHash("sha1");
  const files = [
    "package.json",
    "lib/runtime/instrumented.ts",
    "lib/runtime/private_readers.ts",
    "lib/runtime/shared_slot.ts",
    "lib/code/decorated.ts",
  ];
  for (const dir of ["lib/instrument", "lib/code/scope"]) {
    try {
      for (const f of readdirSync(join(here, dir)).sort()) files.push(`${dir}/${f}`);
    } catch {
      files.push(dir);
    }
  }
  for (const f of files) {
    try {
      h.update(readFileSync(join(here, f)));
    } catch {
      h.update(f);
    }
  }
  return `${h.digest("hex")}:${bun?.version ?? ""}`;
}

const cache = new TransformCache(
  bun === undefined ? undefined : cacheDir(bun.env),
  transformSalt(),
);
const finder = new PackageFinder(here, (spec, from) => bun!.resolveSync(spec, from));

/** Package files loaded as ES modules (the others in require.cache are CommonJS). */
const esmFiles = new Set<string>();

/** The packages whose CommonJS modules are loaded, by name. */
// CommonJS files loaded through `require` are instrumented through Module._extensions.
if (bun !== undefined) {
  installCommonJsHook(
    cache,
    (file) => OWN.some((own) => file.startsWith(own)),
    (file) => esmFiles.add(file),
    DEBUG ? (line) => console.error(line) : undefined,
  );
}

/** The packages with CommonJS files loaded here that were not instrumented. */
function commonJsPackages(): string[] {
  const names = new Set<string>();
  let cache: Record<string, unknown>;
  try {
    cache = createRequire(import.meta.url).cache as Record<string, unknown>;
  } catch {
    return [];
  }
  for (const file of Object.keys(cache)) {
    if (esmFiles.has(file)) continue;
    const m = /[\\/]node_modules[\\/]((?:@[^\\/]+[\\/])?[^\\/]+)[\\/](?!.*[\\/]node_modules[\\/])/
      .exec(file);
    if (m !== null && scopeIsCommonJs(file)) names.add(m[1].replace("\\", "/"));
  }
  return [...names].sort();
}

if (bun !== undefined) {
  const slot = sharedSlot();
  slot.explain = () => notInstrumented(commonJsPackages());
  // Modules the library imports itself (pickled by reference, imported by loads).
  slot.reach = (target: string) => {
    const t = finder.fileTarget(target);
    if (t !== undefined) register([t]);
  };
  slot.resolved = 0;
  bun.plugin({
    name: "cloudpickle-instrument",
    setup(build) {
      // Synchronous on purpose: with an async onLoad, Bun treats the module as async and
      // `require()` of it fails.
      build.onLoad({ filter: FILTER, namespace: "file" }, (args) => load(args.path));
      build.onResolve({ filter: /^/ }, countResolution);
    },
  });
}
