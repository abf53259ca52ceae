/**
 * Whether an arrow function reads the `this` of an ES module's top level, on V8 with the
 * inspector. V8 shows an arrow's `this` nowhere, but where no function that binds `this`
 * encloses the arrow in its module's text (only arrows, or nothing), that `this` is the
 * module's: `undefined`. The arrow's `[[FunctionLocation]]` names its script and position;
 * the script's text (`Debugger.getScriptSource`) is parsed once, and the ranges of its
 * `this`-binding code (functions but arrows, class field initializers and static blocks) tell
 * the rest. Asked only for an arrow over `this` that nothing else could place.
 *
 * @module
 */

import { parseModule } from "meriyah";
import { withInspector } from "./session.ts";
import { functionScript, scriptSource } from "./script_of.ts";

/** A module's text as this needs it: where its lines start, and its `this`-binding code. */
interface ThisMap {
  readonly lines: number[];
  readonly binds: [number, number][];
}

/** Per script id (null: the text does not parse as a module). */
const maps = new Map<string, ThisMap | null>();
const MAPS_MAX = 64;

/** True when arrow `fn`, defined by an ES module, reads that module's top-level `this`. */
export function readsModuleThisNow(fn: object): boolean {
  return withInspector(({ call }) => {
    try {
      const at = functionScript(call, fn);
      // A function an ES module defines has a Module scope (see locate.ts outsideModules).
      if (at === undefined || at.scopes === "Scopes[1]") return false;
      let map = maps.get(at.scriptId);
      if (map === undefined) {
        const source = scriptSource(call, at.scriptId);
        map = source === undefined ? null : thisMap(source);
        if (maps.size >= MAPS_MAX) maps.clear();
        maps.set(at.scriptId, map);
      }
      const line = at.lineNumber;
      if (map === null || line >= map.lines.length) return false;
      const offset = map.lines[line] + at.columnNumber;
      return !map.binds.some(([s, e]) => s <= offset && offset < e);
    } catch {
      return false;
    }
  });
}

/** The `this` map of a module's text; null when it does not parse as a module. */
function thisMap(source: string): ThisMap | null {
  let ast: unknown;
  try {
    ast = parseModule(source, { ranges: true, next: true });
  } catch {
    return null;
  }
  const binds: [number, number][] = [];
  const visit = (node: unknown): void => {
    if (node === null || typeof node !== "object") return;
    if (Array.isArray(node)) {
      for (const n of node) visit(n);
      return;
    }
    const n = node as { type?: string; start?: number; end?: number; value?: unknown };
    if (
      (n.type === "FunctionDeclaration" || n.type === "FunctionExpression" ||
        n.type === "StaticBlock") && n.start !== undefined && n.end !== undefined
    ) binds.push([n.start, n.end]);
    else if (
      (n.type === "PropertyDefinition" || n.type === "AccessorProperty") &&
      isNode(n.value)
    ) {
      const v = n.value as { start?: number; end?: number };
      if (v.start !== undefined && v.end !== undefined) binds.push([v.start, v.end]);
    }
    for (const key in n) {
      if (key !== "type" && key !== "start" && key !== "end" && key !== "loc") {
        visit((n as Record<string, unknown>)[key]);
      }
    }
  };
  visit(ast);
  const lines = [0];
  for (let i = source.indexOf("\n"); i >= 0; i = source.indexOf("\n", i + 1)) lines.push(i + 1);
  return { lines, binds };
}

function isNode(v: unknown): boolean {
  return v !== null && typeof v === "object" && typeof (v as { type?: unknown }).type === "string";
}
