/**
 * Where the pool's workers come from: the entry files in this package, and the command
 * that starts a subprocess worker of each runtime.
 *
 * @module
 */

import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

/** The runtime this program runs on. */
export const CURRENT_RUNTIME: "deno" | "bun" | "node" =
  typeof (globalThis as { Deno?: unknown }).Deno === "object"
    ? "deno"
    : typeof (globalThis as { Bun?: unknown }).Bun === "object"
    ? "bun"
    : "node";

/** The runtimes that run subprocess workers. */
export type ProcessRuntime = "deno" | "bun" | "node";

/** ".ts" in the sources, ".js" in the npm build: the package's files share this one's. */
const EXT = import.meta.url.endsWith(".ts") ? ".ts" : ".js";

/** The thread workers' entry. */
export const THREAD_ENTRY: string = new URL("./thread_worker.js", import.meta.url).href;
/** The preload (Bun's Workers and subprocesses need it for closures). */
export const PRELOAD_URL: string = new URL(`../../preload${EXT}`, import.meta.url).href;

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/**
 * The executable of `runtime`: this one's, else the first `node_modules/.bin` found from the
 * package up (its own, the project's that installed it), else the PATH's.
 */
export function runtimeExecutable(runtime: ProcessRuntime): string {
  if (runtime === CURRENT_RUNTIME) return process.execPath;
  const bin = process.platform === "win32" ? `${runtime}.exe` : runtime;
  for (let dir = ROOT;;) {
    const p = join(dir, "node_modules", ".bin", bin);
    if (existsSync(p)) return p;
    const up = dirname(dir);
    if (up === dir) return runtime;
    dir = up;
  }
}

/**
 * The arguments that start a subprocess worker (`flags`: Deno's permission flags). Node runs
 * only the npm build (JavaScript): from the TypeScript sources it is a `TypeError`.
 */
export function processArgs(runtime: ProcessRuntime, flags?: string[]): string[] {
  const entry = fileURLToPath(new URL(`./process_worker${EXT}`, import.meta.url));
  if (runtime === "bun") {
    return ["--preload", fileURLToPath(PRELOAD_URL), entry];
  }
  if (runtime === "node") {
    if (EXT === ".ts") {
      throw new TypeError(
        'runtime: "node" subprocess workers need the package\'s npm build (JavaScript); this ' +
          'copy is its TypeScript source, which Node does not run: use runtime "deno" or "bun"',
      );
    }
    return [entry];
  }
  const config = join(ROOT, "deno.json");
  return [
    "run",
    ...(flags ?? ["-A"]),
    ...(existsSync(config) ? ["--config", config] : []),
    entry,
  ];
}
