// The fixture project of the CommonJS-package tests (tests/cjs_exports_test.ts on Deno and Bun,
// tests/node/cjs_packages.mjs on Node): a temporary folder with the `umd-lib` package in its
// node_modules, the make.mjs and load.mjs scripts, and a package.json naming the package.
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const FIXTURES = fileURLToPath(new URL("./", import.meta.url));

/**
 * Makes the project in a new temporary folder (its name starting with `prefix`) and returns
 * the folder.
 *
 * @param {string} prefix
 * @returns {string}
 */
export function makeProject(prefix) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  mkdirSync(join(dir, "node_modules"));
  cpSync(join(FIXTURES, "umd-lib"), join(dir, "node_modules", "umd-lib"), { recursive: true });
  for (const f of ["make.mjs", "load.mjs"]) cpSync(join(FIXTURES, f), join(dir, f));
  writeFileSync(
    join(dir, "package.json"),
    JSON.stringify({ type: "module", dependencies: { "umd-lib": "*" } }),
  );
  return dir;
}
