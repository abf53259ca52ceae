/**
 * What a pool keeps per task and per worker.
 *
 * @module
 */

import type { Job } from "../executor/types.ts";
import type { Payload } from "./codec.ts";
import type { WorkerHandle } from "./handles.ts";
import type { CodeCache } from "../../mod.ts";

export interface Task {
  job: Job;
  fnId: number;
  args: Payload;
  signal: AbortSignal;
  resolve(r: unknown[]): void;
  reject(e: unknown): void;
  onAbort(): void;
  attempts: number;
  slot?: Slot;
  id: number;
}

export interface Slot {
  handle?: WorkerHandle;
  ready: boolean;
  /** Tasks sent to the worker, in order: the first runs, the others wait there. */
  tasks: Task[];
  /** Tasks given to this worker whose message waits for its function's async pickle. */
  sending: number;
  /** Function ids this worker holds, oldest first. */
  fns: Set<number>;
  /**
   * The pool's end of the channel to this worker: the function definitions the worker
   * holds, sent once and named by hash afterwards (a new worker starts with a new one).
   */
  cache: CodeCache;
}
