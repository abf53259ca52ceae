/**
 * Positions in the source text that the AST does not give: after trivia, after a brace, after
 * an arrow's `=>`, where an anonymous function's name goes.
 *
 * @module
 */

import { InstrumentError } from "./parse.ts";
import type { ESTree } from "meriyah";

/** Skips whitespace and comments from `i`. */
export function skipTrivia(src: string, i: number): number {
  for (;;) {
    const c = src.charCodeAt(i);
    if (c === 47 /* / */ && src.charCodeAt(i + 1) === 47) {
      while (i < src.length && !/[\n\r\u2028\u2029]/.test(src[i])) i++;
    } else if (c === 47 && src.charCodeAt(i + 1) === 42 /* * */) {
      const end = src.indexOf("*/", i + 2);
      i = end < 0 ? src.length : end + 2;
    } else if (i < src.length && /\s/.test(src[i])) {
      i++;
    } else {
      return i;
    }
  }
}

/** The position right after the next `{` (skipping trivia) from `i`. */
export function indexAfterBrace(src: string, i: number): number {
  i = skipTrivia(src, i);
  return src[i] === "{" ? i + 1 : -1;
}

/** The position right after an arrow function's `=>`. */
export function arrowBodyStart(src: string, arrow: ESTree.ArrowFunctionExpression): number {
  const params = arrow.params;
  let i = params.length > 0 ? params[params.length - 1].end! : arrow.start!;
  for (;;) {
    i = skipTrivia(src, i);
    if (src.startsWith("=>", i)) return i + 2;
    if (i >= src.length) throw new InstrumentError("arrow without =>");
    i++;
  }
}

/** Where the name goes in an anonymous `function (…)` / `async function* (…)`. */
export function functionNamePosition(src: string, fn: ESTree.FunctionDeclaration): number {
  let i = src.indexOf("function", fn.start!) + "function".length;
  if (fn.generator) {
    i = skipTrivia(src, i);
    if (src[i] === "*") i++;
  }
  return i;
}
