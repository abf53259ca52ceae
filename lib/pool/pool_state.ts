/**
 * What a pool keeps per task and per worker.
 *
 * @module
 */

import type { Job } from "../executor/types.ts";
import type { Payload } from "./codec.ts";
import type { WorkerHandle } from "./handles.ts";
import type { CodeCache } from "../../mod.ts";
import type { Outbox } from "./batch.ts";

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
  /** Thread workers: the tasks for it not sent yet, to leave in one message. */
  outbox?: Outbox;
  /** Thread workers: the flags of its tasks sent ahead and cancelled (skips.ts). */
  skips?: Int32Array;
  ready: boolean;
  /** Tasks sent to the worker, in order: the first runs, the others wait there. */
  tasks: Task[];
  /** When it last replied, or was given a task while idle (performance.now()). */
  since: number;
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
