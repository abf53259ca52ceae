// Loads one hostile pickle (limits_test.ts) data-only in a fresh process and prints what it
// cost: `measure_child.ts <attack> <megabytes>` -> JSON { bytes, ms, peak, error }.
import { readFileSync } from "node:fs";
import { loadsSync } from "../../mod.ts";
import { HOSTILE } from "./hostile.ts";

const args = (globalThis as { Deno?: { args: string[] } }).Deno?.args ?? process.argv.slice(2);
const bytes = HOSTILE[args[0]](Math.round(Number(args[1]) * 1e6));

/** Peak resident memory of this process (Linux), else the current one. */
function peak(): number {
  try {
    const m = /VmHWM:\s+(\d+)/.exec(readFileSync("/proc/self/status", "utf8"));
    if (m !== null) return Number(m[1]) * 1024;
  } catch {
    // not Linux
  }
  return process.memoryUsage().rss;
}

const before = process.memoryUsage().rss;
const t0 = performance.now();
let value: unknown;
let error: { name: string; message: string; offset?: number } | undefined;
try {
  value = loadsSync(bytes, { allowCode: false });
} catch (e) {
  const err = e as Error & { offset?: number };
  error = { name: err.name, message: err.message, offset: err.offset };
}
const ms = performance.now() - t0;
console.log(JSON.stringify({
  bytes: bytes.length,
  ms,
  peak: peak() - before,
  error,
  loaded: value !== undefined,
}));
