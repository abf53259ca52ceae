/**
 * Cost of the scope analysis against eslint-scope (the analyzer tests/scope_analysis_test.ts
 * uses as an oracle), to decide whether adopting it would pay:
 *
 * - per call: the free variables of one function's source, on the same meriyah AST (the scope
 *   walk alone), and with the parse (meriyah + our walk, against meriyah + eslint-scope),
 *   over the functions of the package corpus of the oracle test;
 * - at import: importing eslint-scope (after meriyah, which both need, and a first TypeScript
 *   module) against importing the scope model and `analyze`, in fresh processes (median of 7).
 *
 *   node_modules/.bin/deno run -A bench/scope_analysis.ts
 *   node_modules/.bin/bun bench/scope_analysis.ts
 *
 * @module
 */

import process from "node:process";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { type ESTree, parseScript } from "meriyah";

const self = fileURLToPath(import.meta.url);
const root = fileURLToPath(new URL("..", import.meta.url));
const runtime = (globalThis as { Bun?: unknown }).Bun !== undefined ? "Bun" : "Deno";

// ---------------------------------------------------------------- import cost (child mode)

const mode = process.argv[2];
if (mode === "--import-eslint" || mode === "--import-ours") {
  await import("meriyah");
  await import("./env.ts"); // a TypeScript module: Bun's transpiler is warm, as in a program
  const t0 = performance.now();
  if (mode === "--import-eslint") await import("eslint-scope");
  else await import("../lib/code/analyze.ts");
  console.log(JSON.stringify({ ms: performance.now() - t0 }));
  process.exit(0);
}

function importCost(which: "eslint" | "ours"): number {
  const args = runtime === "Bun" ? [self] : ["run", "-A", self];
  const times: number[] = [];
  for (let i = 0; i < 7; i++) {
    const r = spawnSync(process.execPath, [...args, `--import-${which}`], {
      cwd: root,
      encoding: "utf8",
      timeout: 60_000,
    });
    if (r.status !== 0) throw new Error(r.stderr);
    times.push(JSON.parse(r.stdout.trim().split("\n").pop()!).ms);
  }
  return median(times);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

// ---------------------------------------------------------------- per call

const { LexicalScope } = await import("../lib/code/scope/model.ts");
const { freeVariables, ReferenceCollector } = await import("../lib/code/scope/references.ts");
const { functionSites, packageCorpus, parseForOracle } = await import(
  "../tests/scope_oracle.ts"
);
type EslintScope = import("../tests/scope_oracle.ts").EslintScope;
// Typed loosely: eslint-scope's types are those of @types/estree, not meriyah's ESTree.
const eslintScope: EslintScope = await import("eslint-scope");

interface Sample {
  source: string;
  program: ESTree.Program;
  fn: ESTree.Node;
}

/** Function sources of the corpus that parse as `(source)`, with their AST. */
function samples(): Sample[] {
  const out: Sample[] = [];
  for (const f of packageCorpus()) {
    for (const site of functionSites(f.path, f.text, parseForOracle(f.text))) {
      let program: ESTree.Program;
      try {
        program = parseScript(`(${site.source})`, { next: true, ranges: true });
      } catch {
        continue; // methods: not needed for the comparison
      }
      const st = program.body[0];
      if (st?.type !== "ExpressionStatement") continue;
      out.push({ source: site.source, program, fn: st.expression });
      if (out.length === 400) return out;
    }
  }
  return out;
}

function oursWalk(s: Sample): number {
  const c = new ReferenceCollector();
  c.visit(s.fn, new LexicalScope("Function", null));
  return freeVariables(c.refs).free.length;
}

function eslintWalk(s: Sample): number {
  const manager = eslintScope.analyze(s.program, {
    ecmaVersion: 2025,
    sourceType: "script",
    fallback: "iteration",
  });
  return manager.acquireAll(s.fn)[0].through.length;
}

let unique = 0;
function oursWhole(s: Sample): number {
  // The parse and walk `analyze` does on a cache miss (`analyze` itself keeps every result:
  // timing it on ever new texts would time its cache filling up).
  const program = parseScript(`(${s.source}/*${unique++}*/)`, { next: true, ranges: true });
  const st = program.body[0] as ESTree.ExpressionStatement;
  const c = new ReferenceCollector();
  c.visit(st.expression, new LexicalScope("Function", null));
  return freeVariables(c.refs).free.length;
}

function eslintWhole(s: Sample): number {
  const program = parseScript(`(${s.source}/*${unique++}*/)`, { next: true, ranges: true });
  const st = program.body[0] as ESTree.ExpressionStatement;
  const manager = eslintScope.analyze(program, {
    ecmaVersion: 2025,
    sourceType: "script",
    fallback: "iteration",
  });
  return manager.acquireAll(st.expression)[0].through.length;
}

/**
 * Median time per call, µs, of each function over rounds of every sample: the functions are
 * interleaved (one round of each in turn, the first rotating) after three warm-up rounds.
 */
function perCall(list: Sample[], fs: ((s: Sample) => number)[]): number[] {
  let sink = 0;
  for (let w = 0; w < 3; w++) for (const f of fs) for (const s of list) sink += f(s);
  const rounds: number[][] = fs.map(() => []);
  for (let r = 0; r < 15; r++) {
    for (let k = 0; k < fs.length; k++) {
      const i = (r + k) % fs.length;
      const t0 = performance.now();
      for (const s of list) sink += fs[i](s);
      rounds[i].push((performance.now() - t0) * 1000 / list.length);
    }
  }
  if (sink < 0) console.log(sink);
  return rounds.map(median);
}

const list = samples();
const bytes = list.reduce((n, s) => n + s.source.length, 0);
console.log(
  `${runtime}: scope analysis per call, µs (median of 15 interleaved rounds over ${list.length} functions, ` +
    `${(bytes / list.length).toFixed(0)} chars on average)`,
);
const [walkOurs, walkEslint, wholeOurs, wholeEslint] = perCall(list, [
  oursWalk,
  eslintWalk,
  oursWhole,
  eslintWhole,
]);
const row = (name: string, a: number, b: number) =>
  console.log(
    `${name.padEnd(40)} ${a.toFixed(1).padStart(8)} ${b.toFixed(1).padStart(12)} ` +
      `${(b / a).toFixed(2).padStart(8)}x`,
  );
console.log(
  `${"".padEnd(40)} ${"ours".padStart(8)} ${"eslint-scope".padStart(12)} ${"ratio".padStart(9)}`,
);
row("scope walk on one AST", walkOurs, walkEslint);
row("parse + free variables", wholeOurs, wholeEslint);

console.log(`\n${runtime}: import cost, ms (fresh processes, median of 7, after meriyah)`);
const importOurs = importCost("ours");
const importEslint = importCost("eslint");
row("import", importOurs, importEslint);
