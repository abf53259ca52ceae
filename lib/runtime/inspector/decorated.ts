/**
 * Whether a class's script decorates it with TypeScript's legacy decorators (see
 * lib/code/decorated.ts), read on V8 through the inspector: the script's text, parsed once per
 * script, names the classes its top-level decoration calls target.
 *
 * @module
 */

import { parseModule, parseScript } from "meriyah";
import { withInspector } from "./session.ts";
import { functionScript, scriptSource } from "./script_of.ts";
import { legacyDecoratedNames } from "../../code/decorated.ts";

/** Per script id: the names its decoration calls target (empty: none, or it does not parse). */
const byScript = new Map<string, Set<string>>();
const SCRIPTS_MAX = 64;

/** True when class `cls` is decorated by the legacy decoration calls of its own script. */
export function decoratedInScriptNow(cls: object): boolean {
  const name = (cls as { name?: unknown }).name;
  if (typeof name !== "string" || name === "") return false;
  return withInspector(({ call }) => {
    try {
      const at = functionScript(call, cls);
      if (at === undefined) return false;
      let names = byScript.get(at.scriptId);
      if (names === undefined) {
        names = namesIn(scriptSource(call, at.scriptId));
        if (byScript.size >= SCRIPTS_MAX) byScript.clear();
        byScript.set(at.scriptId, names);
      }
      return names.has(name);
    } catch {
      return false;
    }
  });
}

function namesIn(source: string | undefined): Set<string> {
  // (A cheap test first: most scripts decorate nothing.)
  if (source === undefined || !/_decorate|DecorateClassTS/.test(source)) return new Set();
  for (const parse of [parseModule, parseScript]) {
    try {
      return legacyDecoratedNames(parse(source, { next: true }) as { body: unknown[] });
    } catch {
      // Next way.
    }
  }
  return new Set();
}
