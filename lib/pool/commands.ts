/**
 * Where the pool's workers come from: the entry files in this package, and the command
 * that starts a subprocess worker of either runtime.
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

/** The thread workers' entry. */
export const THREAD_ENTRY: string = new URL("./thread_worker.js", import.meta.url).href;
/** The preload (Bun's Workers and subprocesses need it for closures). */
export const PRELOAD_URL: string = new URL("../../preload.ts", import.meta.url).href;

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** The executable of `runtime`: this one's, the package's node_modules/.bin, or the PATH. */
export function runtimeExecutable(runtime: "deno" | "bun"): string {
  if (runtime === CURRENT_RUNTIME) return process.execPath;
  const bin = process.platform === "win32" ? `${runtime}.exe` : runtime;
  for (const dir of [join(ROOT, "node_modules", ".bin"), join(dirname(ROOT), ".bin")]) {
    const p = join(dir, bin);
    if (existsSync(p)) return p;
  }
  return runtime;
}

/** The arguments that start a subprocess worker (`flags`: Deno's permission flags). */
export function processArgs(runtime: "deno" | "bun", flags?: string[]): string[] {
  const entry = fileURLToPath(new URL("./process_worker.ts", import.meta.url));
  if (runtime === "bun") {
    return ["--preload", fileURLToPath(PRELOAD_URL), entry];
  }
  const config = join(ROOT, "deno.json");
  return [
    "run",
    ...(flags ?? ["-A"]),
    ...(existsSync(config) ? ["--config", config] : []),
    entry,
  ];
}
