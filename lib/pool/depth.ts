/**
 * How many tasks a pool sends a worker at most: the one it runs and one ahead, or, for thread
 * workers while tasks are short, a batch of them in one message. Set from the average time of
 * a task, measured between replies.
 *
 * @module
 */

import type { Slot } from "./pool_state.ts";

/**
 * Tasks a worker is sent at most: the one it runs and one ahead, so that it starts the
 * next as soon as it replies instead of a round trip later.
 */
const PIPELINE = 2;

/**
 * Tasks a thread worker is sent at most while tasks are short (see {@linkcode SHORT_MS}):
 * they leave in batches, several in one message.
 */
export const SHORT_PIPELINE = 32;

/** Tasks shorter than this (milliseconds, on average) are short. */
const SHORT_MS = 1;

/** The depth of a pool's pipeline to each worker. */
export class PipelineDepth {
  /** Tasks sent to a worker at most (more while tasks are short, for thread workers). */
  depth = PIPELINE;
  /** The average time of a task on a worker, in milliseconds (replies included). */
  private averageMs = SHORT_MS;

  constructor(private readonly batches: boolean) {}

  /**
   * A reply came from `slot`: the time since the last one (or since the worker was given a
   * task while idle) counts in the average task time, which sets the depth.
   */
  timed(slot: Slot): void {
    const now = performance.now();
    this.averageMs = 0.8 * this.averageMs + 0.2 * (now - slot.since);
    slot.since = now;
    this.depth = this.averageMs < SHORT_MS && this.batches ? SHORT_PIPELINE : PIPELINE;
  }
}
