/**
 * Node built-in modules loaded when first used rather than when the library is imported:
 * on Deno, loading `node:fs` or `node:module` costs milliseconds that a program which never
 * needs them should not pay at startup.
 *
 * @module
 */

/** The built-in module `id` (e.g. `"node:fs"`), loaded now if it was not yet. */
export function builtin<T>(id: string): T {
  return (globalThis as unknown as { process: { getBuiltinModule(id: string): unknown } })
    .process.getBuiltinModule(id) as T;
}
