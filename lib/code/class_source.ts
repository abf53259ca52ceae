/**
 * The class source the loader evaluates: static field initializers and static blocks are
 * left out. Their results are in the pickle already (the class's own properties, its static
 * private values, and whatever state the blocks touched), so running them again would
 * count, register or allocate twice, and would need the data they read before it exists.
 * Only the `extends` clause and computed keys are evaluated with the class.
 *
 * @module
 */

import { parseScript } from "meriyah";

interface Node {
  type: string;
  start: number;
  end: number;
  static?: boolean;
  value?: Node | null;
  body?: Node | Node[];
}

const cache = new Map<string, string>();
const CACHE_MAX = 256;

/**
 * `source` (a class) with each static field initialized to `undefined` and each static
 * block emptied; the source itself when it has neither.
 */
export function withoutStaticInitializers(source: string): string {
  if (!source.includes("static")) return source;
  let out = cache.get(source);
  if (out !== undefined) return out;
  out = strip(source);
  if (cache.size >= CACHE_MAX) cache.clear();
  cache.set(source, out);
  return out;
}

function strip(source: string): string {
  const text = `(${source})`;
  const program = parseScript(text, { ranges: true, next: true }) as unknown as {
    body: { expression?: Node }[];
  };
  const cls = program.body[0]?.expression;
  if (cls === undefined || cls.type !== "ClassExpression") return source;
  const members = (cls.body as Node).body as Node[];
  // Edits as [start, end, replacement] in the source (1 less than in `text`).
  const edits: [number, number, string][] = [];
  for (const m of members) {
    if (m.type === "StaticBlock") {
      edits.push([m.start - 1, m.end - 1, "static{}"]);
    } else if (m.type === "PropertyDefinition" && m.static && m.value != null) {
      edits.push([m.value.start - 1, m.value.end - 1, "undefined"]);
    }
  }
  if (edits.length === 0) return source;
  let result = "";
  let at = 0;
  for (const [start, end, text] of edits) {
    result += source.slice(at, start) + text;
    at = end;
  }
  return result + source.slice(at);
}
