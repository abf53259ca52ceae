/**
 * Pools of reusable local workers for pickled closures: `pool.map(closure, data)` on Worker
 * threads of this runtime (Web Workers; `node:worker_threads` on Node), or on subprocesses of
 * Deno, Bun or Node.
 *
 * @example
 * ```ts
 * import { createPool } from "@cloudpickle/cloudpickle/pool";
 * import assert from "node:assert/strict";
 *
 * const rate = 2;
 * await using pool = createPool({ size: 2 }); // closed when the block ends
 * assert.deepEqual(await pool.map((x: number) => x * rate, [1, 2, 3]), [2, 4, 6]);
 * ```
 *
 * @module
 */

export { createPool, Pool } from "./lib/pool/pool.ts";
export type { PoolOptions } from "./lib/pool/options.ts";
export {
  CancelledError,
  ExecutorClosedError,
  ExecutorError,
  WorkerDiedError,
} from "./lib/executor/errors.ts";
export type { CallOptions, CloseOptions, Executor, Job, MapOptions } from "./lib/executor/types.ts";
export { BaseExecutor } from "./lib/executor/base.ts";
