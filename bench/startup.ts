/**
 * The startup case: what using the library costs the rest of the program, each measured in
 * fresh processes of the current runtime (median of 5): importing mod.ts; the first `dumps`
 * and `dumpsSync` of a closure and warm `dumpsSync` per closure; and how long a plain Worker
 * takes to start before and after the library was imported and used. Targets: import
 * <= 50 ms on Deno and <= 30 ms on Bun; Workers within 1.2x of before.
 *
 * @module
 */

import process from "node:process";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { fmtTime } from "./harness.ts";

const child = fileURLToPath(new URL("./startup_child.ts", import.meta.url));
/** The preload next to the measured module (env BENCH_MOD's checkout, or this one). */
export function preloadPath(): string {
  const mod = process.env.BENCH_MOD;
  const dir = mod
    ? new URL(".", new URL(mod, `file://${process.cwd()}/`))
    : new URL("../", import.meta.url);
  const p = fileURLToPath(new URL("preload.ts", dir));
  return existsSync(p) ? p : fileURLToPath(new URL("../preload.ts", import.meta.url));
}
const root = fileURLToPath(new URL("..", import.meta.url));
const isBun = (globalThis as { Bun?: unknown }).Bun !== undefined;

/** Command lines for this runtime: label → arguments before the child's mode. */
export function variants(): [string, string[]][] {
  if (isBun) return [["bun --preload", ["--preload", preloadPath(), child]], ["bun", [child]]];
  return [
    ["deno -A", ["run", "-A", child]],
    ["deno without --allow-sys", ["run", "--allow-read", "--allow-env", child]],
  ];
}

/** Runs the child `k` times in fresh processes; one parsed JSON line each. */
export function runs(args: string[], mode: string, k: number): Record<string, number | null>[] {
  const out: Record<string, number | null>[] = [];
  for (let i = 0; i < k; i++) {
    const r = spawnSync(process.execPath, [...args, mode], {
      cwd: root,
      // an absolute URL: the child's working directory is the project root, not ours
      env: process.env.BENCH_MOD
        ? {
          ...process.env,
          BENCH_MOD: new URL(process.env.BENCH_MOD, `file://${process.cwd()}/`).href,
        }
        : process.env,
      encoding: "utf8",
      timeout: 60_000,
    });
    if (r.status !== 0) throw new Error(`${mode} failed: ${r.stderr}`);
    out.push(JSON.parse(r.stdout.trim().split("\n").pop()!));
  }
  return out;
}

/** Median of the numbers (nulls skipped), or null. */
export function median(xs: (number | null)[]): number | null {
  const v = xs.filter((x): x is number => typeof x === "number").sort((a, b) => a - b);
  return v.length === 0 ? null : v[v.length >> 1];
}

const ms = (x: number | null): string => (x === null ? "n/a" : fmtTime(x));

/** Runs the case and prints its table and targets. */
export function runStartupCase(): void {
  const limit = isBun ? 30 : 50;
  console.log("\n| startup case (fresh processes, median of 5) | value |");
  console.log("|---|---|");
  const verdicts: string[] = [];
  for (const [label, args] of variants()) {
    const imp = median(runs(args, "import", 5).map((r) => r.importMs));
    console.log(`| ${label}: import mod.ts | ${ms(imp)} |`);
    verdicts.push(
      `  ${imp !== null && imp <= limit ? "PASS" : "FAIL"}  ${label}: importing mod.ts <= ` +
        `${limit} ms: ${ms(imp)}`,
    );
    const first = runs(args, "first", 5);
    console.log(
      `| ${label}: first dumps of a closure | ${ms(median(first.map((r) => r.firstAsync)))} |`,
    );
    console.log(
      `| ${label}: first dumpsSync of a closure | ${ms(median(first.map((r) => r.firstSync)))} |`,
    );
    const warm = median(first.map((r) => r.warmSyncUs));
    console.log(
      `| ${label}: dumpsSync of a closure, warm | ${
        warm === null ? "n/a" : fmtTime(warm / 1000)
      } |`,
    );
    const w = runs(args, "workers", 5);
    const before = median(w.map((r) => r.before));
    const after = median(w.map((r) => r.after));
    console.log(`| ${label}: plain Worker start, before the library | ${ms(before)} |`);
    console.log(`| ${label}: plain Worker start, after it was used | ${ms(after)} |`);
    const us = (x: number | null) => (x === null ? "n/a" : fmtTime(x / 1000));
    console.log(
      `| ${label}: eval of a fresh source, before / after | ${
        us(median(w.map((r) => r.evalBefore)))
      } / ${us(median(w.map((r) => r.evalAfter)))} |`,
    );
    if (before !== null && after !== null) {
      // Bun starts a Worker in 2-3 ms: there a millisecond is noise, not a cost.
      const noise = after - before < 3;
      verdicts.push(
        `  ${after <= 1.2 * before || noise ? "PASS" : "FAIL"}  ${label}: Workers start ` +
          `within 1.2x after the library was used: ${(after / before).toFixed(2)}x` +
          (after > 1.2 * before && noise ? ` (+${fmtTime(after - before)}: within noise)` : ""),
      );
    }
  }
  console.log("");
  for (const v of verdicts) console.log(v);
}
