/**
 * The module table of a pickle (see tags.ts): written before the value when the value refers
 * to modules, and resolved to namespaces when it is loaded, from the modules loaded already
 * (sync forms) or by importing them (async forms).
 *
 * @module
 */

import { HEADER_MAX } from "../format/tags.ts";
import { ByteWriter } from "../format/writer.ts";
import { writeHeader } from "../format/header.ts";
import { UnpicklingError } from "./errors.ts";
import type { LoadOptions } from "./options.ts";
import { importNamespace, loadedNamespace } from "../runtime/modules_import.ts";
import { exportsOf } from "../runtime/modules_exports_scan.ts";

const tableWriter = new ByteWriter();

/** The pickle with the module table placed before the value (see tags.ts). */
export function withModuleTable(
  w: ByteWriter,
  modules: readonly string[],
  flags: number,
): Uint8Array {
  const t = tableWriter;
  t.reset(0);
  t.varint(modules.length);
  for (const spec of modules) t.string(spec);
  const body = w.buf.subarray(HEADER_MAX, w.pos);
  const out = new Uint8Array(HEADER_MAX + t.pos + body.length);
  out.set(t.buf.subarray(0, t.pos), HEADER_MAX);
  out.set(body, HEADER_MAX + t.pos);
  return out.subarray(writeHeader(out, HEADER_MAX, t.pos + body.length, flags));
}

/** Modules the pickle refers to, as namespaces (sync), or a promise of them (async). */
export type ModuleResolver = (table: ModuleTable, root: string | undefined) => object[];

/** A pickle's module table, as read: the names, where each is, and where the value starts. */
export interface ModuleTable {
  /** The module names, as the pickle holds them. */
  specs: string[];
  /** The byte offset of each name, for errors. */
  offsets: number[];
  /** The offset of the value after the table. */
  valueStart: number;
}

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
