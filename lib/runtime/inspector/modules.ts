/**
 * The module source of V8 runtimes (Deno with `--allow-sys`, Node): enabling the debugger in
 * an inspector session reports every script parsed so far (`Debugger.scriptParsed`), and each
 * module is imported again (already loaded: no evaluation) to get its namespace. Nothing
 * happens when the library loads: the first pickling call that looks a module up lists the
 * scripts (synchronously, the debugger on for that moment only, with a session that is
 * disconnected before the call returns), and by then the program's static import graph has
 * been parsed. The namespaces arrive within that turn of the event loop; the async forms wait
 * for them, and the sync forms, until the turn ends, take the namespace of a module defining a
 * function they meet with `require` (the module has been evaluated: it made the function), or
 * else refuse the function (see {@linkcode ModuleSource.loading}).
 *
 * Modules imported later are found at once: a function no listed module exports, defined by
 * a module parsed after the last listing (its `[[FunctionLocation]]` tells, and its scope
 * chain that a module defines it, not `eval` or `new Function`), or a module
 * namespace the table does not know, makes the async forms list again and walk the value
 * again ({@linkcode ModuleSource.recheck}); a sync form's miss lists again at once too, and
 * the module's namespace is taken with `require` (see above). Each function's source text is
 * located once. Used only where sys access is granted already, so it never prompts.
 *
 * Listing costs 40-60 ms in a fresh Deno process (V8 reports every script, its own included),
 * so it waits until a lookup needs it: a function the entry module defined is pickled by value
 * whatever the table says, and is told by its location alone ({@linkcode ModuleSource.unlisted},
 * `locate.ts`); `ready()` lists at once.
 *
 * @module
 */

import { fileURLToPath } from "node:url";
import { types } from "node:util";
import type { ModuleSource, Siblings } from "../adapter.ts";
import { inspectorUsableSilently, withInspector } from "./session.ts";
import { definedByModuleAfter, noteScript, scriptIdOf } from "./locate.ts";
import { entryModuleURL } from "../modules/entry.ts";
import { builtin } from "../../host.ts";
import { tableWork } from "../modules/work.ts";

interface ScriptParsed {
  scriptId?: unknown;
  url?: unknown;
  isModule?: unknown;
}

const IMPORTABLE = /^(file|https?|jsr|npm):/;
/** Least time between two listings. */
const RELIST_MS = 1000;

/** The inspector's module source, or undefined where it cannot be used without asking. */
export function inspectorModuleSource(): ModuleSource | undefined {
  if (!inspectorUsableSilently()) return undefined;
  const found: Array<[string, object]> = [];
  const pending = new Map<string, Promise<void>>();
  const seen = new Set<string>();
  /** scriptId → URL of the modules listed, to tell which one defines a function. */
  const scripts = new Map<string, string>();
  /**
   * scriptId → URL of the CommonJS files listed: Deno reports an npm package's CommonJS file
   * twice, as the ES module that wraps it and as the script that defines its functions.
   */
  const commonJS = new Map<string, string>();
  /** CommonJS files listed, and those listed since their exports were last looked for. */
  const commonJSSeen = new Set<string>();
  let commonJSNew: string[] = [];
  let entry: string | undefined;
  let listedAt = 0;
  let listed = false;
  let missed = false;
  /** Highest script id reported so far (V8's ids only grow), and at the last listing. */
  let reportedMax = -1;
  let listedMax = -1;
  /**
   * True from a listing until the event loop turns: the imports of evaluated modules resolve
   * within that turn, so a module still pending after it is still evaluating (a top-level
   * await, say), and its functions are not waited for.
   */
  let fresh = false;
  const onParsed = (params: unknown): void => {
    const p = params as ScriptParsed | undefined;
    tableWork.keys++;
    const id = Number(p?.scriptId);
    if (id > reportedMax) reportedMax = id;
    const url = p?.url;
    if (typeof p?.scriptId === "string" && typeof url === "string") {
      noteScript(p.scriptId, url);
      if (p.isModule === false && url.startsWith("file:")) {
        commonJS.set(p.scriptId, url);
        if (!commonJSSeen.has(url)) {
          commonJSSeen.add(url);
          commonJSNew.push(url);
        }
      }
    }
    if (p?.isModule !== true || typeof url !== "string" || !IMPORTABLE.test(url)) return;
    if (typeof p.scriptId === "string") scripts.set(p.scriptId, url);
    if (seen.has(url) || url === entry) return;
    seen.add(url);
    const job: Promise<void> = import(url).then(
      (ns: object) => {
        found.push([url, ns]);
      },
      () => {},
    ).finally(() => pending.delete(url));
    pending.set(url, job);
  };
  /** Lists the scripts parsed so far; the debugger is on for this call only. */
  const list = (): void => {
    listed = true;
    listedAt = Date.now();
    if (!fresh) {
      fresh = true;
      setTimeout(() => {
        fresh = false;
      }, 0);
    }
    entry ??= entryModuleURL();
    try {
      withInspector(({ call, on }) => {
        on("Debugger.scriptParsed", onParsed);
        call("Debugger.enable", {});
        call("Debugger.disable", {});
      });
    } catch {
      // the inspector cannot be used after all: the table holds what it is given
    }
    listedMax = reportedMax;
    // CommonJS files no ES module wraps (Node's, and a package's internal files): their
    // exports from the require cache, where they are once they have run.
    const files = commonJSNew;
    commonJSNew = [];
    for (const url of files) {
      if (seen.has(url) || url === entry) continue;
      const exported = cachedExports(url);
      if (exported !== undefined) found.push([url, exported]);
    }
  };
  /** Whether function `fn` was defined by a script parsed after the last listing. */
  // Code no module defines (`eval`, `new Function`, a pickle's functions) would never be
  // found by listing again, which costs tens of milliseconds with the debugger on.
  const newer = (fn: object, siblings?: Siblings): boolean =>
    definedByModuleAfter(fn, listedMax, siblings);
  /**
   * Waits for the namespaces of newly listed modules, turn by turn while some arrive: a
   * module still evaluating (one up the import chain, or under a top-level await) would
   * never settle while the caller waits, and stops the wait at the first turn with none.
   */
  const arrived = async (): Promise<void> => {
    for (let left = pending.size; left > 0;) {
      await Promise.race([
        Promise.allSettled([...pending.values()]),
        new Promise<void>((r) => setTimeout(r, 0)),
      ]);
      if (pending.size === left) break;
      left = pending.size;
    }
  };
  return {
    refresh(add): void {
      if (!listed) list();
      while (found.length > 0) {
        const [url, ns] = found.shift()!;
        add(url, ns);
      }
    },
    missed(value?: object, siblings?: Siblings): void {
      missed = true;
      // A function of a module imported since the last listing: list now, so that the
      // module is known within this turn (its namespace through `loading`).
      if (listed && value !== undefined && typeof value === "function" && newer(value, siblings)) {
        list();
      }
    },
    mayFind(value: object, siblings?: Siblings): boolean {
      // A namespace has no location: any unknown one asks for a listing. A listing during the
      // walk (the first lookup): its namespaces are on their way.
      return !listed || typeof value !== "function" || newer(value, siblings) ||
        found.length > 0 ||
        (fresh && pending.size > 0);
    },
    recheck(values: readonly object[]): Promise<boolean> | false {
      if (!listed) list();
      const relist = values.some((v) => typeof v !== "function" || newer(v));
      const waiting = found.length > 0 || (fresh && pending.size > 0);
      if (!relist && !waiting) return false;
      return (async () => {
        const before = seen.size;
        if (relist) list();
        await arrived();
        return seen.size !== before || found.length > 0;
      })();
    },
    unlisted: (): boolean => !listed,
    async locate(fn: object): Promise<string | undefined> {
      if (!listed) list();
      const id = scriptIdOf(fn, true);
      if (id === undefined) return undefined;
      if (!scripts.has(id) && newer(fn)) list();
      await arrived();
      return scripts.get(id);
    },
    loading(value: object): string | true | undefined {
      if (pending.size === 0 || !fresh) return undefined;
      if (!types.isModuleNamespaceObject(value)) {
        // A location taken from a function of the same text is enough: what it finds is a
        // module's namespace, in which the lookup then finds `value` itself or not.
        const id = scriptIdOf(value) ?? "";
        const url = scripts.get(id);
        if (url === undefined) {
          // A function of a CommonJS file whose wrapping ES module is on its way: the file
          // has run (it made the function), so `require` gives its exports at once.
          const file = commonJS.get(id);
          if (file === undefined || !pending.has(file)) return undefined;
          const exported = evaluatedExports(file);
          if (exported === undefined) return file;
          found.push([file, exported]);
          return true;
        }
        if (!pending.has(url)) return undefined;
        const ns = evaluatedNamespace(url);
        if (ns === undefined) return url;
        found.push([url, ns]);
        return true;
      }
      // A namespace: its module is the one defining one of its exported functions.
      for (const key of Object.keys(value)) {
        let v: unknown;
        try {
          v = (value as Record<string, unknown>)[key];
        } catch {
          continue;
        }
        if (typeof v !== "function") continue;
        const url = scripts.get(scriptIdOf(v, true) ?? "");
        if (url === undefined || !pending.has(url)) continue;
        if (sameExports(evaluatedNamespace(url), value)) {
          found.push([url, value]);
          return true;
        }
      }
      return undefined;
    },
    async settle(eager?: boolean): Promise<void> {
      if (!listed) {
        if (!eager) return;
        list();
      }
      // Modules imported since the last listing: list again, at most once a second, after
      // a lookup missed.
      if (missed && Date.now() - listedAt >= RELIST_MS) {
        missed = false;
        list();
      }
      // A module still evaluating (one up the import chain) would never settle while the
      // caller waits: wait for the others turn by turn, while some arrive.
      for (let left = pending.size; left > 0;) {
        await Promise.race([
          Promise.allSettled([...pending.values()]),
          new Promise<void>((r) => setTimeout(r, 0)),
        ]);
        if (pending.size === left) break;
        left = pending.size;
      }
    },
  };
}

/**
 * The namespace of the local module at `url`, taken synchronously with `require`, which
 * Deno allows for ES modules. Asked only for a module that defines a function the program
 * already holds, i.e. one whose evaluation has run (or is running: then `require` refuses
 * it as a cycle), so it evaluates nothing.
 */
function evaluatedNamespace(url: string): object | undefined {
  if (!url.startsWith("file:")) return undefined;
  try {
    const ns = requireFrom(url)(fileURLToPath(url));
    return ns !== null && typeof ns === "object" && types.isModuleNamespaceObject(ns)
      ? ns
      : undefined;
  } catch {
    return undefined;
  }
}

/** `require` for modules relative to `url`. */
function requireFrom(url: string): ReturnType<typeof import("node:module").createRequire> {
  const { createRequire } = builtin<typeof import("node:module")>("node:module");
  return createRequire(url);
}

/** `v` if it can be a module's exports (an object or a function). */
function asExports(v: unknown): object | undefined {
  return (typeof v === "object" && v !== null) || typeof v === "function" ? v : undefined;
}

/**
 * The exports of the CommonJS file at `url` if it is in the require cache (it has run, or is
 * running); nothing is required.
 */
function cachedExports(url: string): object | undefined {
  try {
    const cache = requireFrom(url).cache as Record<string, { exports?: unknown } | undefined>;
    return asExports(cache?.[fileURLToPath(url)]?.exports);
  } catch {
    return undefined;
  }
}

/** The exports of the CommonJS file at `url`, which has run: `require` evaluates nothing. */
function evaluatedExports(url: string): object | undefined {
  try {
    return asExports(requireFrom(url)(fileURLToPath(url)));
  } catch {
    return undefined;
  }
}

/**
 * Whether `copy` (what `require` gave) shows the exports of namespace `ns` (it is `ns`
 * itself, or a copy with `__esModule` for a module with a default export).
 */
function sameExports(copy: object | undefined, ns: object): boolean {
  if (copy === undefined) return false;
  if (copy === ns) return true;
  const keys = Object.keys(ns);
  if (Object.keys(copy).filter((k) => k !== "__esModule").length !== keys.length) return false;
  try {
    return keys.every((k) =>
      Object.is((copy as Record<string, unknown>)[k], (ns as Record<string, unknown>)[k])
    );
  } catch {
    return false;
  }
}
