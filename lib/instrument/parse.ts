/**
 * Parsing for the transform: a module first (unless told), else a sloppy-mode script with
 * top-level `return` (CommonJS) and Annex B syntax.
 *
 * @module
 */

import { type ESTree, parseModule, parseScript } from "meriyah";
import type { InstrumentOptions } from "./options.ts";

/** The source could not be parsed. */
export class InstrumentError extends Error {}

/** Parses a program, as a module first unless told otherwise. */
export function parse(
  source: string,
  options: InstrumentOptions,
): { program: ESTree.Program; sourceType: "module" | "script" } {
  const common = { ranges: true, next: true, jsx: options.jsx === true };
  let firstError: unknown;
  if (options.sourceType !== "script") {
    try {
      return { program: parseModule(source, common), sourceType: "module" };
    } catch (e) {
      firstError = e;
      if (options.sourceType === "module") {
        throw new InstrumentError(`cannot parse module: ${(e as Error).message}`);
      }
    }
  }
  try {
    const program = parseScript(source, { ...common, globalReturn: true, webcompat: true });
    return { program, sourceType: "script" };
  } catch (e) {
    throw new InstrumentError(`cannot parse: ${((firstError ?? e) as Error).message}`);
  }
}
