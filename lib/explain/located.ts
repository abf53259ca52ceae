/**
 * Where the functions and classes that go by value for want of an exporting module were
 * defined, for the report's reasons: the module that defines each (where the runtime shows it:
 * V8's inspector, with sys access), and, for the entry module, whether it exports them. Deno
 * does not list its entry module among the modules it imports, so that its functions there
 * go by value as "exported by no module": this tells the entry module's exports apart. The
 * entry module's namespace is taken with `import()`, which evaluates nothing (the module
 * is loaded: it defined the function) and, while the entry module is still evaluating (an
 * `await explain(…)` at its top level), is not waited for.
 *
 * @module
 */

import { entryModuleURL } from "../runtime/modules/entry.ts";
import { locateFunction } from "../runtime/modules/table.ts";

/** Where a function or class by value was defined. */
export interface Location {
  /** The URL of the module that defines it. */
  url: string;
  /** Whether that module is the program's entry module. */
  entry: boolean;
  /**
   * Entry module only: whether it exports the value (undefined while the entry module is
   * still evaluating, when its exports cannot be read).
   */
  exported?: boolean;
}

/** The defining modules of `values` (functions and classes) that the runtime shows. */
export async function locate(values: readonly object[]): Promise<Map<object, Location>> {
  const out = new Map<object, Location>();
  if (values.length === 0) return out;
  const entry = entryModuleURL();
  let ns: object | null | undefined;
  for (const value of values) {
    if (typeof value !== "function" || out.has(value)) continue;
    let url: string | undefined;
    try {
      url = await locateFunction(value);
    } catch {
      url = undefined;
    }
    if (url === undefined) continue;
    if (url !== entry) {
      out.set(value, { url, entry: false });
      continue;
    }
    if (ns === undefined) ns = await settledNamespace(url);
    out.set(value, { url, entry: true, exported: ns === null ? undefined : exports(ns, value) });
  }
  return out;
}

/** The namespace of the loaded module at `url`, or null if it is not there within a turn. */
function settledNamespace(url: string): Promise<object | null> {
  return Promise.race([
    import(url).then((ns: object) => ns, () => null),
    new Promise<null>((resolve) => setTimeout(resolve, 0, null)),
  ]);
}

/** Whether namespace `ns` exports `value` (under any name, `default` included). */
function exports(ns: object, value: object): boolean {
  for (const key of Object.keys(ns)) {
    try {
      if ((ns as Record<string, unknown>)[key] === value) return true;
    } catch {
      // a binding not initialised yet
    }
  }
  return false;
}
