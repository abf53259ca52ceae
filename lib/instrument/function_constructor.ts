/**
 * Bun's preload: functions made by `new Function(…)` (or `Function(…)`) get scope records, as
 * the functions of instrumented modules do. Packages compile code so (zod 4's object schemas
 * once they have parsed, template engines, validators), and the closures that code returns
 * read the made function's parameters: without records Bun cannot show them to the pickler.
 *
 * The global `Function` (and `Function.prototype.constructor`) becomes a Proxy of the engine's
 * own: `name`, `length`, `prototype`, `instanceof`, `toString` answer as the engine's, and a
 * subclass (`class C extends Function`) constructs through the engine's, untouched. A call
 * makes the function with the engine's `Function` first (so a syntax error is the engine's
 * own), and when its source creates closures, evaluates the instrumented text of that source
 * at the global scope instead, as `Function` does. Instrumented texts are kept per source.
 *
 * @module
 */

import { instrument } from "./instrument.ts";
import { createsClosures } from "../code/loaded_instrument.ts";
import { NATIVE_FUNCTION_SLOT } from "../runtime/native_function.ts";

const fnToString = Function.prototype.toString;
const indirectEval = eval;
/** Source → instrumented text (null: evaluated as it is). */
const instrumented = new Map<string, string | null>();
const INSTRUMENTED_MAX = 512;

/** Puts the stand-in in place, once per realm. */
export function installFunctionConstructor(): void {
  const g = globalThis as { [NATIVE_FUNCTION_SLOT]?: FunctionConstructor; Function: unknown };
  if (g[NATIVE_FUNCTION_SLOT] !== undefined) return;
  const native = Function;
  g[NATIVE_FUNCTION_SLOT] = native;
  const standIn: FunctionConstructor = new Proxy(native, {
    apply: (target, _receiver, args) => make(target, args),
    construct: (target, args, newTarget) =>
      newTarget === standIn ? make(target, args) : Reflect.construct(target, args, newTarget),
  });
  g.Function = standIn;
  Object.defineProperty(native.prototype, "constructor", {
    value: standIn,
    writable: true,
    enumerable: false,
    configurable: true,
  });
}

function make(native: FunctionConstructor, args: unknown[]): unknown {
  const fn = Reflect.apply(native, undefined, args) as () => unknown;
  const source = fnToString.call(fn);
  let code = instrumented.get(source);
  if (code === undefined) {
    code = null;
    if (createsClosures(source)) {
      try {
        const result = instrument(`(${source})`, { sourceType: "script" });
        if (result.sites > 0) code = result.code;
      } catch {
        // Left as the engine made it (its closures are refused with the remedies).
      }
    }
    if (instrumented.size >= INSTRUMENTED_MAX) instrumented.clear();
    instrumented.set(source, code);
  }
  if (code === null) return fn;
  try {
    const made = indirectEval(code);
    return typeof made === "function" ? made : fn;
  } catch {
    return fn;
  }
}
