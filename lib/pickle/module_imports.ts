/**
 * The modules a pickle's module table names (see lib/format/module_table.ts, which writes and
 * reads the table), resolved to namespaces when it is loaded: from the modules loaded already
 * (sync forms) or by importing them (async forms).
 *
 * @module
 */

import type { ModuleTable } from "../format/module_table.ts";
import { UnpicklingError } from "../errors.ts";
import type { LoadOptions } from "./options.ts";
import { importNamespace, loadedNamespace } from "../runtime/modules/import.ts";
import { exportsOf } from "../runtime/modules/exports_scan.ts";

/** Modules the pickle refers to, as namespaces (sync), or a promise of them (async). */
export type ModuleResolver = (table: ModuleTable, root: string | undefined) => object[];

/**
 * The namespaces of the modules `table` names, from those loaded already (sync forms), or
 * from `importModule` when it answers at once.
 */
export function loadedModules(
  table: ModuleTable,
  root: string | undefined,
  importModule?: LoadOptions["importModule"],
): object[] {
  const out: object[] = [];
  for (let i = 0; i < table.specs.length; i++) {
    let ns = loadedNamespace(table.specs[i], root);
    if (ns === undefined && importModule !== undefined) {
      const got = importModule(table.specs[i]);
      if (got instanceof Promise) {
        got.catch(() => {});
        throw new UnpicklingError(
          `cannot load module '${table.specs[i]}' in the sync form: importModule returned a ` +
            "promise; use loads, which awaits it",
          table.offsets[i],
        );
      }
      if (got !== null && (typeof got === "object" || typeof got === "function")) ns = got;
    }
    if (ns === undefined) {
      throw new UnpicklingError(
        `cannot load module '${table.specs[i]}' in the sync form: it is not loaded in this ` +
          "process, and loadsSync imports nothing; use loads, which imports it, or import it " +
          "first",
        table.offsets[i],
      );
    }
    out.push(ns);
  }
  return out;
}

/**
 * Imports every module `table` names (async forms). A module that cannot be imported is
 * refused before anything is built, naming the exports the pickle needed of it.
 */
export async function importTable(
  bytes: Uint8Array,
  table: ModuleTable,
  bodyEnd: number,
  root: string | undefined,
  importModule: LoadOptions["importModule"],
): Promise<object[]> {
  return await Promise.all(table.specs.map(async (spec, i) => {
    try {
      return await importNamespace(spec, root, importModule);
    } catch (e) {
      // Refused before anything is built; the message names what the pickle needed.
      const uses = exportsOf(bytes, table.valueStart, bodyEnd, i);
      const what = uses.length === 0
        ? ""
        : ` for its export${uses.length > 1 ? "s" : ""} ${uses.map((u) => `'${u}'`).join(", ")}`;
      throw new UnpicklingError(
        `cannot import module '${spec}'${what}: ${e instanceof Error ? e.message : String(e)}; ` +
          "load with the moduleRoot the pickle's module names are relative to, or give " +
          "importModule",
        table.offsets[i],
        { cause: e },
      );
    }
  }));
}
