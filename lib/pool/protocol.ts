/**
 * The messages between a pool and its workers (thread or process alike).
 *
 * @module
 */

import type { Payload } from "./codec.ts";

/** Host → worker: run a job. */
export interface RunMessage {
  t: "run";
  id: number;
  /** The call's function id; `fn` comes with it the first time this worker sees it. */
  fnId: number;
  fn?: Payload;
  /**
   * Code definitions `fn` names by hash that the worker may lack (NATS workers: fetched
   * from the queue's code bucket), added to its code cache before `fn` is loaded.
   */
  defs?: Uint8Array[];
  /** Function ids the worker may forget (the host forgot them for this worker). */
  drop?: number[];
  /** 0: `fn(...args)`; 1: `fn(item)` for each item. */
  mode: 0 | 1;
  args: Payload;
}

/**
 * Host → worker: a task sent ahead of time (behind the one running) was cancelled: drop it
 * unless it started.
 */
export interface SkipMessage {
  t: "skip";
  id: number;
}

/**
 * Host → thread worker: tasks in one flat list (see batch.ts), for functions the worker
 * holds and arguments with nothing beside them.
 */
export type RunBatch = unknown[];

/** Thread worker → host: replies in one flat list (see batch.ts). */
export type DoneBatch = unknown[];

/**
 * Host → thread worker, once it is ready: the shared flags of the tasks sent ahead and
 * cancelled (see skips.ts), read before each task starts, so that a task cancelled while
 * the tasks before it run without a pause (no message read meanwhile) is skipped too.
 */
export interface SkipsMessage {
  t: "skips";
  flags: Int32Array;
}

/** Host → worker. */
export type HostMessage = RunMessage | SkipMessage | SkipsMessage | RunBatch;

/** Worker → host. */
export type ReplyMessage =
  | { t: "ready" }
  | { t: "done"; id: number; ok: boolean; value: Payload }
  | { t: "exit"; reason: string };
