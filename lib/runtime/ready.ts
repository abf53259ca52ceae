/**
 * {@linkcode ready}: resolves once the sync forms can do all they can on this runtime.
 *
 * @module
 */

import { settleModules } from "./modules/listing.ts";

/**
 * Resolves once the sync forms (`dumpsSync`, `Pickler.dumpsSync`) can read closures and
 * find the modules that export functions on this runtime. On Deno the library lists the
 * program's modules at its first use and receives their namespaces a turn of the event loop
 * later; until then `dumpsSync` refuses (with a `PicklingError` that says so) a function
 * whose module is still arriving. Awaiting `ready()` once, or any one turn of the event loop
 * after the first use, is enough. On Bun and elsewhere it resolves at once (on Bun it is
 * the preload, not waiting, that lets the sync forms read closures). It never rejects.
 *
 * @example
 * ```ts
 * import { dumpsSync, loadsSync, ready } from "@cloudpickle/cloudpickle";
 *
 * await ready();
 * const add = (a: number, b: number) => a + b;
 * console.log(loadsSync<typeof add>(dumpsSync(add))(2, 3)); // 5
 * ```
 */
export async function ready(): Promise<void> {
  try {
    await settleModules(true);
  } catch {
    // nothing more to wait for
  }
}
