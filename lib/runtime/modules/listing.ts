/**
 * When the module table is brought up to date: the pickling calls' settling, and the checks
 * that spare a pickle a listing of modules where the runtime lists them only on demand (V8's
 * inspector: tens of milliseconds with the debugger on) — the entry module's functions, the
 * program's own code, and misses that no later listing could answer.
 *
 * @module
 */

import { refreshModules, runtimeSource } from "./table.ts";
import { entryFunction, programFunction } from "../program_code.ts";
import { isV8 } from "../../host.ts";
import type { Siblings } from "../adapter.ts";
import { learnStack, locatedOneByOne, scriptIdOf } from "../inspector/locate.ts";

/**
 * Waits for the runtime's pending module reports. With `eager` (`ready()`), also brings the
 * table up to date now, listing the modules where the runtime's source lists them only when
 * a lookup needs it (V8's inspector).
 */
export async function settleModules(eager = false): Promise<void> {
  // Called by the async forms with their caller on the stack: its module is learnt cheaply.
  learnStack();
  const s = runtimeSource();
  if (s !== undefined) await s.settle(eager || manyLocated());
  // Lookups refresh the table themselves: a pickle with no function to look up (or only
  // functions of the entry module) does without it.
  if (eager) refreshModules();
}

/**
 * True when function `fn` is known to be defined by the entry module while the modules have
 * not been listed (V8's inspector): it is pickled by value, so no lookup (and no listing,
 * tens of milliseconds on V8) is needed.
 */
export function inEntryUnlisted(fn: object): boolean {
  return runtimeSource()?.unlisted?.() === true && entryFunction(fn);
}

/** How many functions are located one by one before the modules are listed instead. */
const LOCATED_BEFORE_LISTING = 256;

/**
 * Whether the modules should be listed before the next walk: while they are unlisted, each
 * new function is located (about 0.1 ms on Deno); once a few hundred were, listing them (tens
 * of milliseconds, once) costs less than going on (a program making a closure per task), and a
 * function of a text located before then needs no inspector command. Asked when a pickling
 * call starts, so that no walk sees the table change.
 */
export function manyLocated(): boolean {
  return locatedOneByOne() >= LOCATED_BEFORE_LISTING && runtimeSource()?.unlisted?.() === true;
}

/**
 * Whether function `fn` is the program's code, as far as the modules' listing tells: where
 * the runtime's source lists modules only when a lookup needs it (V8's inspector), has not
 * yet, and `fn` is script code whose URL is unknown (a module the program imported, not the
 * entry), the modules are listed now. Its module's lookup would list them anyway, and the
 * URL then spares the tables of built-ins (20-90 ms) that only the runtime's code is in.
 */
export function programFunctionListed(fn: object): boolean {
  if (programFunction(fn)) return true;
  const s = runtimeSource();
  if (s?.unlisted?.() !== true || !locatedScript(fn)) return false;
  refreshModules();
  return programFunction(fn);
}

/**
 * Lists the loaded modules again where the runtime's source can tell that some of `values`
 * (functions and namespaces the table does not know) may come from modules loaded since;
 * resolves to whether the table changed (then the caller walks again). False at once when
 * nothing needs looking for.
 */
export function recheckModules(values: readonly object[]): Promise<boolean> | false {
  const s = runtimeSource();
  if (s?.recheck === undefined || values.length === 0) return false;
  const changed = s.recheck(values);
  return changed === false ? false : changed.then((c) => {
    if (c) refreshModules();
    return c;
  });
}

/**
 * Whether {@linkcode recheckModules} might find `value`, which a lookup of an async form
 * missed: false where the runtime lists no modules again, or can tell that none it has not
 * reported defines it (then the call needs no second walk).
 */
export function recheckMayFind(value: object, siblings?: Siblings): boolean {
  const s = runtimeSource();
  return s?.recheck !== undefined && (s.mayFind?.(value, siblings) ?? true);
}

/** Whether `fn` has a script (V8: JavaScript, not native code) the inspector can tell. */
function locatedScript(fn: object): boolean {
  return isV8() && scriptIdOf(fn) !== undefined;
}
