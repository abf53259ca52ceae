/**
 * Node built-in modules (`node:fs`, …) as the module table meets them: the list of them
 * (loaded once, the first time a function is looked up among them) and which one an exports
 * object is, without loading every built-in.
 *
 * @module
 */

import { types } from "node:util";
import { builtinModuleNames, builtinWarnsOnLoad, hasBuiltins, maybeBuiltin } from "../../host.ts";

let list: Array<[string, object]> | undefined;
/** The name of each built-in exports object (`import fs from "node:fs"`). */
const builtinByExports = new WeakMap<object, string>();

/** Built-in modules as [`node:name`, exports object], shortest name first; loaded once. */
export function builtinList(): Array<[string, object]> {
  if (list !== undefined) return list;
  list = [];
  const names = builtinModuleNames();
  // Shortest name first (`node:path` before `node:path/posix`, which may be the same object).
  names.sort((a, b) => a.length - b.length || (a < b ? -1 : a > b ? 1 : 0));
  for (const name of names) {
    if (name.startsWith("_") || name.includes("internal")) continue;
    const url = name.startsWith("node:") ? name : `node:${name}`;
    const exports = maybeBuiltin<unknown>(url);
    if (exports === null || (typeof exports !== "object" && typeof exports !== "function")) {
      continue;
    }
    list.push([url, exports]);
    if (!builtinByExports.has(exports)) builtinByExports.set(exports, url);
  }
  return list;
}

/**
 * A distinctive own key of each built-in module's exports object (present in Deno 2.9 and
 * Bun 1.4, and rare elsewhere), so that an object is compared with the one to three built-ins
 * it may be, not with every built-in: loading them all costs 0.1-0.2 s, and an object that
 * merely has such a key loads only those.
 */
const BUILTIN_HINTS: ReadonlyArray<readonly [string, string]> = [
  ["async_hooks", "createHook"],
  ["buffer", "kMaxLength"],
  ["child_process", "execFileSync"],
  ["cluster", "isPrimary"],
  ["console", "timeLog"],
  ["constants", "EIO"],
  ["crypto", "createHash"],
  ["dgram", "createSocket"],
  ["diagnostics_channel", "Channel"],
  ["dns", "lookupService"],
  ["dns/promises", "lookupService"],
  ["domain", "createDomain"],
  ["fs", "readFileSync"],
  ["fs/promises", "mkdtempDisposable"],
  ["http", "METHODS"],
  ["http2", "sensitiveHeaders"],
  ["https", "globalAgent"],
  ["inspector", "Session"],
  ["inspector/promises", "Session"],
  ["net", "isIPv4"],
  ["os", "networkInterfaces"],
  ["path", "isAbsolute"],
  ["path/posix", "isAbsolute"],
  ["path/win32", "isAbsolute"],
  ["perf_hooks", "timerify"],
  ["process", "hrtime"],
  ["punycode", "ucs2"],
  ["querystring", "unescapeBuffer"],
  ["readline", "cursorTo"],
  ["readline/promises", "Readline"],
  ["repl", "REPLServer"],
  ["stream/consumers", "arrayBuffer"],
  ["stream/promises", "pipeline"],
  ["stream/web", "ReadableStream"],
  ["string_decoder", "StringDecoder"],
  ["sys", "inherits"],
  ["timers", "setImmediate"],
  ["timers/promises", "scheduler"],
  ["tls", "TLSSocket"],
  ["trace_events", "createTracing"],
  ["tty", "isatty"],
  ["url", "Url"],
  ["util", "inherits"],
  ["util/types", "isMap"],
  ["v8", "getHeapStatistics"],
  ["vm", "runInNewContext"],
  ["wasi", "WASI"],
  ["worker_threads", "isMainThread"],
  ["zlib", "Gzip"],
];

/**
 * The `node:` module whose exports object (its default export) `o` is, or undefined. Loads
 * at most the built-ins whose distinctive key `o` has (see BUILTIN_HINTS).
 */
export function builtinModuleOf(o: object): string | undefined {
  const known = builtinByExports.get(o);
  if (known !== undefined || notBuiltin.has(o) || types.isProxy(o)) return known;
  if (!hasBuiltins()) return undefined;
  // At most one check per distinctive key, whatever the size of `o`.
  for (const [name, key] of BUILTIN_HINTS) {
    if (!Object.hasOwn(o, key) || builtinWarnsOnLoad(name)) continue;
    const url = `node:${name}`;
    if (maybeBuiltin<unknown>(url) === o) {
      builtinByExports.set(o, url);
      return url;
    }
  }
  notBuiltin.add(o); // an object never becomes a built-in's exports object
  return undefined;
}

/** Objects found to be no built-in's exports object. */
const notBuiltin = new WeakSet<object>();
