// Cost of the instrumentation: run-time cost per closure (plain vs instrumented code, the same
// source) and load-time cost of the transform per module. Not a test; run it with
//
//   node_modules/.bin/bun tests/instrumented/bench.ts
//   node_modules/.bin/deno run -A tests/instrumented/bench.ts
//
// With `--against=<path of another checkout's transform module>` (Bun), it also compares the
// transform with that one in this process: the same modules (lib/ and the oracle corpus of
// tests/scope_oracle.ts) transformed by each in turn, CPU time, median of 41 rounds; this
// holds still on a loaded machine where the wall-clock times above do not.
//
// (No preload needed: the code is instrumented here and loaded from data: URLs.)
import { existsSync, readFileSync } from "node:fs";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { instrument, mapLines } from "../../lib/instrument/instrument.ts";
import "../../lib/runtime/instrumented.ts";

/** Each case: module source exporting `run(n)`, n closure creations + calls. */
const CASES: Record<string, string> = {
  "arrow capturing a parameter (record per call + wrap)": `
function make(i) { return () => i; }
export function run(n) { let s = 0; for (let i = 0; i < n; i++) s += make(i)(); return s; }`,
  "arrow capturing a module constant (wrap only)": `
const base = { v: 1 };
function make() { return () => base.v; }
export function run(n) { let s = 0; for (let i = 0; i < n; i++) s += make()(); return s; }`,
  "named arrow (const f = () => …, name kept)": `
function make(i) { const f = () => i; return f; }
export function run(n) { let s = 0; for (let i = 0; i < n; i++) s += make(i)(); return s; }`,
  "counter object { inc, get } sharing a let": `
function make() { let c = 0; return { inc: () => ++c, get: () => c }; }
export function run(n) { let s = 0; for (let i = 0; i < n; i++) { const o = make(); o.inc(); s += o.get(); } return s; }`,
  "closures of a per-iteration loop binding": `
export function run(n) { let s = 0; for (let i = 0; i < n; i++) { const f = () => i; s += f(); } return s; }`,
  "closure not capturing anything local (untouched)": `
function make() { return (x) => x + 1; }
export function run(n) { let s = 0; for (let i = 0; i < n; i++) s += make()(i); return s; }`,
};

function base64(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

async function load(src: string): Promise<(n: number) => number> {
  const m = await import(`data:text/javascript;base64,${base64(src)}`);
  return m.run;
}

function timeNs(run: (n: number) => number, n: number): number {
  let best = Infinity;
  for (let round = 0; round < 15; round++) {
    const t0 = performance.now();
    run(n);
    best = Math.min(best, ((performance.now() - t0) * 1e6) / n);
  }
  return best;
}

const runtime = typeof (globalThis as { Bun?: unknown }).Bun === "object" ? "Bun" : "Deno";
console.log(`${runtime}: closure creation + call, ns (best of 15 rounds of 1e6)`);
console.log("plain".padStart(58), "instrumented".padStart(13), "extra".padStart(7));
for (const [name, src] of Object.entries(CASES)) {
  const plain = await load(src);
  const inst = await load(instrument(src).code);
  const n = 1_000_000;
  plain(n);
  inst(n);
  const a = timeNs(plain, n);
  const b = timeNs(inst, n);
  console.log(
    name.padEnd(50),
    a.toFixed(1).padStart(7),
    b.toFixed(1).padStart(13),
    (b - a).toFixed(1).padStart(7),
  );
}

// Load time of the transform (parse, analysis, splice; plus Bun.Transpiler for TypeScript).
const root = fileURLToPath(new URL("../../", import.meta.url));
const bunApi = (globalThis as {
  Bun?: { Transpiler: new (o: object) => { transformSync(s: string): string } };
}).Bun;
const transpiler = bunApi ? new bunApi.Transpiler({ loader: "ts", target: "bun" }) : undefined;
console.log(`\n${runtime}: transform time per module, ms (first call / best of 10)`);
for (
  const file of [
    "tests/instrumented/closures.ts",
    "tests/functions_test.ts",
    "lib/pickle/encoder.ts",
  ]
) {
  if (!existsSync(root + file)) continue;
  const text = readFileSync(root + file, "utf8");
  const once = () => {
    const js = transpiler ? transpiler.transformSync(text) : stripTypesRoughly(text);
    return instrument(js, { lines: transpiler ? mapLines(text, js) : undefined });
  };
  let t0 = performance.now();
  const first = once();
  const cold = performance.now() - t0;
  let best = Infinity;
  for (let i = 0; i < 10; i++) {
    t0 = performance.now();
    once();
    best = Math.min(best, performance.now() - t0);
  }
  const kb = text.length / 1024;
  console.log(
    `${file} (${kb.toFixed(1)} KB, ${first.records} records, ${first.sites} sites)`.padEnd(72),
    cold.toFixed(2).padStart(7),
    best.toFixed(2).padStart(7),
    `${((best * 1000) / kb).toFixed(0)} µs/KB`.padStart(11),
  );
}

/** Deno has no Bun.Transpiler: time the JavaScript part on an already stripped text. */
function stripTypesRoughly(_text: string): string {
  return CASES["counter object { inc, get } sharing a let"].repeat(50);
}

const against = process.argv.find((a) => a.startsWith("--against="))?.slice("--against=".length);
if (against !== undefined && transpiler !== undefined) {
  const { libCorpus, packageCorpus } = await import("../scope_oracle.ts");
  const other = (await import(against)).instrument as typeof instrument;
  const files = [...libCorpus((t) => transpiler.transformSync(t)), ...packageCorpus()];
  const kb = files.reduce((n, f) => n + f.text.length, 0) / 1024;
  const fns = [other, instrument];
  for (let w = 0; w < 3; w++) for (const f of fns) for (const x of files) f(x.text);
  const ratios: number[] = [];
  const totals: number[][] = [[], []];
  for (let r = 0; r < 41; r++) {
    const t = [0, 0];
    for (const x of files) {
      for (let k = 0; k < 2; k++) {
        const i = (r + k) % 2; // alternate which goes first
        const c0 = process.cpuUsage();
        fns[i](x.text);
        const c = process.cpuUsage(c0);
        t[i] += (c.user + c.system) / 1000;
      }
    }
    totals[0].push(t[0]);
    totals[1].push(t[1]);
    ratios.push(t[1] / t[0]);
  }
  const med = (a: number[]) => [...a].sort((x, y) => x - y)[a.length >> 1];
  console.log(
    `\n${runtime}: transform of ${files.length} modules (${kb.toFixed(0)} KB), CPU ms per round ` +
      `(median of 41): ${against} ${med(totals[0]).toFixed(1)}, this ${
        med(totals[1]).toFixed(1)
      }, ` +
      `this/that ${med(ratios).toFixed(3)}`,
  );
}
