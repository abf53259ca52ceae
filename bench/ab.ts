/**
 * Before/after in one process: this checkout's `dumpsSync`/`loadsSync` against another
 * checkout's, on the cases of `cases.ts`, in paired interleaved rounds of CPU time. Each
 * round times A, B, B, A; the printed figure is the median over rounds of B's time over A's,
 * with the range, so the spread of this machine shows next to the result. Besides the cases of
 * `cases.ts`: `records10` and `instances` (the records and class instances of the speed-target
 * table), `closures` (closures over two scopes each, as a worker pool's tasks) and `arrows`
 * (100 arrow functions without captures; its decode evaluates the same source every round,
 * which the engine's cache serves: compare its encode).
 *
 *   BENCH_BASE=/path/to/other/checkout/mod.ts deno run -A bench/ab.ts [rounds] [case,...]
 *   BENCH_BASE=/path/to/other/checkout/mod.ts bun bench/ab.ts [rounds] [case,...]
 *
 * @module
 */
import process from "node:process";
import { pathToFileURL } from "node:url";
import * as B from "../mod.ts";
import { buildCases } from "./cases.ts";
import { classInstances, freshFunctions, records10 } from "./target_cases.ts";

interface Codec {
  dumpsSync(v: unknown): Uint8Array;
  loadsSync(b: Uint8Array): unknown;
}

const base = process.env.BENCH_BASE;
if (base === undefined) {
  console.error("set BENCH_BASE to the mod.ts of the checkout to compare against");
  process.exit(2);
}
const A = (await import(pathToFileURL(base).href)) as Codec;
const args = process.argv.slice(2).filter((a) => !a.endsWith(".ts"));
const rounds = Number(args[0] ?? 11);
const only = args[1]?.split(",");

const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
function time(fn: () => unknown, ms: number): number {
  let n = 0;
  const t0 = cpu();
  let t = t0;
  while (t - t0 < ms || n < 3) {
    fn();
    n++;
    t = cpu();
  }
  return (t - t0) / n;
}
const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[xs.length >> 1];

/** Tasks as a worker receives them: closures over a factory's variables, in two scopes. */
function closureTasks(count: number): ((x: number) => number)[] {
  const factory = (scale: number, label: string) => (offset: number) => (x: number) =>
    label.length + x * scale + offset;
  const out: ((x: number) => number)[] = [];
  for (let i = 0; i < count; i++) out.push(factory(i, `task-${i}`)(i * 10));
  return out;
}

const cases = [
  ...buildCases(),
  { id: "records10", label: "10k records10", build: () => records10(10_000) },
  { id: "instances", label: "10k instances", build: () => classInstances(10_000) },
  { id: "closures", label: "20 closures, 2 scopes", build: () => closureTasks(20) },
  { id: "arrows", label: "100 arrows, no captures", build: () => freshFunctions().value },
];
for (const c of cases.filter((c) => only === undefined || only.includes(c.id))) {
  const value = c.build();
  const bytes = A.dumpsSync(value);
  const pairs: [string, () => unknown, () => unknown][] = [
    ["encode", () => A.dumpsSync(value), () => B.dumpsSync(value)],
    ["decode", () => A.loadsSync(bytes), () => B.loadsSync(bytes)],
  ];
  for (const [what, a, b] of pairs) {
    for (let i = 0; i < 3; i++) a(), b();
    const ratios: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const a1 = time(a, 25), b1 = time(b, 25), b2 = time(b, 25), a2 = time(a, 25);
      ratios.push((b1 + b2) / (a1 + a2));
    }
    console.log(
      `${c.label.padEnd(22)} ${what} this/base ${median(ratios).toFixed(3)}  ` +
        `[${Math.min(...ratios).toFixed(2)}..${Math.max(...ratios).toFixed(2)}]`,
    );
  }
}
