/**
 * A pool of reusable local workers (Worker threads of this runtime, or subprocesses of
 * Deno, Bun or Node) behind the executor interface.
 *
 * @module
 */

import { BaseExecutor } from "../executor/base.ts";
import { WorkerDiedError } from "../executor/errors.ts";
import type { Job } from "../executor/types.ts";
import {
  decode,
  encode,
  encodeList,
  encodeSync,
  type Payload,
  payloadBytes,
  transferList,
} from "./codec.ts";
import { CodeCache, PicklingError } from "../../mod.ts";
import type { HandleEvents, WorkerHandle } from "./handles.ts";
import { poolSettings } from "./settings.ts";
import type { DoneBatch, HostMessage, ReplyMessage, RunMessage } from "./protocol.ts";
import { batchable, Outbox, readReplies } from "./batch.ts";
import { markSkipped, newSkips } from "./skips.ts";
import type { PoolOptions } from "./options.ts";
import type { Slot, Task } from "./pool_state.ts";
import { PipelineDepth, SHORT_PIPELINE } from "./depth.ts";

const isArray = Array.isArray;

/** Function definitions a worker keeps at most (older ones are dropped on both sides). */
const FUNCTIONS_PER_WORKER = 32;

/** A pool of local workers; see {@linkcode createPool}. */
export class Pool extends BaseExecutor {
  /** Workers in the pool. */
  readonly size: number;
  /** Thread or process workers. */
  readonly kind: "thread" | "process";
  /** The runtime of the workers. */
  readonly runtime: "deno" | "bun" | "node";
  private readonly transfer: boolean;
  private readonly retries: number;
  private readonly start: (on: HandleEvents) => WorkerHandle;
  private readonly slots: Slot[] = [];
  private readonly queue: Task[] = [];
  private readonly fnIds = new WeakMap<object, number>();
  /** Calls whose function only the async form pickles: pickled once, without the cache. */
  private readonly fnPayloads = new WeakMap<object, Promise<Payload>>();
  private nextFn = 0;
  private nextTask = 0;
  private stopped = false;
  /** How many tasks a worker is sent at most. */
  private readonly pipeline: PipelineDepth;
  /** Workers started so far, replacements included. */
  started = 0;
  /**
   * Bytes of the pickles sent to workers so far (functions, arguments and their
   * out-of-band buffers; lists of primitives that travel unpickled count nothing).
   */
  bytesSent = 0;
  /** Messages sent to workers so far (a batch of tasks counts one). */
  messagesSent = 0;
  /** Messages received from workers so far (a batch of replies counts one). */
  messagesReceived = 0;

  /** Creates a pool; workers start with the first task. */
  constructor(options: PoolOptions = {}) {
    super();
    const o = poolSettings(options);
    this.size = o.size;
    this.kind = o.kind;
    this.pipeline = new PipelineDepth(o.kind === "thread");
    this.runtime = o.runtime;
    this.retries = o.retries;
    this.transfer = o.transfer;
    this.start = o.start;
    const size = o.size;
    for (let i = 0; i < size; i++) {
      this.slots.push({
        ready: false,
        tasks: [],
        since: 0,
        sending: 0,
        fns: new Set(),
        cache: new CodeCache(),
      });
    }
  }

  /** Workers in the pool. */
  protected get concurrency(): number {
    return this.size;
  }

  /** Thread workers: enough chunks in flight for 32 items per worker (see SHORT_PIPELINE). */
  protected override defaultWindow(chunkSize: number): number {
    const n = 2 * this.size;
    if (this.kind !== "thread") return n;
    return Math.max(n, Math.ceil(SHORT_PIPELINE * this.size / chunkSize));
  }

  /** SharedArrayBuffers are shared (thread workers), not copied. */
  private get share(): boolean {
    return this.kind === "thread";
  }

  /** The call's function id (one per call: its chunks share it). */
  private fnId(job: Job): number {
    let id = this.fnIds.get(job.token);
    if (id === undefined) {
      id = this.nextFn++;
      this.fnIds.set(job.token, id);
    }
    return id;
  }

  /**
   * The call's function for the worker of `slot`, pickled with that worker's code cache
   * (its definitions travel once per worker); a function only the async form pickles
   * is pickled once per call without the cache.
   */
  private fnFor(job: Job, slot: Slot): Payload | Promise<Payload> {
    if (!this.fnPayloads.has(job.token)) {
      try {
        return encodeSync(job.fn, this.share, false, {
          codeCache: slot.cache,
          classNamespace: this.classNamespace,
        });
      } catch (e) {
        if (!(e instanceof PicklingError)) throw e;
      }
      this.fnPayloads.set(
        job.token,
        encode(job.fn, this.share, false, { classNamespace: this.classNamespace }),
      );
    }
    return this.fnPayloads.get(job.token)!;
  }

  /** Pickles the job's arguments, queues it, and resolves with its results. */
  protected runJob(job: Job, signal: AbortSignal): Promise<unknown[]> {
    if (signal.aborted) return Promise.reject(signal.reason);
    let args: Payload | Promise<Payload>;
    try {
      args = encodeList(job.items, this.share, this.kind === "thread", {
        classNamespace: this.classNamespace,
      });
    } catch (e) {
      return Promise.reject(e);
    }
    if (args instanceof Promise) return args.then((a) => this.enqueue(job, a, signal));
    return this.enqueue(job, args, signal);
  }

  /** Queues the job with its pickled arguments, and resolves with its results. */
  private enqueue(job: Job, args: Payload, signal: AbortSignal): Promise<unknown[]> {
    if (signal.aborted) return Promise.reject(signal.reason);
    const fnId = this.fnId(job);
    return new Promise<unknown[]>((resolve, reject) => {
      const task: Task = {
        job,
        fnId,
        args,
        signal,
        resolve,
        reject,
        attempts: 0,
        id: this.nextTask++,
        onAbort: () => this.abort(task),
      };
      signal.addEventListener("abort", task.onAbort, { once: true });
      this.queue.push(task);
      this.pump();
    });
  }

  /** The task left the pool: forget its abort listener and worker. */
  private settle(task: Task): void {
    task.signal.removeEventListener("abort", task.onAbort);
    task.slot = undefined;
  }

  /** Drops a queued task, or stops the worker running it. */
  private abort(task: Task): void {
    const slot = task.slot;
    this.settle(task);
    if (slot !== undefined) {
      const i = slot.tasks.indexOf(task);
      if (i === 0) {
        // Running: the only way to stop it is to stop its worker.
        slot.tasks.shift();
        this.requeue(slot);
        this.reset(slot);
      } else if (i > 0) {
        // Sent ahead: the worker drops it (unless it started meanwhile; then its result
        // is not taken).
        slot.tasks.splice(i, 1);
        if (slot.skips !== undefined) markSkipped(slot.skips, task.id);
        try {
          this.post(slot, { t: "skip", id: task.id }, []);
        } catch { /* the worker is gone */ }
      }
    } else {
      const i = this.queue.indexOf(task);
      if (i >= 0) this.queue.splice(i, 1);
    }
    task.reject(task.signal.reason);
    this.pump();
  }

  /** The tasks sent ahead to the slot's worker go back to the front of the queue. */
  private requeue(slot: Slot): void {
    for (let i = slot.tasks.length - 1; i >= 0; i--) {
      slot.tasks[i].slot = undefined;
      this.queue.unshift(slot.tasks[i]);
    }
    slot.tasks.length = 0;
  }

  /** Kills the slot's worker; the slot starts a new one when work comes. */
  private reset(slot: Slot): void {
    slot.handle?.kill();
    slot.handle = undefined;
    slot.outbox?.clear();
    slot.outbox = undefined;
    slot.skips = undefined;
    slot.ready = false;
    slot.sending = 0;
    slot.fns.clear();
    slot.cache = new CodeCache();
  }

  /** Starts a worker in `slot`. */
  private spawn(slot: Slot): void {
    this.started++;
    const handle: WorkerHandle = this.start({
      message: (m) => {
        if (slot.handle === handle) this.onMessage(slot, m);
      },
      death: (reason) => {
        if (slot.handle === handle) this.onDeath(slot, reason);
      },
    });
    slot.handle = handle;
    if (this.kind === "thread") {
      slot.outbox = new Outbox(
        (l) => this.post(slot, l, []),
        (ids, e) => {
          for (const id of ids) {
            const t = slot.tasks.find((t) => t.id === id);
            if (t !== undefined) this.unsent(slot, t, e);
          }
        },
        "turn",
      );
    }
  }

  /** Sends a message to the slot's worker, after the tasks batched for it. */
  private post(slot: Slot, m: HostMessage, transfer: ArrayBuffer[]): void {
    if (!isArray(m)) slot.outbox?.flush();
    this.messagesSent++;
    slot.handle!.send(m, transfer);
  }

  /** Hands queued tasks to idle workers, and starts workers for the rest. */
  private pump(): void {
    if (this.stopped) return;
    // Idle workers first, then tasks ahead to the least busy ones.
    const depth = this.pipeline.depth;
    while (this.queue.length > 0) {
      let to: Slot | undefined;
      for (const s of this.slots) {
        if (
          s.ready && s.sending === 0 && s.tasks.length < depth &&
          (to === undefined || s.tasks.length < to.tasks.length)
        ) to = s;
      }
      if (to === undefined) break;
      if (to.tasks.length === 0) to.since = performance.now();
      this.dispatch(to, this.queue.shift()!);
    }
    if (this.queue.length > 0) {
      // Start workers for the waiting tasks (up to `size`).
      let starting = this.slots.filter((s) => s.handle !== undefined && !s.ready).length;
      for (const s of this.slots) {
        if (starting >= this.queue.length) break;
        if (s.handle === undefined) {
          this.spawn(s);
          starting++;
        }
      }
    }
  }

  /** Sends `task` to the worker of `slot` (its function too, the first time). */
  private dispatch(slot: Slot, task: Task): void {
    const m: RunMessage = {
      t: "run",
      id: task.id,
      fnId: task.fnId,
      mode: task.job.mode === "apply" ? 0 : 1,
      args: task.args,
    };
    slot.tasks.push(task);
    task.slot = slot;
    let fn: Payload | Promise<Payload> | undefined;
    if (slot.fns.has(task.fnId)) {
      // Most recently used last.
      slot.fns.delete(task.fnId);
    } else {
      try {
        fn = this.fnFor(task.job, slot);
      } catch (e) {
        this.unsent(slot, task, e);
        return;
      }
      if (slot.fns.size >= FUNCTIONS_PER_WORKER) {
        const old = slot.fns.values().next().value as number;
        slot.fns.delete(old);
        m.drop = [old];
      }
    }
    slot.fns.add(task.fnId);
    if (
      fn === undefined && m.drop === undefined && slot.outbox !== undefined &&
      batchable(task.args)
    ) {
      // The common case of a thread worker: with the other tasks for it, in a flat list.
      this.bytesSent += task.args.bytes.length;
      slot.outbox.add(task.id, task.fnId, m.mode, task.args);
      return;
    }
    if (!(fn instanceof Promise)) {
      m.fn = fn;
      this.send(slot, task, m);
      return;
    }
    const handle = slot.handle;
    slot.sending++;
    fn.then((p) => {
      if (slot.handle !== handle) return;
      slot.sending--;
      if (!slot.tasks.includes(task)) return;
      m.fn = p;
      this.send(slot, task, m);
      this.pump();
    }, (e) => {
      if (slot.handle !== handle) return;
      slot.sending--;
      if (slot.tasks.includes(task)) this.unsent(slot, task, e);
    });
  }

  /** Posts a task's message to its worker, counting the bytes it carries. */
  private send(slot: Slot, task: Task, m: RunMessage): void {
    // (Counted first: transferred buffers are detached once sent.)
    const n = payloadBytes(m.args) + (m.fn === undefined ? 0 : payloadBytes(m.fn));
    try {
      this.post(slot, m, this.transfer ? transferList(task.args.buffers) : []);
    } catch (e) {
      this.unsent(slot, task, e);
      return;
    }
    this.bytesSent += n;
  }

  /**
   * A task that could not be sent (a value postMessage refuses, a function that cannot be
   * pickled): it fails alone. The worker may lack definitions counted as sent to it, so
   * they are sent again from now on.
   */
  private unsent(slot: Slot, task: Task, e: unknown): void {
    const i = slot.tasks.indexOf(task);
    if (i >= 0) slot.tasks.splice(i, 1);
    slot.fns.delete(task.fnId);
    slot.cache = new CodeCache();
    this.settle(task);
    task.reject(e);
    this.pump();
  }

  /** A worker is ready, or tasks are done. */
  private onMessage(slot: Slot, m: ReplyMessage | DoneBatch): void {
    this.messagesReceived++;
    if (isArray(m)) {
      this.pipeline.timed(slot);
      // (Settled before the pump, which may give their workers the next tasks: the callbacks
      // run later, as microtasks.)
      readReplies(m, (id, ok, results, pickle) => {
        const t = this.taken(slot, id);
        if (t !== undefined) this.finish(t, ok, results, pickle);
      });
      this.pump();
      return;
    }
    if (m.t === "ready") {
      if (this.kind === "thread") {
        slot.skips = newSkips();
        this.post(slot, { t: "skips", flags: slot.skips }, []);
      }
      slot.ready = true;
      this.pump();
      return;
    }
    if (m.t !== "done") return;
    this.pipeline.timed(slot);
    const task = this.taken(slot, m.id);
    if (task === undefined) return;
    this.pump();
    this.finish(task, m.ok, m.ok ? m.value.raw : undefined, m.value);
  }

  /**
   * Takes the task `id` off its worker (the first task, unless the one that replied was
   * skipped too late: then undefined).
   */
  private taken(slot: Slot, id: number): Task | undefined {
    const i = slot.tasks[0]?.id === id ? 0 : slot.tasks.findIndex((t) => t.id === id);
    if (i < 0) return undefined;
    const task = slot.tasks[i];
    if (i === 0) slot.tasks.shift();
    else slot.tasks.splice(i, 1);
    this.settle(task);
    return task;
  }

  /** Settles a task with its results (primitives), or the pickle of its results or error. */
  private finish(task: Task, ok: boolean, results: unknown[] | undefined, pickle?: Payload): void {
    if (results !== undefined) {
      task.resolve(results);
      return;
    }
    Promise.resolve(decode(pickle!)).then((v) => {
      if (ok) task.resolve(v as unknown[]);
      else task.reject(v);
    }, task.reject);
  }

  /** A worker died: its task is retried or fails; a worker that never started fails the queue. */
  private onDeath(slot: Slot, reason: string): void {
    const wasReady = slot.ready;
    // The first task ran; those sent ahead did not start: they go back to the queue.
    const task = slot.tasks.shift();
    this.requeue(slot);
    this.reset(slot);
    const what = `a ${this.runtime} ${this.kind} worker`;
    if (task !== undefined) {
      this.settle(task);
      if (task.attempts < this.retries) {
        task.attempts++;
        task.signal.addEventListener("abort", task.onAbort, { once: true });
        this.queue.unshift(task);
      } else {
        task.reject(
          new WorkerDiedError(
            `${what} died while running the task: ${reason}` +
              (this.retries > 0 ? ` (it ran ${task.attempts + 1} times)` : ""),
          ),
        );
      }
    } else if (!wasReady) {
      // It never started: fail the waiting tasks instead of starting workers forever.
      const err = new WorkerDiedError(`${what} failed to start: ${reason}`);
      for (const t of this.queue.splice(0)) {
        this.settle(t);
        t.reject(err);
      }
    }
    this.pump();
  }

  /** Stops every worker. */
  protected shutdown(_cancel: boolean): Promise<void> {
    this.stopped = true;
    for (const s of this.slots) this.reset(s);
    return Promise.resolve();
  }
}

/**
 * Creates a pool of reusable local workers.
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
 */
export function createPool(options?: PoolOptions): Pool {
  return new Pool(options);
}
