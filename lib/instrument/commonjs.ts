/**
 * The Bun preload's transform of CommonJS files: Bun evaluates whatever an `onLoad` returns as
 * an ES module (oven-sh/bun#39786), but it honours `Module._extensions` for `require`, and
 * `module._compile` compiles a changed source there. A CommonJS file is instrumented as the body
 * of a function of the CommonJS parameters (its top-level variables are that function's, not
 * globals), and the compiled module calls it with its own.
 *
 * @module
 */

import { instrument } from "./instrument.ts";

/** The function a CommonJS file's code is instrumented in. */
const WRAPPER = "$cp$cjs";
const HEAD = `function ${WRAPPER}(exports, require, module, __filename, __dirname) {`;

/**
 * The instrumented code of CommonJS source `source` for `module._compile`, or null when it
 * creates no closure to record. Throws (InstrumentError) when the source does not parse.
 */
export function instrumentCommonJs(source: string): string | null {
  // A hashbang line is a comment to the function around it.
  const text = source.startsWith("#!") ? `//${source.slice(2)}` : source;
  const result = instrument(`${HEAD}${text}\n}`, { sourceType: "script" });
  if (result.sites === 0) return null;
  return `${result.code}\nreturn ${WRAPPER}.call(this, exports, require, module, __filename, __dirname);\n`;
}
