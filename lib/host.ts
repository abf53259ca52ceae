/**
 * The host: the one module that looks at `Deno`, `Bun` and `process` (and at which engine
 * runs the library). Every probe is a plain read, made when asked; nothing here starts or
 * installs anything. What to do with the answers is chosen in `runtime/detect.ts`. It sits below every folder of
 * `lib/` (it imports nothing), so the byte format may ask it which engine runs.
 *
 * @module
 */

interface DenoHost {
  mainModule?: unknown;
  version?: { deno?: unknown };
  permissions?: { querySync?(d: { name: string }): { state: string } };
}

interface BunHost {
  main?: unknown;
  resolveSync?: (specifier: string, from: string) => string;
}

interface ProcessHost {
  versions?: Record<string, string | undefined>;
  release?: { name?: unknown };
  argv?: unknown[];
  cwd?(): string;
  getBuiltinModule?(id: string): unknown;
}

const g = globalThis as { Deno?: DenoHost; Bun?: BunHost; process?: ProcessHost };

/**
 * True on JavaScriptCore (Bun), whose `process.versions` carries `webkit` (it also carries a
 * `v8` entry, for Node compatibility, so that one says nothing).
 */
export const IS_JSC: boolean = g.process?.versions?.webkit !== undefined;

/** True on V8 (Deno, Node). */
export function isV8(): boolean {
  // Asked for every function pickled: the answer never changes once read.
  return v8Engine ??= !IS_JSC && g.process?.versions?.v8 !== undefined;
}
let v8Engine: boolean | undefined;

/** True on Bun. */
export function isBun(): boolean {
  return g.Bun !== undefined;
}

/** True on Deno. */
export function isDeno(): boolean {
  return typeof g.Deno?.version?.deno === "string";
}

/**
 * True on Node: `process.release.name` is "node" there, and Deno and Bun, which say "node"
 * too for compatibility, are told apart by their own globals.
 */
export function isNode(): boolean {
  return g.process?.release?.name === "node" && !isDeno() && !isBun() && !IS_JSC;
}

/** True where `import("npm:name")` works: Deno's module loader has the `npm:` scheme. */
export function importsNpmScheme(): boolean {
  return isDeno();
}

/** Built-in modules that print a warning when loaded on Node (deprecated or experimental). */
const NODE_WARNS_ON_LOAD = new Set(["sys", "punycode", "wasi"]);

/** True when loading the built-in module `id` prints a warning here (Node's `sys`, …). */
export function builtinWarnsOnLoad(id: string): boolean {
  return isNode() && NODE_WARNS_ON_LOAD.has(id.startsWith("node:") ? id.slice(5) : id);
}

/**
 * The names of the host's built-in modules (`node:module`'s `builtinModules`), without those
 * that would print a deprecation or experimental warning when loaded here: looking a value
 * up among the built-ins must not print anything.
 */
export function builtinModuleNames(): string[] {
  const names = maybeBuiltin<{ builtinModules?: string[] }>("node:module")?.builtinModules ?? [];
  return names.filter((n) => !builtinWarnsOnLoad(n));
}

/** Deno's main module, Bun's main file and `process.argv[1]`, as the host gives them. */
export function mainModuleHints(): { deno: unknown; bun: unknown; argv: unknown } {
  return { deno: g.Deno?.mainModule, bun: g.Bun?.main, argv: g.process?.argv?.[1] };
}

/** True in Bun's REPL, whose `Bun.main` is empty. */
export function isBunRepl(): boolean {
  return IS_JSC && g.Bun?.main === "";
}

/** True in Deno's REPL, recognised by its main module. */
export function isDenoRepl(): boolean {
  const main = g.Deno?.mainModule;
  return typeof main === "string" && /\$deno\$repl\.m?[jt]s$/.test(main);
}

/**
 * Deno's sys permission: "granted", "denied" or "prompt" ("unknown" when the query fails);
 * undefined where there is no such permission (not Deno).
 */
export function denoSysPermission(): string | undefined {
  const d = g.Deno;
  const query = d?.permissions?.querySync;
  if (query === undefined) return undefined;
  try {
    return query.call(d!.permissions, { name: "sys" }).state;
  } catch {
    return "unknown";
  }
}

/** Bun's synchronous resolver, where there is one. */
export function bunResolveSync(): ((specifier: string, from: string) => string) | undefined {
  const r = g.Bun?.resolveSync;
  return typeof r === "function" ? r : undefined;
}

/** The current directory, where the host has one. */
export function currentDirectory(): string | undefined {
  return g.process?.cwd?.();
}

/**
 * The built-in module `id` (e.g. `"node:fs"`), loaded now if it was not yet: on Deno, loading
 * `node:fs` or `node:module` costs milliseconds that a program which never needs them should
 * not pay at startup. Throws where the host has no such module.
 */
export function builtin<T>(id: string): T {
  return (g.process as { getBuiltinModule(id: string): unknown }).getBuiltinModule(id) as T;
}

/** Like {@linkcode builtin}, but undefined where the host has no built-in modules or not `id`. */
export function maybeBuiltin<T>(id: string): T | undefined {
  const get = g.process?.getBuiltinModule;
  if (typeof get !== "function") return undefined;
  try {
    return (get.call(g.process, id) ?? undefined) as T | undefined;
  } catch {
    return undefined;
  }
}

/** True where the host loads Node built-in modules on demand. */
export function hasBuiltins(): boolean {
  return typeof g.process?.getBuiltinModule === "function";
}

/** Defers `cb` to the host's next tick queue (the inspector session takes its drain there). */
export function processTicker(): {
  nextTick(cb: (...a: unknown[]) => void, ...args: unknown[]): void;
} {
  return g.process as never;
}
