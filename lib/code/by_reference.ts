/**
 * Code by reference: a module's namespace, one of its exports by property path, a built-in
 * by its path from globalThis.
 *
 * @module
 */

import { types } from "node:util";
import type { Decoder } from "../pickle/decoder.ts";
import { resolveGlobalPath } from "./globals.ts";
import { exportAt } from "../runtime/modules.ts";

// Read side.

/** Longest property path of an export. */
const MAX_EXPORT_PATH = 64;

/** GLOBAL: a built-in by its path from globalThis. */
export function readGlobal(dec: Decoder, at: number): unknown {
  if (!dec.opts.allowCode && dec.opts.allow === undefined) dec.code(at);
  const path = dec.string();
  dec.reference("global", "", path, at);
  const v = resolveGlobalPath(path);
  if (v === undefined) {
    dec.r.fail(
      `built-in '${path}' does not exist in this runtime (the pickle refers to it by ` +
        "name): load it where that built-in exists, or pickle code that does not use it",
      at,
    );
  }
  dec.memo.push(v);
  dec.admit(v);
  return v;
}

/** The namespace at `index` of the module table. */
function moduleAt(dec: Decoder, index: number, at: number): object {
  const modules = dec.opts.modules;
  if (modules === undefined || index >= modules.length) {
    dec.corrupt("a module index is past the module table", at);
  }
  return modules[index];
}

/** MODULE: a module's namespace. */
export function readModule(dec: Decoder, at: number): object {
  const opts = dec.opts;
  if (!opts.allowCode && opts.allow === undefined) dec.code(at);
  const index = dec.r.varint();
  const ns = moduleAt(dec, index, at);
  const spec = opts.specs![index];
  dec.reference("namespace", spec, "", at);
  if (!types.isModuleNamespaceObject(ns) && spec.startsWith("node:")) {
    dec.r.fail(
      `cannot load the namespace of '${spec}' synchronously: it is not known yet; ` +
        "use loads (async)",
      at,
    );
  }
  dec.memo.push(ns);
  dec.admit(ns);
  return ns;
}

/** EXPORT: a function or class by its property path from a module's namespace. */
export function readExport(dec: Decoder, at: number): unknown {
  const opts = dec.opts;
  if (!opts.allowCode && opts.allow === undefined) dec.code(at);
  const r = dec.r;
  const index = r.varint();
  const ns = moduleAt(dec, index, at);
  const n = r.varint();
  if (n === 0 || n > MAX_EXPORT_PATH) dec.corrupt("an export path's length is out of range", at);
  const path: string[] = [];
  for (let i = 0; i < n; i++) path.push(dec.string());
  const spec = opts.specs![index];
  const name = path.join(".");
  dec.reference("export", spec, name, at);
  const v = exportAt(ns, path);
  if (typeof v !== "function" && (v === null || typeof v !== "object")) {
    r.fail(
      v === undefined
        ? `cannot load '${name}' from module '${spec}': the module has no such export; ` +
          "load with the version of the module the pickle was made with"
        : `cannot load '${name}' from module '${spec}': it is not a function or class; ` +
          "load with the version of the module the pickle was made with",
      at,
    );
  }
  dec.memo.push(v);
  dec.admit(v);
  return v;
}
