/**
 * The options of a local worker pool (`createPool` in pool.ts).
 *
 * @module
 */

/** Options of `createPool`. */
export interface PoolOptions {
  /** Workers (default: `navigator.hardwareConcurrency`, at least 1). */
  size?: number;
  /** `"thread"` (default): Workers of this runtime. `"process"`: subprocesses. */
  kind?: "thread" | "process";
  /**
   * Subprocess workers: the runtime that runs them (default: this one). `"node"` needs the
   * package's npm build (Node does not run its TypeScript sources).
   */
  runtime?: "deno" | "bun" | "node";
  /**
   * Thread workers: move ArrayBuffers of arguments and results through transfer lists
   * instead of copying them (an argument's buffer is detached here once the task is sent).
   * Cannot be combined with `retries`, since a retried task would need its input again.
   */
  transfer?: boolean;
  /** Runs a task again on a new worker when its worker died (0 or 1; default 0). */
  retries?: number;
  /** Subprocess workers: the executable (default: this runtime's, or node_modules/.bin). */
  command?: string;
  /** Subprocess workers on Deno: the permission flags (default `["-A"]`). */
  denoFlags?: string[];
  /** Subprocess workers: their environment (default: this process's). */
  env?: Record<string, string | undefined>;
  /**
   * Thread workers: extra options of the runtime's Worker constructor, e.g. Deno's unstable
   * `{ deno: { permissions: {...} } }` (needs `--unstable-worker-options`), or Node's
   * `node:worker_threads` options (`resourceLimits`, `execArgv`, …).
   */
  workerOptions?: Record<string, unknown>;
}
