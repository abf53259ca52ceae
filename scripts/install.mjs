#!/usr/bin/env node
// Installs the project's npm packages (including the Deno and Bun binaries, which come
// from the npm registry as devDependencies) and checks that both runtimes start.
//
//   node scripts/install.mjs          clean install, as CI does
//   node scripts/install.mjs --check  only verify node_modules/.bin/{deno,bun}; install if broken
//
// Used by .ci/run and, when the runtimes are missing, by scripts/test.mjs and scripts/demo.mjs.
// Plain Node ESM, no dependencies.

import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
/** The package's entry files (deno.json's exports), e.g. ["mod.ts", "preload.ts", …]. */
export const ENTRIES = Object.values(
  JSON.parse(readFileSync(join(ROOT, "deno.json"), "utf8")).exports,
).map((f) => f.replace(/^\.\//, ""));
const BIN = join(ROOT, "node_modules", ".bin");
const exe = (name) => join(BIN, process.platform === "win32" ? `${name}.cmd` : name);
export const DENO = exe("deno");
export const BUN = exe("bun");
const NPM = process.platform === "win32" ? "npm.cmd" : "npm";

function log(msg) {
  process.stderr.write(`[install] ${msg}\n`);
}

/** Version string printed by `<bin> --version`, or null if it does not run. */
export function runtimeVersion(bin) {
  if (!existsSync(bin)) return null;
  const r = spawnSync(bin, ["--version"], { cwd: ROOT, encoding: "utf8" });
  if (r.status !== 0) return null;
  return r.stdout.split("\n")[0].trim() || null;
}

function npm(args) {
  log(`npm ${args.join(" ")}`);
  const r = spawnSync(NPM, args, { cwd: ROOT, stdio: "inherit" });
  return { status: r.status ?? 1 };
}

/**
 * `npm ci` when package-lock.json exists, else `npm install`.
 *
 * The lock file is installable as it is: cbor-extract 2.2.3 (a bench peer's optional native
 * helper) names prebuilt platform packages at 2.2.3 that were never published, so package.json
 * "overrides" pins them to 2.2.2, whose binaries cbor-extract 2.2.3 loads.
 */
export function installPackages() {
  const common = ["--no-audit", "--no-fund"];
  const lock = existsSync(join(ROOT, "package-lock.json"));
  return npm([lock ? "ci" : "install", ...common]).status === 0;
}

/**
 * The deno and bun npm packages place their native binaries with postinstall scripts
 * (allowed in package.json "allowScripts"). If an install ran without scripts
 * (--ignore-scripts, or a policy that skipped them), run those postinstall steps directly.
 */
export function repairRuntimes() {
  const steps = [
    [BUN, join(ROOT, "node_modules", "bun", "install.js")],
    [DENO, join(ROOT, "node_modules", "deno", "install.cjs")],
  ];
  for (const [bin, script] of steps) {
    if (runtimeVersion(bin) || !existsSync(script)) continue;
    log(`running postinstall step ${script}`);
    spawnSync(process.execPath, [script], { cwd: dirname(script), stdio: "inherit" });
  }
}

/** Returns { deno, bun } version strings; installs packages first if `force` or broken. */
export function ensureRuntimes({ force = false } = {}) {
  const ok = !force && runtimeVersion(DENO) && runtimeVersion(BUN);
  if (!ok) {
    if (!installPackages()) {
      log("npm install failed");
      process.exit(1);
    }
    repairRuntimes();
  }
  const deno = runtimeVersion(DENO);
  const bun = runtimeVersion(BUN);
  if (!deno || !bun) {
    log(`runtime missing after install: deno=${deno ?? "not working"} bun=${bun ?? "not working"}`);
    process.exit(1);
  }
  return { deno, bun };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const checkOnly = process.argv.includes("--check");
  const v = ensureRuntimes({ force: !checkOnly });
  log(`ready: ${v.deno}, bun ${v.bun}`);
}
