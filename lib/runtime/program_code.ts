/**
 * Whether a function is known to be the program's own code rather than the runtime's: the
 * question that spares the first pickling of a closure the tables of built-ins (every
 * `globalThis` path, every `node:` module's exports: 20-90 ms to build), which only the
 * runtime's functions can be found in. Known from the Bun preload's instrumentation (a
 * function stamped with a scope record), or on V8 from the URL of the script that defined it
 * (`inspector/locate.ts`). Unknown is not "no": the caller then looks in the tables.
 *
 * @module
 */

import { recordOf } from "./instrumented.ts";
import { isV8 } from "../host.ts";
import { inspectorUsableSilently } from "./inspector/session.ts";
import { definedByProgram, definedInEntry } from "./inspector/locate.ts";

/** The inspector may locate functions here without asking. */
function canLocate(): boolean {
  return isV8() && inspectorUsableSilently();
}

/** Whether `fn` is known to be defined by the program's code (instrumented, or located). */
export function programFunction(fn: object): boolean {
  if (typeof fn !== "function") return false;
  if (recordOf(fn) !== undefined) return true;
  return canLocate() && definedByProgram(fn);
}

/** Whether `fn` is known to be defined by the entry module's code (V8: located). */
export function entryFunction(fn: object): boolean {
  return typeof fn === "function" && canLocate() && definedInEntry(fn);
}
