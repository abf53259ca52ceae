/**
 * Relative `import()` in code pickled by value. At home, `import("./helper.ts")` inside a
 * function resolves against the module that defined the function; code rebuilt by `loads`
 * has no module of its own. So a pickled function's `import(spec)` is written as
 * `import(<resolver>(base, spec))`, where `base` is the portable name of the defining module
 * (`./src/jobs.ts`, see module_names.ts) and the resolver, an inline arrow with no free
 * variables but globals, turns a relative `spec` into a URL against that module: for a
 * root-relative base, the module at that path under the loading side's working directory.
 * Bare specifiers and URLs pass through unchanged.
 *
 * The Bun preload writes the same form at load time with the module's file URL as base, so
 * that functions need not be located; the pickler makes that base portable.
 *
 * @module
 */

import { parseScript } from "meriyah";

/**
 * The resolver written before a rewritten `import()`'s argument: `(<RESOLVER>"base",spec))`.
 * It has no line breaks, so line numbers of instrumented code stay as they were.
 */
export const RESOLVER = '((b,s)=>typeof s!=="string"||!/^\\.\\.?\\//.test(s)?s:new URL(s,' +
  '/^\\.\\//.test(b)?new URL(b,"file://"+process.cwd().split("/").map(encodeURIComponent)' +
  '.join("/")+"/"):b).href)(';

/** Whether `source` may hold a dynamic `import()` (cheap pre-check). */
export function mayImport(source: string): boolean {
  return source.includes("import") && /\bimport\s*\(/.test(source);
}

interface Site {
  /** Offsets in the function source of the argument of one `import()`. */
  start: number;
  end: number;
  /** The argument is a relative string literal. */
  relative: boolean;
  /** Where a base was written already (by the preload or a previous pickle). */
  base?: { start: number; end: number; value: string };
}

/** What a function's `import()` calls need. */
export interface ImportSites {
  sites: Site[];
  /** Some call has no base yet and may be relative (a relative literal or an expression). */
  needsBase: boolean;
  /** Some call has a relative literal and no base: without one it would load wrong. */
  needsBaseStrictly: boolean;
}

interface Node {
  type: string;
  start: number;
  end: number;
  [key: string]: unknown;
}

const cache = new Map<string, ImportSites | null>();
const CACHE_MAX = 2_000;

/** The `import()` calls of a function's source, or undefined when it has none. */
export function importSites(source: string): ImportSites | undefined {
  let known = cache.get(source);
  if (known === undefined) {
    known = findSites(source) ?? null;
    if (cache.size >= CACHE_MAX) cache.clear();
    cache.set(source, known);
  }
  return known ?? undefined;
}

const WRAPS: ReadonlyArray<[string, string]> = [["(", ")"], ["({", "})"], ["(class{", "})"]];

function findSites(source: string): ImportSites | undefined {
  if (!mayImport(source)) return undefined;
  for (const [open, close] of WRAPS) {
    let program: Node;
    try {
      program = parseScript(open + source + close, { next: true, ranges: true }) as unknown as Node;
    } catch {
      continue;
    }
    const sites: Site[] = [];
    collect(program, open.length, source, sites);
    if (sites.length === 0) return undefined;
    const bare = sites.filter((s) => s.base === undefined);
    return {
      sites,
      needsBase: bare.some((s) => s.relative || !isLiteral(source, s)),
      needsBaseStrictly: bare.some((s) => s.relative),
    };
  }
  return undefined;
}

function isLiteral(source: string, s: Site): boolean {
  return /^["']/.test(source.slice(s.start, s.end));
}

function collect(node: Node, shift: number, source: string, out: Site[]): void {
  const stack: Node[] = [node];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (n.type === "ImportExpression") {
      const arg = n.source as Node;
      const start = arg.start - shift;
      const end = arg.end - shift;
      out.push(site(source, start, end, arg));
    }
    for (const key in n) {
      if (key === "type" || key === "start" || key === "end" || key === "range") continue;
      const v = n[key];
      if (Array.isArray(v)) {
        for (let i = v.length - 1; i >= 0; i--) if (isNode(v[i])) stack.push(v[i]);
      } else if (isNode(v)) stack.push(v);
    }
  }
  out.sort((a, b) => a.start - b.start);
}

function site(source: string, start: number, end: number, arg: Node): Site {
  if (isResolverCall(source, arg, start - arg.start)) {
    const [b, s] = arg.arguments as Node[];
    if (b?.type === "Literal" && typeof b.value === "string") {
      const inner = s === undefined ? "" : (s.type === "Literal" ? String(s.value) : "");
      return {
        start,
        end,
        relative: /^\.\.?\//.test(inner),
        base: {
          start: b.start - (arg.start - start),
          end: b.end - (arg.start - start),
          value: b.value,
        },
      };
    }
  }
  const relative = arg.type === "Literal" && typeof arg.value === "string" &&
    /^\.\.?\//.test(arg.value);
  return { start, end, relative };
}

/**
 * Whether `arg` is a resolver call (written by the preload or a previous pickle, maybe
 * reformatted by the runtime): an inline two-parameter arrow that reads the working directory,
 * called with a string literal first.
 */
function isResolverCall(source: string, arg: Node, delta: number): boolean {
  if (arg.type !== "CallExpression") return false;
  const callee = arg.callee as Node;
  if (callee.type !== "ArrowFunctionExpression" || (callee.params as Node[]).length !== 2) {
    return false;
  }
  const text = source.slice(callee.start + delta, callee.end + delta);
  return text.includes("process.cwd()") && text.includes("encodeURIComponent");
}

function isNode(v: unknown): v is Node {
  return v !== null && typeof v === "object" && typeof (v as Node).type === "string";
}

/**
 * `source` with every `import()` resolving against the module `base` (a portable name or
 * a URL): calls without a base get the resolver, and bases written already are replaced by
 * `portable(base)` (the preload writes file URLs).
 */
export function withImportBase(
  source: string,
  sites: ImportSites,
  base: string | undefined,
  portable: (url: string) => string | undefined,
): string {
  let out = "";
  let last = 0;
  for (const s of sites.sites) {
    if (s.start < last) continue; // an import() inside another's argument
    if (s.base !== undefined) {
      const name = portable(s.base.value) ?? s.base.value;
      out += source.slice(last, s.base.start) + JSON.stringify(name);
      last = s.base.end;
    } else if (base !== undefined) {
      out += source.slice(last, s.start) + RESOLVER + JSON.stringify(base) + "," +
        source.slice(s.start, s.end) + ")";
      last = s.end;
    }
  }
  return out + source.slice(last);
}
