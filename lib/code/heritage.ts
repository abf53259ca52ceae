/**
 * Classes whose `extends` clause is an expression (`extends mixin(Base)`, `extends (flag ? A :
 * B)`): the expression ran once, where the class was defined, and its value is the class's
 * parent. The class travels with that expression replaced by a captured variable
 * ({@linkcode PARENT}) holding the parent, as `extends Parent` does, so the names the expression
 * read (which the runtime may not keep: they were needed only then) need not be read, and it
 * does not run again on load.
 *
 * @module
 */

import { type Analysis, analyze } from "./analyze.ts";

/** The captured variable that stands for a class's `extends` expression. */
export const PARENT = "$cpParent";

const rewritten = new WeakMap<object, { source: string; an: Analysis }>();

/** Class `cls` (source `source`, analysis `an` with `heritageAt`) extending {@linkcode PARENT}. */
export function withParentVariable(
  cls: object,
  source: string,
  an: Analysis,
): { source: string; an: Analysis } {
  let r = rewritten.get(cls);
  if (r === undefined) {
    const [start, end] = an.heritageAt!;
    r = { source, an };
    if (!source.includes(PARENT)) {
      const text = source.slice(0, start) + PARENT + source.slice(end);
      const again = analyze(text);
      if (again.heritage === PARENT) r = { source: text, an: again };
    }
    rewritten.set(cls, r);
  }
  return r;
}
