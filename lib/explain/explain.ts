/**
 * {@linkcode explain}: pickles a value as `dumps` does, with a recorder of the walk, and
 * reports what the pickle holds and why.
 *
 * @module
 */

import { dumpsObserved } from "../pickle/api.ts";
import type { DumpOptions } from "../pickle/options.ts";
import { asRoot, defaultRoot } from "../runtime/modules/names.ts";
import { Recorder } from "./recorder.ts";
import { buildExplanation, unexplained } from "./build.ts";
import { locate } from "./located.ts";
import type { ExplainOptions, Explanation } from "./types.ts";

/**
 * Explains what the pickle of `value` holds and why, as plain data (print it with
 * {@linkcode formatExplanation}, or `JSON.stringify` it): every function and class met, and
 * whether it goes by value or by reference and why (the entry module, the by-value registry,
 * the module or npm package that exports it, a built-in, `closure()`, a global defined by
 * user code); every captured variable with the bytes its value takes; the scopes several
 * functions share; the buffers `bufferCallback` keeps out of band; the module table; and
 * the largest contributors. The value is pickled with `dumps` and the same options, by the
 * same code: sizes are those of the pickle `dumps` makes, and nothing changes what `dumps`
 * makes afterwards.
 *
 * @example Why a closure is big
 * ```ts
 * import { explain } from "@cloudpickle/cloudpickle/explain";
 * import assert from "node:assert/strict";
 *
 * const weights = new Float64Array(4096);
 * const rate = 0.5;
 * const score = (i: number) => weights[i] * rate;
 *
 * const report = await explain(score);
 * const fn = report.root.children[0];
 * assert.equal(fn.kind, "function");
 * assert.equal(fn.travel, "value");
 * assert.equal(report.largest[0].name, "weights");
 * assert.ok(report.largest[0].selfBytes > 32768);
 * ```
 */
export async function explain(value: unknown, options?: ExplainOptions): Promise<Explanation> {
  const recorder = new Recorder();
  const opts: DumpOptions & { top?: number } = { ...options };
  delete opts.top;
  if (options?.bufferCallback !== undefined) {
    opts.bufferCallback = recorder.bufferCallback(options.bufferCallback);
  }
  const pickle = await dumpsObserved(value, opts, recorder);
  const root = options?.moduleRoot === undefined ? defaultRoot() : asRoot(options.moduleRoot);
  const where = await locate(unexplained(recorder));
  return buildExplanation(recorder, pickle, root, options?.top, where);
}
