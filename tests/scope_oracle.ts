// The scope model checked against eslint-scope (a test-only oracle): a deterministic corpus of
// real ES modules (packages in node_modules, and lib/ with its types stripped), and, for every
// function, class and method in it, the free variables `analyze` finds beside the references
// eslint-scope lets through the function's scope. Used by tests/scope_analysis_test.ts and
// bench/scope_analysis.ts.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { type ESTree, parseModule } from "meriyah";
import { AnalysisError, analyze } from "../lib/code/analyze.ts";
import { capturedNames } from "../lib/instrument/instrument.ts";

export const ROOT = fileURLToPath(new URL("..", import.meta.url));

/** One module of the corpus: its path (relative to the root) and its JavaScript text. */
export interface CorpusFile {
  readonly path: string;
  readonly text: string;
}

/** Packages whose ES modules are sampled (sorted; runtimes and type packages excluded). */
const PACKAGES = [
  "cbor-x",
  "date-fns",
  "devalue",
  "eslint-scope",
  "fast-check",
  "lodash-es",
  "meriyah",
  "msgpackr",
  "nanoid",
  "seroval",
  "valibot",
];
/** At most this many files, and this many bytes, per package. */
const FILES_PER_PACKAGE = 8;
const BYTES_PER_PACKAGE = 40_000;

function listFiles(dir: string, out: string[] = []): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir).sort();
  } catch {
    return out;
  }
  for (const name of entries) {
    if (name === "node_modules" || name.startsWith(".")) continue;
    const p = join(dir, name);
    const st = statSync(p);
    if (st.isDirectory()) listFiles(p, out);
    else out.push(p);
  }
  return out;
}

const ESM_SYNTAX = /^\s*(?:import\s*[\w{*"'$]|export\s+(?:[\w{*$]|default\b))/m;

/**
 * ES module files of the packages: `.js`/`.mjs` files (not minified) with import/export
 * syntax, spread evenly over each package's sorted file list up to the per-package bounds.
 */
export function packageCorpus(): CorpusFile[] {
  const out: CorpusFile[] = [];
  for (const pkg of PACKAGES) {
    const dir = join(ROOT, "node_modules", pkg);
    const files = listFiles(dir).filter((p) => /\.m?js$/.test(p) && !/\.min\.m?js$/.test(p));
    const esm: string[] = [];
    for (const p of files) {
      const text = readFileSync(p, "utf8");
      if (ESM_SYNTAX.test(text) && !/\.umd\./.test(p)) esm.push(p);
    }
    const stride = Math.max(1, Math.floor(esm.length / FILES_PER_PACKAGE));
    let bytes = 0;
    let count = 0;
    for (let i = 0; i < esm.length && count < FILES_PER_PACKAGE; i += stride) {
      const text = readFileSync(esm[i], "utf8");
      if (bytes + text.length > BYTES_PER_PACKAGE) continue;
      bytes += text.length;
      count++;
      out.push({ path: relative(ROOT, esm[i]), text });
    }
  }
  return out;
}

/** Strips TypeScript types with what the runtime has: Bun.Transpiler, or node:module's. */
export async function typeStripper(): Promise<((ts: string) => string) | undefined> {
  const bun = (globalThis as { Bun?: { Transpiler: new (o: object) => Transpiler } }).Bun;
  if (bun !== undefined) {
    const t = new bun.Transpiler({ loader: "ts" });
    return (ts) => t.transformSync(ts);
  }
  const mod = await import("node:module") as {
    stripTypeScriptTypes?: (s: string, o: { mode: string }) => string;
  };
  const strip = mod.stripTypeScriptTypes;
  return typeof strip === "function" ? (ts) => strip(ts, { mode: "transform" }) : undefined;
}

interface Transpiler {
  transformSync(s: string): string;
}

/** The library's own modules (lib/), types stripped. */
export function libCorpus(strip: (ts: string) => string): CorpusFile[] {
  const out: CorpusFile[] = [];
  for (const p of listFiles(join(ROOT, "lib"))) {
    if (!p.endsWith(".ts")) continue;
    out.push({ path: relative(ROOT, p), text: strip(readFileSync(p, "utf8")) });
  }
  return out;
}

type Ranged = ESTree.Node & { start: number; end: number };

/** A function, class or method of a module: its source text (as `toString` gives it). */
export interface FunctionSite {
  readonly path: string;
  /** The node whose scope eslint-scope is asked about. */
  readonly node: ESTree.Node;
  readonly source: string;
  /** A name its own source declares (function declarations): not free in `analyze`. */
  readonly ownName: string | undefined;
}

const KEYS_SKIPPED = new Set(["type", "start", "end", "range", "loc", "raw"]);

/** Every function, class and method of `program`, with its source text. */
export function functionSites(path: string, text: string, program: ESTree.Program): FunctionSite[] {
  const out: FunctionSite[] = [];
  const visit = (node: Ranged, parent: Ranged | undefined): void => {
    switch (node.type) {
      case "FunctionDeclaration":
      case "FunctionExpression":
      case "ArrowFunctionExpression":
      case "ClassDeclaration":
      case "ClassExpression": {
        let source = text.slice(node.start, node.end);
        const member = parent !== undefined &&
          ((parent.type === "Property" && (parent.method || parent.kind !== "init")) ||
            parent.type === "MethodDefinition");
        if (member) {
          source = text.slice(parent.start, parent.end);
          if (parent.type === "MethodDefinition" && parent.static) {
            source = source.replace(/^static\s*/, "");
          }
        }
        // Constructors are not values of their own: their class is (and `super()` parses only
        // in one).
        if (parent?.type === "MethodDefinition" && parent.kind === "constructor") break;
        const ownName = node.type === "FunctionDeclaration" || node.type === "ClassDeclaration"
          ? node.id?.name
          : undefined;
        out.push({ path, node, source, ownName });
        break;
      }
    }
    const n = node as unknown as Record<string, unknown>;
    for (const key in n) {
      if (KEYS_SKIPPED.has(key)) continue;
      const v = n[key];
      if (Array.isArray(v)) {
        for (const c of v) if (c && typeof c.type === "string") visit(c, node);
      } else if (v && typeof (v as Ranged).type === "string") {
        visit(v as Ranged, node);
      }
    }
  };
  visit(program as Ranged, undefined);
  return out;
}

/** eslint-scope's module (imported lazily: its cost is measured by the bench). */
// deno-lint-ignore no-explicit-any
export type EslintScope = any;

/** Parses a module for both analyzers (meriyah, with ranges, as the library parses). */
export function parseForOracle(text: string): ESTree.Program {
  return parseModule(text, { next: true, ranges: true, loc: false });
}

/** eslint-scope's scope manager for a module. */
export function eslintScopes(eslintScope: EslintScope, program: ESTree.Program): EslintScope {
  return eslintScope.analyze(program, {
    ecmaVersion: 2025,
    sourceType: "module",
    fallback: "iteration",
  });
}

/** The names eslint-scope lets through the outermost scope of `node` (minus `ownName`). */
export function eslintFree(manager: EslintScope, site: FunctionSite): Set<string> {
  const scope = manager.acquireAll(site.node)?.[0];
  const out = new Set<string>();
  if (!scope) return out;
  for (const ref of scope.through) out.add(ref.identifier.name);
  if (site.ownName !== undefined) out.delete(site.ownName);
  return out;
}

/** One function where the two analyses disagree. */
export interface Disagreement {
  readonly path: string;
  readonly source: string;
  /** Names only `analyze` reports free. */
  readonly onlyOurs: string[];
  /** Names only eslint-scope lets through. */
  readonly onlyOracle: string[];
}

/** What comparing a corpus found. */
export interface OracleResult {
  files: number;
  bytes: number;
  functions: number;
  /** Functions `analyze` refuses (AnalysisError), by message. */
  refused: Map<string, number>;
  disagreements: Disagreement[];
}

function emptyResult(): OracleResult {
  return { files: 0, bytes: 0, functions: 0, refused: new Map(), disagreements: [] };
}

/** Parses a corpus file and runs eslint-scope on it; counts it in `result`. */
function analyzeFile(
  eslintScope: EslintScope,
  f: CorpusFile,
  result: OracleResult,
): { program: ESTree.Program; manager: EslintScope } {
  const program = parseForOracle(f.text);
  result.files++;
  result.bytes += f.text.length;
  return { program, manager: eslintScopes(eslintScope, program) };
}

/** Compares `analyze` with eslint-scope on every function of `files`. */
export function compareCorpus(
  eslintScope: EslintScope,
  files: readonly CorpusFile[],
): OracleResult {
  const result: OracleResult = {
    files: 0,
    bytes: 0,
    functions: 0,
    refused: new Map(),
    disagreements: [],
  };
  for (const f of files) {
    const program = parseForOracle(f.text);
    const manager = eslintScopes(eslintScope, program);
    result.files++;
    result.bytes += f.text.length;
    for (const site of functionSites(f.path, f.text, program)) {
      result.functions++;
      let ours: Set<string>;
      try {
        ours = new Set(analyze(site.source).free);
      } catch (e) {
        if (!(e instanceof AnalysisError)) throw e;
        result.refused.set(e.message, (result.refused.get(e.message) ?? 0) + 1);
        continue;
      }
      const theirs = eslintFree(manager, site);
      const onlyOurs = [...ours].filter((n) => !theirs.has(n));
      const onlyOracle = [...theirs].filter((n) => !ours.has(n));
      if (onlyOurs.length > 0 || onlyOracle.length > 0) {
        result.disagreements.push({ path: f.path, source: site.source, onlyOurs, onlyOracle });
      }
    }
  }
  return result;
}

/**
 * Compares the transform's captured variables (module variables a function or class uses from
 * outside) with eslint-scope's references through the same node's scope that resolve to a
 * variable (`arguments` excepted: the transform never captures it).
 */
export function compareTransform(
  eslintScope: EslintScope,
  files: readonly CorpusFile[],
): OracleResult {
  const result = emptyResult();
  for (const f of files) {
    const { program, manager } = analyzeFile(eslintScope, f, result);
    const byRange = new Map<string, ESTree.Node>();
    for (const site of functionSites(f.path, f.text, program)) {
      const n = site.node as Ranged;
      byRange.set(`${n.start}:${n.end}`, n);
    }
    for (const c of capturedNames(f.text, { sourceType: "module" })) {
      const node = byRange.get(`${c.start}:${c.end}`);
      if (node === undefined) continue; // a constructor
      result.functions++;
      const scope = manager.acquireAll(node)?.[0];
      const theirs = new Set<string>();
      for (const ref of scope?.through ?? []) {
        if (ref.resolved !== null && ref.identifier.name !== "arguments") {
          theirs.add(ref.identifier.name);
        }
      }
      const ours = new Set(c.names);
      const onlyOurs = [...ours].filter((n) => !theirs.has(n));
      const onlyOracle = [...theirs].filter((n) => !ours.has(n));
      if (onlyOurs.length > 0 || onlyOracle.length > 0) {
        const source = f.text.slice(c.start, c.end);
        result.disagreements.push({ path: f.path, source, onlyOurs, onlyOracle });
      }
    }
  }
  return result;
}
