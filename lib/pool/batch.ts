/**
 * Several tasks in one message to a thread worker, and several results back: flat lists of
 * primitives and byte arrays, which structured clone copies at a fraction of the cost of one
 * object per task, with one wake-up of the other thread for all of them.
 *
 * Host → thread, per task: `id, fnId, mode, n`, then its `n` arguments (primitives), or
 * `n` = {@linkcode PICKLED} then one Uint8Array: the pickle of its arguments (nothing beside
 * it). Only for a function the worker holds, with nothing to drop.
 *
 * Thread → host, per task: `id, n`, then its `n` results (primitives), or `n` =
 * {@linkcode PICKLED} (its results) or {@linkcode FAILED} (its error) then one Uint8Array:
 * the pickle (nothing beside it).
 *
 * @module
 */

import { setImmediate } from "node:timers";
import type { Payload } from "./codec.ts";
import type { RunMessage } from "./protocol.ts";

/** A record's count: one pickle follows (arguments, or results). */
export const PICKLED = -1;
/** A reply record's count: one pickle of the task's error follows. */
export const FAILED = -2;

const EMPTY = new Uint8Array(0);
const NONE: never[] = [];

/** A task's arguments travel in a batch: primitives, or a pickle with nothing beside it. */
export function batchable(args: Payload): boolean {
  return args.raw !== undefined || (args.buffers.length === 0 && args.shared.length === 0);
}

/**
 * The tasks to one thread not sent yet, sent together by {@linkcode Outbox.flush} (called
 * by a timer set when the first is added, or by the caller before a message that must come
 * after them).
 */
export class Outbox {
  private list: unknown[] = [];
  private scheduled = false;
  private readonly flushNow = () => {
    this.scheduled = false;
    this.flush();
  };

  /**
   * `post` sends a batch (a throw fails the tasks it carried: `failed` is told their ids).
   * `later`: when added tasks leave, `"turn"` (after the event loop's current turn, so that
   * the tasks queued by the callbacks of one message go together) or `"microtask"`.
   */
  constructor(
    private readonly post: (list: unknown[]) => void,
    private readonly failed: (ids: number[], e: unknown) => void,
    private readonly later: "turn" | "microtask",
  ) {}

  /** Tasks waiting to leave. */
  get pending(): boolean {
    return this.list.length > 0;
  }

  /** Adds a task (see {@linkcode batchable}). */
  add(id: number, fnId: number, mode: 0 | 1, args: Payload): void {
    const l = this.list;
    const raw = args.raw;
    if (raw !== undefined) {
      l.push(id, fnId, mode, raw.length);
      for (let i = 0; i < raw.length; i++) l.push(raw[i]);
    } else l.push(id, fnId, mode, PICKLED, args.bytes);
    if (!this.scheduled) {
      this.scheduled = true;
      if (this.later === "turn") setImmediate(this.flushNow);
      else queueMicrotask(this.flushNow);
    }
  }

  /** Sends the tasks waiting, in one message. */
  flush(): void {
    const l = this.list;
    if (l.length === 0) return;
    this.list = [];
    try {
      this.post(l);
    } catch (e) {
      this.failed(runIds(l), e);
    }
  }

  /** Forgets the tasks waiting (their thread is gone). */
  clear(): void {
    this.list = [];
  }
}

/** The task ids of a batch of runs. */
function runIds(l: unknown[]): number[] {
  const ids: number[] = [];
  for (let i = 0; i < l.length;) {
    ids.push(l[i] as number);
    const n = l[i + 3] as number;
    i += 4 + (n === PICKLED ? 1 : n);
  }
  return ids;
}

/** Calls `run` with each task of a batch of runs, as a {@linkcode RunMessage}. */
export function readRuns(l: unknown[], run: (m: RunMessage) => void): void {
  for (let i = 0; i < l.length;) {
    const n = l[i + 3] as number;
    const args: Payload = n === PICKLED
      ? { bytes: l[i + 4] as Uint8Array, buffers: NONE, shared: NONE }
      : { bytes: EMPTY, raw: l.slice(i + 4, i + 4 + n), buffers: NONE, shared: NONE };
    run({ t: "run", id: l[i] as number, fnId: l[i + 1] as number, mode: l[i + 2] as 0 | 1, args });
    i += 4 + (n === PICKLED ? 1 : n);
  }
}

/**
 * Appends a task's reply to a batch of replies, when it fits one (results that are
 * primitives, or a pickle with nothing beside it); false when it must travel alone.
 */
export function addReply(l: unknown[], id: number, ok: boolean, value: Payload): boolean {
  const raw = value.raw;
  if (ok && raw !== undefined) {
    l.push(id, raw.length);
    for (let i = 0; i < raw.length; i++) l.push(raw[i]);
    return true;
  }
  if (raw !== undefined || value.buffers.length > 0 || value.shared.length > 0) return false;
  l.push(id, ok ? PICKLED : FAILED, value.bytes);
  return true;
}

/**
 * Calls `done` with each reply of a batch: the results (primitives), or the pickle of the
 * results (`ok`) or of the error.
 */
export function readReplies(
  l: unknown[],
  done: (
    id: number,
    ok: boolean,
    results: unknown[] | undefined,
    pickle: Payload | undefined,
  ) => void,
): void {
  for (let i = 0; i < l.length;) {
    const id = l[i] as number;
    const n = l[i + 1] as number;
    if (n >= 0) {
      done(id, true, l.slice(i + 2, i + 2 + n), undefined);
      i += 2 + n;
    } else {
      done(id, n === PICKLED, undefined, {
        bytes: l[i + 2] as Uint8Array,
        buffers: NONE,
        shared: NONE,
      });
      i += 3;
    }
  }
}
