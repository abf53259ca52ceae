/**
 * Classes decorated with TypeScript's legacy decorators (`experimentalDecorators`, as
 * class-transformer, TypeORM and NestJS use them). The compilers emit the decorations as calls
 * after the class, in the module's code (`__legacyDecorateClassTS([...], User.prototype, "name")`
 * on Bun, `_ts_decorate(...)` on Deno, `__decorate(...)` from tsc), so the class's own source
 * shows none of them, and what they registered (in a package's tables, keyed by the class)
 * would not follow a class pickled by value: it is refused, as standard decorators are. Found
 * by the module's text: Bun's preload marks the classes it sees decorated
 * ({@linkcode markDecorated}); on Deno the inspector gives the text of the class's script.
 *
 * @module
 */

import { sharedSlot } from "../runtime/shared_slot.ts";

/** Names of the helpers the compilers call to apply legacy decorators. */
const LEGACY_DECORATE = /^(?:__legacyDecorateClassTS|_ts_decorate|__decorate)(?:_[0-9a-z]+)?$/;

/** The global Bun's preload calls at the end of a module with the classes it decorated. */
export const MARK_DECORATED = "$cp$decorated";

interface Node {
  type: string;
  [field: string]: unknown;
}

/**
 * The names of the classes a program's top-level statements decorate with legacy decorators:
 * `helper([...], X)` or `helper([...], X.prototype, key, …)`, alone or assigned (`X = helper(…)`).
 */
export function legacyDecoratedNames(program: { body: readonly unknown[] }): Set<string> {
  return new Set(legacyDecorations(program).map((d) => d.name));
}

/** Each top-level legacy decoration statement: the class it decorates, where it ends. */
export function legacyDecorations(
  program: { body: readonly unknown[] },
): { name: string; end: number }[] {
  const out: { name: string; end: number }[] = [];
  for (const st of program.body as Node[]) {
    if (st.type !== "ExpressionStatement") continue;
    let e = st.expression as Node;
    if (e.type === "AssignmentExpression") e = e.right as Node;
    const callee = e.callee as Node | undefined;
    if (e.type !== "CallExpression" || callee?.type !== "Identifier") continue;
    if (!LEGACY_DECORATE.test(callee.name as string)) continue;
    let target = (e.arguments as Node[])[1];
    if (
      target?.type === "MemberExpression" && !target.computed &&
      (target.property as Node).name === "prototype"
    ) target = target.object as Node;
    if (target?.type === "Identifier") {
      out.push({ name: target.name as string, end: st.end as number });
    }
  }
  return out;
}

/** Remembers classes decorated with legacy decorators (the Bun preload's transform calls it). */
export function markDecorated(...classes: unknown[]): void {
  const slot = sharedSlot();
  const set = slot.decorated ??= new WeakSet();
  for (const c of classes) if (typeof c === "function") set.add(c);
}

/** Whether the Bun preload saw class `cls` decorated with legacy decorators. */
export function markedDecorated(cls: object): boolean {
  return sharedSlot().decorated?.has(cls) === true;
}
