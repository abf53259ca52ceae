#!/usr/bin/env node
// Builds the npm package: JavaScript and type declarations for every entry of deno.json's
// "exports" (read at build time, so entries added later are built too), compiled by the
// TypeScript compiler (node_modules/.bin/tsc), plus the package.json, README, CHANGELOG and
// LICENSE of the published package.
//
//   node scripts/build_npm.mjs               builds into dist/npm
//   node scripts/build_npm.mjs --out DIR     builds into DIR (emptied first)
//   node scripts/build_npm.mjs --pack DIR    also runs `npm pack` into DIR and prints the
//                                            tarball's path as the last line
//
// The package is plain ES modules with .d.ts files, so Deno (`npm:` specifiers or
// node_modules), Bun and Node 22+ import it by name; no runtime strips types in node_modules.
// Plain Node ESM, no dependencies.

import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { ROOT } from "./install.mjs";

const TSC = join(ROOT, "node_modules", "typescript", "bin", "tsc");

/**
 * Declarations of what the sources use that the compiler's libraries lack: `import.meta.main`
 * (Deno, Bun and Node 24 set it).
 */
const AMBIENT = `interface ImportMeta {
  /** True in the program's entry module (Deno, Bun, Node 24). */
  readonly main?: boolean;
}
`;

/**
 * Modules that no entry imports but that the package starts by URL: the pool's worker
 * entries. Compiled with the entries; `thread_worker.js` (plain JavaScript that imports
 * `thread_main.ts` through a computed specifier) is copied with that specifier made `.js`.
 */
const WORKER_SOURCES = ["lib/pool/thread_main.ts", "lib/pool/process_worker.ts"];
const THREAD_ENTRY = "lib/pool/thread_worker.js";

/** `thread_worker.js` for the build: its `"./thread_main.ts"` becomes `"./thread_main.js"`. */
export function rewriteThreadEntry(text) {
  const out = text.replace(/(["'])\.\/thread_main\.ts\1/g, "$1./thread_main.js$1");
  if (out === text) throw new Error(`${THREAD_ENTRY} no longer names "./thread_main.ts"`);
  return out;
}

function readJson(path) {
  return JSON.parse(readFileSync(path, "utf8"));
}

/** "./mod.ts" → "./mod.js" and "./mod.d.ts". */
function outputs(source) {
  const base = source.replace(/\.(m?)ts$/, "");
  if (base === source) throw new Error(`deno.json export ${source} is not a .ts file`);
  return { js: `${base}.js`, dts: `${base}.d.ts` };
}

/**
 * The published package.json: deno.json's name, version and exports (each with "types" and
 * "default"), the root package.json's description, license and dependencies, and the
 * ".ts" aliases the root package.json exports (e.g. "./preload.ts", which error messages
 * name), pointing at the same JavaScript.
 */
export function packageJson() {
  const deno = readJson(join(ROOT, "deno.json"));
  const root = readJson(join(ROOT, "package.json"));
  const exports = {};
  for (const [entry, source] of Object.entries(deno.exports)) {
    const out = outputs(source);
    exports[entry] = { types: out.dts, default: out.js };
  }
  for (const [entry, source] of Object.entries(root.exports ?? {})) {
    if (entry in exports || typeof source !== "string") continue;
    const same = Object.entries(deno.exports).find(([, s]) => s === source);
    if (same) exports[entry] = exports[same[0]];
  }
  return {
    name: deno.name,
    version: deno.version,
    description: root.description,
    license: deno.license ?? root.license,
    type: "module",
    exports,
    main: exports["."]?.default,
    types: exports["."]?.types,
    sideEffects: ["./preload.js"],
    engines: { node: ">=22.3" },
    keywords: ["pickle", "cloudpickle", "serialization", "closures", "workers", "deno", "bun"],
    dependencies: root.dependencies,
  };
}

/** Compiles the entries into `out` and writes the package files; returns the package.json. */
export function build(out) {
  const deno = readJson(join(ROOT, "deno.json"));
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const ambient = join(tmpdir(), `cloudpickle-npm-ambient-${process.pid}.d.ts`);
  writeFileSync(ambient, AMBIENT);
  const args = [
    TSC,
    "--target",
    "ES2022",
    "--module",
    "NodeNext",
    "--moduleResolution",
    "NodeNext",
    "--rewriteRelativeImportExtensions",
    "--declaration",
    "--strict",
    "--skipLibCheck",
    "--lib",
    "ES2024,DOM,DOM.Iterable",
    "--types",
    "node",
    "--newLine",
    "lf",
    "--removeComments",
    "false",
    "--rootDir",
    ROOT,
    "--outDir",
    out,
    ambient,
    ...Object.values(deno.exports).map((s) => join(ROOT, s)),
    ...WORKER_SOURCES.map((s) => join(ROOT, s)),
  ];
  const r = spawnSync(process.execPath, args, { cwd: ROOT, stdio: "inherit" });
  rmSync(ambient, { force: true });
  if (r.status !== 0) throw new Error(`tsc failed (exit ${r.status})`);
  writeFileSync(
    join(out, THREAD_ENTRY),
    rewriteThreadEntry(readFileSync(join(ROOT, THREAD_ENTRY), "utf8")),
  );
  const pkg = packageJson();
  for (const f of WORKER_SOURCES) {
    if (!existsSync(join(out, outputs(f).js))) throw new Error(`the build has no ${outputs(f).js}`);
  }
  for (const { default: js, types } of Object.values(pkg.exports)) {
    for (const f of [js, types]) {
      if (!existsSync(join(out, f))) throw new Error(`the build has no ${f}`);
    }
  }
  writeFileSync(join(out, "package.json"), JSON.stringify(pkg, null, 2) + "\n");
  for (const f of ["README.md", "CHANGELOG.md", "LICENSE"]) {
    if (existsSync(join(ROOT, f))) copyFileSync(join(ROOT, f), join(out, f));
  }
  return pkg;
}

/** `npm pack` of a built package into `dest`; returns the tarball's path. */
export function pack(out, dest) {
  mkdirSync(dest, { recursive: true });
  const npm = process.platform === "win32" ? "npm.cmd" : "npm";
  const r = spawnSync(npm, ["pack", "--pack-destination", dest, "--json"], {
    cwd: out,
    encoding: "utf8",
  });
  if (r.status !== 0) throw new Error(`npm pack failed: ${r.stderr}`);
  return join(dest, JSON.parse(r.stdout)[0].filename);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const argv = process.argv.slice(2);
  const opt = (name) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const out = resolve(opt("--out") ?? join(ROOT, "dist", "npm"));
  const pkg = build(out);
  process.stderr.write(`built ${pkg.name}@${pkg.version} into ${out}\n`);
  const dest = opt("--pack");
  if (dest !== undefined) console.log(pack(out, resolve(dest)));
}
