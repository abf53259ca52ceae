/**
 * Pools of reusable local workers for pickled closures: `pool.map(closure, data)` on Worker
 * threads of this runtime, or on subprocesses of Deno or Bun.
 *
 * @example
 * ```ts ignore
 * import { createPool } from "@cloudpickle/cloudpickle/pool";
 *
 * const rate = 1.2;
 * await using pool = createPool({ size: 4 });
 * console.log(await pool.map((x: number) => x * rate, [1, 2, 3])); // [1.2, 2.4, 3.6]
 * ```
 *
 * @module
 */

export { createPool, Pool, type PoolOptions } from "./lib/pool/pool.ts";
export {
  CancelledError,
  ExecutorClosedError,
  ExecutorError,
  WorkerDiedError,
} from "./lib/executor/errors.ts";
export type { CallOptions, CloseOptions, Executor, Job, MapOptions } from "./lib/executor/types.ts";
export { BaseExecutor } from "./lib/executor/base.ts";
