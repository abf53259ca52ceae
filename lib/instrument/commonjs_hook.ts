/**
 * Bun's preload: CommonJS files loaded through `require` (a CommonJS package's own files, the
 * packages it requires, a project's CommonJS files) are instrumented too, through
 * `Module._extensions` (see commonjs.ts): their closures get scope records as those of ES
 * modules do. A file that is an ES module, one of this library's, or one the transform cannot
 * parse is left to Bun's own handler.
 *
 * @module
 */

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { basename } from "node:path";
import { instrumentCommonJs } from "./commonjs.ts";
import { packageScope } from "./packages.ts";
import type { CachedTransform } from "./cache.ts";

/** The transform cache, as the preload keeps it. */
export interface CommonJsCache {
  key(baseName: string, text: string, extra?: string): string;
  get(key: string): CachedTransform | undefined;
  set(key: string, value: CachedTransform): void;
}

type Handler = (
  this: unknown,
  module: { _compile(code: string, file: string): unknown },
  file: string,
) => unknown;

/** ES module syntax at the start of a line (`importsKeys = …` is no import). */
const LOOKS_ESM = /^\s*(?:import(?:\s*[{*"']|\s+[\w$])|export\s+(?:[\w{*$]|default\b))/m;

/**
 * Puts the handler in place for `.js` and `.cjs` files; `skip` says which files are never
 * instrumented (this library's), `instrumented` hears of each file instrumented, `debug`
 * reports each file handled.
 */
export function installCommonJsHook(
  cache: CommonJsCache,
  skip: (file: string) => boolean,
  instrumented: (file: string) => void,
  debug?: (line: string) => void,
): void {
  const Module = createRequire(import.meta.url)("module") as {
    _extensions?: Record<string, Handler | undefined>;
  };
  const extensions = Module._extensions;
  if (extensions === undefined) return;
  const js = extensions[".js"];
  for (const ext of [".js", ".cjs"]) {
    // Bun 1.4.5 has no `.cjs` handler of its own, but asks for one when there is: its `.js` one
    // loads such a file as it would.
    const original = extensions[ext] ?? js;
    if (typeof original !== "function") continue;
    extensions[ext] = function (module, file) {
      const code = typeof module?._compile === "function" ? codeOf(file) : null;
      if (code === null) return original.call(this, module, file);
      return module._compile(code, file);
    };
  }

  function codeOf(file: string): string | null {
    if (typeof file !== "string" || file.includes("?") || skip(file)) return null;
    if (file.endsWith(".js") && packageScope(file)?.type === "module") return null;
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch {
      return null;
    }
    if (!file.endsWith(".cjs") && LOOKS_ESM.test(text)) return null;
    const t0 = debug === undefined ? 0 : performance.now();
    const key = cache.key(`cjs:${basename(file)}`, text);
    let entry = cache.get(key);
    const hit = entry !== undefined;
    if (entry === undefined) {
      let code: string | null = null;
      try {
        code = instrumentCommonJs(text);
      } catch {
        // Syntax the parser does not take: Bun's own handler.
      }
      entry = code === null
        ? { kind: "unchanged", imports: [] }
        : { kind: "instrumented", contents: code, imports: [] };
      cache.set(key, entry);
    }
    debug?.(
      `[cloudpickle] commonjs ${entry.kind} ${file} ${(performance.now() - t0).toFixed(2)} ms` +
        (hit ? " (cached)" : ""),
    );
    if (entry.kind !== "instrumented") return null;
    instrumented(file);
    return entry.contents!;
  }
}
