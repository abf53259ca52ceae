/**
 * The module source of V8 runtimes (Deno with `--allow-sys`, Node): enabling the debugger in
 * an inspector session reports every script parsed so far (`Debugger.scriptParsed`), and each
 * module is imported again (already loaded: no evaluation) to get its namespace. The listing
 * runs when the library loads, so it covers the program's whole static import graph, and
 * only where sys access is granted already, so it never prompts; its reports arrive once the
 * event loop runs. The debugger is switched off again at once: left on, it doubles the cost
 * of every inspector read of a closure scope. Modules imported later are listed by the next
 * async `dumps` after a lookup missed, at most once a second.
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
}

const IMPORTABLE = /^(file|https?|jsr|npm):/;
/** Least time between two listings. */
const RELIST_MS = 1000;

/**
 * Starts the inspector's module reports; resolves to the source, or undefined where the
 * inspector cannot be used without asking.
 */
export function inspectorModuleSource(): ModuleSource | undefined {
  if (!inspectorUsableSilently()) return undefined;
  const found: Array<[string, object]> = [];
  const pending = new Set<Promise<void>>();
  const seen = new Set<string>();
  let enabled: Promise<void> | undefined;
  const entry = entryModuleURL();
  const onParsed = (message: { params?: unknown }): void => {
    const p = message.params as ScriptParsed | undefined;
    const url = p?.url;
    if (p?.isModule !== true || typeof url !== "string" || !IMPORTABLE.test(url)) return;
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
  /** Lists the scripts parsed so far; the debugger stays on only for that moment. */
  const list = (): Promise<void> =>
    new Promise<void>((resolve) => {
      listedAt = Date.now();
      session!.post("Debugger.enable", {}, () => {
        session!.post("Debugger.disable", {}, () => resolve());
      });
    });
  let listedAt = 0;
  let missed = false;
  enabled = import("node:inspector").then((m) => {
    session = new (m as unknown as { Session: new () => Session }).Session();
    session.connect();
    session.on("Debugger.scriptParsed", onParsed);
    return list();
  }).catch(() => {
    enabled = undefined;
  });
  return {
    refresh(add): void {
      while (found.length > 0) {
        const [url, ns] = found.shift()!;
        add(url, ns);
      }
    },
    missed(): void {
      missed = true;
    },
    async settle(): Promise<void> {
      if (enabled !== undefined) await enabled;
      // Modules imported since the last listing: list again, at most once a second, after
      // a lookup missed.
      if (missed && session !== undefined && Date.now() - listedAt >= RELIST_MS) {
        missed = false;
        await list();
      }
      if (pending.size === 0) return;
      // A module still evaluating (one up the import chain) would never settle while the
      // caller waits: give the others one turn of the event loop.
      await Promise.race([
        Promise.allSettled([...pending]),
        new Promise<void>((r) => setTimeout(r, 0)),
      ]);
    },
  };
}
