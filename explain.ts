/**
 * What a pickle captures and why: {@linkcode explain} pickles a value as `dumps` does and
 * reports, as plain data and as a text tree ({@linkcode formatExplanation}), every function
 * and class and whether it goes by value or by reference and why, every captured variable
 * with the bytes it takes, shared scopes, out-of-band buffers, the module table and the
 * largest contributors: why a closure pulled in a huge object, in one look.
 *
 * @example Explain a closure
 * ```ts
 * import { explain, formatExplanation } from "@cloudpickle/cloudpickle/explain";
 * import assert from "node:assert/strict";
 *
 * const big = new Array(10_000).fill(1);
 * const factor = 3;
 * const task = (i: number) => big[i] * factor;
 *
 * const report = await explain({ task, max: Math.max });
 * assert.equal(report.functions.length, 2);
 * assert.equal(report.functions[1].export, "Math.max");
 * assert.equal(report.largest[0].name, "big");
 * console.log(formatExplanation(report));
 * ```
 *
 * @module
 */

export { explain } from "./lib/explain/explain.ts";
export { formatBytes, formatExplanation } from "./lib/explain/format.ts";
export type {
  CaptureSource,
  Contributor,
  ExplainedBuffer,
  ExplainedFunction,
  ExplainedModule,
  ExplainedScope,
  ExplainNode,
  ExplainOptions,
  Explanation,
  NodeKind,
  Reason,
  Travel,
} from "./lib/explain/types.ts";
export type { DumpOptions } from "./lib/pickle/options.ts";
