/**
 * cloudpickle for JavaScript: pickle any JavaScript value into bytes and load it back, in
 * this process, a Worker, another process or another runtime (Deno, Bun).
 *
 * Graph-faithful: shared references and cycles stay shared, prototypes, property order,
 * descriptors and integrity levels are kept, and every built-in data type round-trips
 * (Map, Set, Date, RegExp, errors, typed arrays over shared buffers, BigInt, symbols, URL,
 * Blob, …).
 *
 * @example
 * ```ts
 * import { dumpsSync, loadsSync } from "./mod.ts";
 *
 * const node = { name: "root", children: [] as object[], seen: new Set<object>() };
 * node.children.push(node);
 * node.seen.add(node);
 *
 * const copy = loadsSync<typeof node>(dumpsSync(node));
 * console.log(copy.children[0] === copy, copy.seen.has(copy)); // true true
 * ```
 *
 * @module
 */

export { dumps, dumpsSync, loads, loadsSync } from "./lib/pickle/api.ts";
export { Pickler, Unpickler } from "./lib/pickle/picklers.ts";
export { dump, load } from "./lib/pickle/streams.ts";
export { PickleError, PicklingError, UnpicklingError } from "./lib/errors.ts";
export { reduce, setState } from "./lib/pickle/options.ts";
export { closure } from "./lib/code/captures.ts";
export { CodeCache, CodeCacheMissError } from "./lib/pickle/code_cache.ts";
export {
  listRegistryPickleByValue,
  registerPickleByValue,
  unregisterPickleByValue,
} from "./lib/code/registry.ts";
export { registerModule } from "./lib/runtime/modules/table.ts";
export { ready } from "./lib/runtime/ready.ts";
export type { CodeCacheOptions } from "./lib/pickle/code_cache.ts";
export type {
  AllowList,
  DumpOptions,
  LoadOptions,
  Reduction,
  Reference,
} from "./lib/pickle/options.ts";
export { FORMAT_VERSION } from "./lib/format/tags.ts";
