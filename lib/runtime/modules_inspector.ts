/**
 * The module source of V8 runtimes (Deno with `--allow-sys`, Node): enabling the debugger in
 * an inspector session reports every script parsed so far (`Debugger.scriptParsed`), and each
 * module is imported again (already loaded: no evaluation) to get its namespace. The debugger
 * is switched off again at once: left on, it doubles the cost of every inspector read of a
 * closure scope (measured: 200 -> 460 µs per closure on Deno 2.9).
 *
 * When listings happen:
 * - when the library loads, where sys access is granted already (so it never prompts): the
 *   program's whole static import graph; the reports arrive once the event loop runs;
 * - in the async forms, at once, when a function that no listed module exports was defined
 *   by a script parsed after the last listing (its `[[FunctionLocation]]` tells), or when a
 *   module namespace is unknown: the pickle is then walked again with the new modules. Each
 *   function's source text is located once (a few inspector round trips);
 * - after the sync form missed a function: the same check runs in the background, so the
 *   sync form finds the module from the next turn of the event loop on.
 *
 * @module
 */

import type { ModuleSource } from "./modules.ts";
import { inspectorUsableSilently } from "./inspector_guard.ts";
import { entryModuleURL } from "./entry.ts";

interface Session {
  connect(): void;
  post(method: string, params: object, cb: (err: unknown, result: unknown) => void): void;
  on(event: string, listener: (message: { params?: unknown }) => void): void;
}

interface ScriptParsed {
  url?: unknown;
  isModule?: unknown;
  scriptId?: unknown;
}

interface Property {
  name: string;
  value?: { value?: { scriptId?: unknown } };
}

const IMPORTABLE = /^(file|https?|jsr|npm):/;
const STASH_KEY = Symbol.for("cloudpickle.modules.stash");
const LOOKUP = `globalThis[Symbol.for("cloudpickle.modules.stash")]`;
const GROUP = "cloudpickle-modules";
/** Most source texts remembered as located in listed scripts. */
const LOCATED_MAX = 10_000;
const fnToString = Function.prototype.toString;
/** Most functions the sync form's misses queue for a background check. */
const QUEUE_MAX = 256;

/**
 * Starts the inspector's module reports; undefined where the inspector cannot be used
 * without asking.
 */
export function inspectorModuleSource(): ModuleSource | undefined {
  if (!inspectorUsableSilently()) return undefined;
  const found: Array<[string, object]> = [];
  const pending = new Set<Promise<void>>();
  const seen = new Set<string>();
  /**
   * Source texts of functions whose script was listed when they were located: closures made
   * by one piece of code are located once. (A function of the same text in a module loaded
   * later is then taken as listed: it is pickled by value, which is correct, only larger.)
   */
  const located = new Set<string>();
  /** Functions whose text was located (skips reading their text again). */
  const locatedFns = new WeakSet<object>();
  const textOf = (fn: object): string | undefined => {
    try {
      return fnToString.call(fn);
    } catch {
      return undefined;
    }
  };
  const queued: object[] = [];
  let scheduled = false;
  const entry = entryModuleURL();
  /** Highest script id reported so far, and at the end of the last listing. */
  let reportedMax = -1;
  let listedMax = -1;
  /** The URL of each module script reported, by script id. */
  const scriptURLs = new Map<number, string>();
  const onParsed = (message: { params?: unknown }): void => {
    const p = message.params as ScriptParsed | undefined;
    const id = Number(p?.scriptId);
    if (id > reportedMax) reportedMax = id;
    const url = p?.url;
    if (p?.isModule !== true || typeof url !== "string" || !IMPORTABLE.test(url)) return;
    scriptURLs.set(id, url);
    if (seen.has(url) || url === entry) return;
    seen.add(url);
    const job: Promise<void> = import(url).then(
      (ns: object) => {
        found.push([url, ns]);
      },
      () => {},
    ).finally(() => pending.delete(job));
    pending.add(job);
  };
  let session: Session | undefined;
  const post = (method: string, params: object): Promise<Record<string, unknown>> =>
    new Promise((resolve, reject) =>
      session!.post(method, params, (err, result) => {
        if (err) reject(err);
        else resolve(result as Record<string, unknown>);
      })
    );
  /** Lists the scripts parsed so far; the debugger stays on only for that moment. */
  const list = async (): Promise<void> => {
    await post("Debugger.enable", {});
    await post("Debugger.disable", {});
    listedMax = reportedMax;
  };
  /** Waits (one event-loop turn at most) for the namespaces of newly listed modules. */
  const arrived = async (): Promise<void> => {
    if (pending.size === 0) return;
    // A module still evaluating (one up the import chain) would never settle while the
    // caller waits: the others get one turn of the event loop (an import of a module
    // already evaluated settles within it).
    await Promise.race([
      Promise.allSettled([...pending]),
      new Promise<void>((r) => setTimeout(r, 0)),
    ]);
  };
  /** The id of the script that defined `fn`, or undefined. */
  const scriptOf = async (fn: object): Promise<number | undefined> => {
    const g = globalThis as unknown as Record<symbol, unknown>;
    g[STASH_KEY] = fn;
    let evaluated: Record<string, unknown>;
    try {
      evaluated = await post("Runtime.evaluate", { expression: LOOKUP, objectGroup: GROUP });
    } finally {
      g[STASH_KEY] = undefined;
    }
    const objectId = (evaluated.result as { objectId?: string } | undefined)?.objectId;
    if (objectId === undefined) return undefined;
    const props = await post("Runtime.getProperties", {
      objectId,
      ownProperties: true,
      objectGroup: GROUP,
    });
    const internal = (props.internalProperties ?? []) as Property[];
    const where = internal.find((p) => p.name === "[[FunctionLocation]]")?.value?.value;
    const id = Number(where?.scriptId);
    return Number.isFinite(id) ? id : undefined;
  };
  /** The functions of `values` whose text was not located yet; undefined if a namespace. */
  const unlocated = (values: readonly object[]): object[] | undefined => {
    let out: object[] | undefined;
    for (const v of values) {
      if (typeof v !== "function") return undefined; // a namespace: it has no location
      if (locatedFns.has(v)) continue;
      const text = textOf(v);
      if (text === undefined) continue;
      if (located.has(text)) locatedFns.add(v);
      else (out ??= []).push(v);
    }
    return out ?? [];
  };
  /** Lists again when one of `values` may come from a module parsed since the last listing. */
  const recheck = (values: readonly object[]): Promise<boolean> | false => {
    const fns = unlocated(values);
    if (fns !== undefined && fns.length === 0) return false;
    return locateAndList(fns);
  };
  const locateAndList = async (fns: object[] | undefined): Promise<boolean> => {
    await enabled;
    if (session === undefined) return false;
    let relist = fns === undefined;
    /** Functions of scripts parsed after the last listing: located once it is taken. */
    const newer: Array<[string, number]> = [];
    const remember = (text: string) => {
      if (located.size >= LOCATED_MAX) located.clear();
      located.add(text);
    };
    try {
      for (const v of fns ?? []) {
        const id = await scriptOf(v);
        if (id !== undefined && id <= listedMax) remember(textOf(v)!);
        else {
          relist = true;
          if (id !== undefined) newer.push([textOf(v)!, id]);
        }
      }
    } finally {
      await post("Runtime.releaseObjectGroup", { objectGroup: GROUP }).catch(() => {});
    }
    if (!relist) return false;
    const before = seen.size;
    await list();
    for (const [text, id] of newer) if (id <= listedMax) remember(text);
    await arrived();
    return seen.size !== before;
  };
  /** The URL of the module that defined `fn`, listing again if it is newer than the list. */
  const locate = async (fn: object): Promise<string | undefined> => {
    await enabled;
    if (session === undefined) return undefined;
    let id: number | undefined;
    try {
      id = await scriptOf(fn);
    } finally {
      await post("Runtime.releaseObjectGroup", { objectGroup: GROUP }).catch(() => {});
    }
    if (id === undefined) return undefined;
    if (!scriptURLs.has(id) && id > listedMax) await list();
    return scriptURLs.get(id);
  };
  /** Checks what the sync form missed, in the background. */
  const drain = async (): Promise<void> => {
    try {
      while (queued.length > 0) await recheck(queued.splice(0, queued.length));
    } catch {
      // The inspector went away: nothing to list.
    } finally {
      scheduled = false;
    }
  };
  const enabled: Promise<void> = import("node:inspector").then((m) => {
    session = new (m as unknown as { Session: new () => Session }).Session();
    session.connect();
    session.on("Debugger.scriptParsed", onParsed);
    return list();
  }).catch(() => {
    session = undefined;
  });
  return {
    refresh(add): void {
      while (found.length > 0) {
        const [url, ns] = found.shift()!;
        add(url, ns);
      }
    },
    missed(value: object): void {
      if (typeof value !== "function" || queued.length >= QUEUE_MAX) return;
      const text = textOf(value);
      if (text === undefined || located.has(text)) return;
      queued.push(value);
      if (!scheduled) {
        scheduled = true;
        setTimeout(drain, 0);
      }
    },
    recheck,
    locate,
    async settle(): Promise<void> {
      await enabled;
      await arrived();
    },
  };
}
