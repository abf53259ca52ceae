/**
 * Which variables closures capture: resolves every reference of the walk through the shared
 * scope model, records each variable a function or class uses from outside on its site, and
 * chooses the scope whose record exposes it.
 *
 * @module
 */

import { declaringScopeOnPath } from "../code/scope/resolve.ts";
import type { InstrumentScope, Walk } from "./walk_state.ts";

/** Resolves references: which variables closures capture, and where they are recorded. */
export function resolveCaptures(w: Walk): void {
  const path: InstrumentScope[] = [];
  for (const { name, scope, write } of w.refs) {
    const s = declaringScopeOnPath(name, scope, path);
    if (s === null) {
      if (name === "module" || name === "exports" || name === "require") {
        w.usesCommonJs = true;
      }
      continue; // a global
    }
    const decl = s.bindings.get(name)!;
    if (write) decl.writes++;
    let crossed = false;
    for (const p of path) {
      if (!p.boundary) continue;
      crossed = true;
      if (p.site !== null && !p.site.free.has(name)) p.site.free.set(name, s);
    }
    if (!crossed) continue;
    // A function of a class body reads the name the class binds inside it.
    if (s.kind === "Class" && s.site !== null) s.site.ownName = true;
    if (s.recordable) {
      s.hosted.set(name, decl);
      continue;
    }
    // Declared in a head (parameters, loop head, catch parameter, class): recorded by the
    // outermost recordable scope under it on the way to the reference, if a closure nested
    // in that scope uses it (the closure right in the head gets an inline record instead).
    for (let i = path.length - 1; i >= 0; i--) {
      if (!path[i].recordable) continue;
      for (let j = 0; j < i; j++) {
        if (path[j].boundary) {
          path[i].hosted.set(name, decl);
          break;
        }
      }
      break;
    }
  }
}
