/**
 * The module source of Bun: `require.cache` lists every module loaded, ES modules included,
 * with its namespace as `exports`. Listing it costs about 0.2 µs per module, so it is listed
 * again only when the preload reports that modules were resolved since (a counter its
 * `onResolve` hook bumps) and once more a turn after that, or on every refresh without the
 * preload.
 *
 * @module
 */

import { fileURLToPath, pathToFileURL } from "node:url";
import { types } from "node:util";
import type { ModuleSource } from "../adapter.ts";
import { isBun, maybeBuiltin } from "../../host.ts";
import { sharedField } from "../shared_slot.ts";
import { tableWork } from "./work.ts";

type Cache = Record<string, { exports?: unknown } | undefined>;

/**
 * A source over `require.cache`, where it lists ES modules; undefined elsewhere. Call it only
 * after this module has been evaluated (the detector calls it at the first need).
 */
/**
 * Bun: the exports object of the CommonJS module at `url` in `require.cache` (undefined for an
 * ES module, a module not there, and off Bun).
 */
export function requireCacheExports(url: string): object | undefined {
  if (!isBun() || !url.startsWith("file:")) return undefined;
  try {
    const m = maybeBuiltin<{ createRequire(from: string): { cache?: Cache } }>("node:module");
    const exports = m?.createRequire(import.meta.url).cache?.[fileURLToPath(url)]?.exports;
    if (exports === null || (typeof exports !== "object" && typeof exports !== "function")) {
      return undefined;
    }
    return types.isModuleNamespaceObject(exports) ? undefined : exports;
  } catch {
    return undefined;
  }
}

export function requireCacheModuleSource(): ModuleSource | undefined {
  // Only Bun's lists ES modules; elsewhere node:module is not even loaded (it is slow to
  // load on Deno).
  if (!isBun()) return undefined;
  let cache: Cache;
  try {
    const m = maybeBuiltin<{ createRequire(from: string): { cache?: Cache } }>("node:module");
    if (m === undefined) return undefined;
    cache = m.createRequire(import.meta.url).cache as Cache;
    if (cache === undefined || cache === null) return undefined;
    // This module is an ES module evaluated before this is called: listed only where the
    // cache holds ES modules.
    if (!Object.hasOwn(cache, fileURLToPath(import.meta.url))) {
      return undefined;
    }
  } catch {
    return undefined;
  }
  const seen = new Set<string>();
  let last = -1;
  let again: ReturnType<typeof setTimeout> | undefined;
  /** Set a turn after a listing that followed new resolutions: list once more. */
  let once = false;
  return {
    refresh(add): void {
      const count = sharedField("resolved");
      if (typeof count === "number") {
        if (count === last) {
          if (!once) return;
          // The one listing more (below): it does not ask for another.
          once = false;
        } else {
          last = count;
          // A module still evaluating now (say, one pickling its own export) enters the
          // cache only when done, with no resolution to tell: list once more a turn later.
          if (again === undefined) {
            again = setTimeout(() => {
              again = undefined;
              once = true;
            }, 0);
            (again as { unref?(): void }).unref?.();
          }
        }
      }
      const keys = Object.keys(cache);
      tableWork.keys += keys.length;
      for (const key of keys) {
        if (seen.has(key)) continue;
        const exports = cache[key]?.exports;
        if (exports === null || (typeof exports !== "object" && typeof exports !== "function")) {
          continue;
        }
        seen.add(key);
        const q = key.indexOf("?");
        const path = q < 0 ? key : key.slice(0, q);
        let url: string;
        try {
          url = path.startsWith("/") || /^[a-z]:[\\/]/i.test(path)
            ? pathToFileURL(path).href
            : path;
        } catch {
          continue;
        }
        add(url, exports);
      }
    },
    settle(): Promise<void> {
      return Promise.resolve();
    },
  };
}
