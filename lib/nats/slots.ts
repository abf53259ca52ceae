/**
 * The threads a NATS worker runs tasks on: one Worker thread per slot (the pool's thread
 * worker, in its bytes-only mode), so the thread that talks to NATS stays free to send
 * heartbeats while a task computes.
 *
 * @module
 */

import { PRELOAD_URL, THREAD_ENTRY } from "../pool/commands.ts";
import { startThread, type WorkerHandle } from "../pool/handles.ts";
import type { DoneBatch, HostMessage, ReplyMessage, RunMessage } from "../pool/protocol.ts";
import { Outbox, readReplies } from "../pool/batch.ts";
import { markSkipped, newSkips } from "../pool/skips.ts";

/** Function definitions a thread keeps at most. */
const FUNCTIONS_PER_THREAD = 32;

/** Function keys a worker numbers at most (a key dropped gets a new number when met again). */
const FUNCTION_IDS = 4096;

/** The numbers of the function pickles a worker met, shared by its slots (never reused). */
export class FnIds {
  private readonly ids = new Map<string, number>();
  private next = 0;

  /** The number of the function pickle whose SHA-256 is `key`. */
  of(key: string): number {
    let id = this.ids.get(key);
    if (id === undefined) {
      id = this.next++;
      if (this.ids.size >= FUNCTION_IDS) this.ids.delete(this.ids.keys().next().value!);
      this.ids.set(key, id);
    }
    return id;
  }
}

/**
 * What a run ended with: the pickled results or error, the thread's death, or `again`: the
 * task was sent ahead and never started (its thread died or was stopped first), so it may run
 * elsewhere as if it had never been sent.
 */
export type RunOutcome = { ok: boolean; value: Uint8Array } | { died: string } | {
  again: true;
};

const AGAIN: RunOutcome = { again: true };
const NONE: never[] = [];

/**
 * One thread, started again when it dies or is stopped. It may be given a task while it runs
 * another (sent ahead): the thread runs them one at a time, in the order they were sent, so
 * the next starts without waiting for a message from the thread that talks to NATS.
 */
export class Slot {
  private handle?: WorkerHandle;
  /** The runs for the thread not sent yet: they leave together, in one message. */
  private outbox?: Outbox;
  /** The flags of its runs sent ahead and cancelled (see skips.ts). */
  private skips?: Int32Array;
  private ready?: Promise<void>;
  /** The runs sent to the thread and not answered yet, in the order they were sent. */
  private readonly pending = new Map<number, (o: RunOutcome) => void>();
  /** Runs cancelled before they were sent. */
  private readonly skipped = new Set<number>();
  private fns = new Set<number>();
  private nextRun = 0;
  /** Tasks given to this slot and not over yet (kept by its worker). */
  load = 0;
  /** Messages to and from its threads so far (a batch counts one). */
  messages = 0;

  constructor(private readonly fnIds: FnIds) {}

  private start(): Promise<void> {
    if (this.ready !== undefined) return this.ready;
    this.ready = new Promise<void>((resolve, reject) => {
      let up = false;
      const handle = startThread({
        url: THREAD_ENTRY,
        preload: PRELOAD_URL,
        workerOptions: { name: "cloudpickle-pool-bytes", argv: ["--cloudpickle-pool-bytes"] },
      }, {
        message: (m: ReplyMessage | DoneBatch) => {
          if (handle !== this.handle) return;
          this.messages++;
          if (Array.isArray(m)) {
            readReplies(m, (id, ok, _, pickle) => {
              const c = this.pending.get(id);
              this.pending.delete(id);
              c?.({ ok, value: pickle!.bytes });
            });
          } else if (m.t === "ready") {
            this.skips = newSkips();
            this.post({ t: "skips", flags: this.skips });
            up = true;
            resolve();
          } else if (m.t === "done") {
            const c = this.pending.get(m.id);
            this.pending.delete(m.id);
            c?.({ ok: m.ok, value: m.value.bytes });
          }
        },
        death: (reason) => {
          if (handle !== this.handle) return;
          this.reset();
          if (!up) reject(new Error(`a task thread failed to start: ${reason}`));
          this.settle({ died: reason });
        },
      });
      this.handle = handle;
      this.outbox = new Outbox((l) => this.post(l), () => {}, "microtask");
    });
    this.ready.catch(() => {});
    return this.ready;
  }

  /** Answers the runs pending: the first (the one running) with `first`, the rest `again`. */
  private settle(first: RunOutcome): void {
    let o = first;
    for (const c of this.pending.values()) {
      c(o);
      o = AGAIN;
    }
    this.pending.clear();
  }

  /** Sends a message to the thread, after the runs waiting in the outbox. */
  private post(m: HostMessage): void {
    if (!Array.isArray(m)) this.outbox?.flush();
    this.messages++;
    this.handle!.send(m, []);
  }

  private reset(): void {
    this.handle?.kill();
    this.handle = undefined;
    this.outbox?.clear();
    this.outbox = undefined;
    this.skips = undefined;
    this.ready = undefined;
    this.fns.clear();
  }

  /** A number for the next run, to give {@linkcode run} and {@linkcode cancel}. */
  runId(): number {
    return this.nextRun++;
  }

  /**
   * Runs a task on this slot's thread (`fn` is loaded once per thread under `fnKey`, with
   * the code definitions `defs` gives, which it names by hash), behind the tasks it was
   * given before.
   */
  async run(
    id: number,
    fnKey: string,
    fn: Uint8Array,
    defs: (fn: Uint8Array) => Promise<Uint8Array[]>,
    mode: 0 | 1,
    args: Uint8Array,
  ): Promise<RunOutcome> {
    await this.start();
    const fnId = this.fnIds.of(fnKey);
    if (this.fns.has(fnId)) {
      // The common case: with the other runs for this thread, in one message.
      if (this.skipped.delete(id)) return { died: "cancelled" };
      this.fns.delete(fnId);
      this.fns.add(fnId);
      return new Promise<RunOutcome>((resolve) => {
        this.pending.set(id, resolve);
        this.outbox!.add(id, fnId, mode, { bytes: args, buffers: NONE, shared: NONE });
      });
    }
    const m: RunMessage = {
      t: "run",
      id,
      fnId,
      mode,
      args: { bytes: args, buffers: NONE, shared: NONE },
    };
    const d = await defs(fn);
    await this.start(); // (again, if the thread was stopped meanwhile)
    if (d.length > 0) m.defs = d;
    m.fn = { bytes: fn, buffers: NONE, shared: NONE };
    if (this.fns.size >= FUNCTIONS_PER_THREAD) {
      const old = this.fns.values().next().value as number;
      this.fns.delete(old);
      m.drop = [old];
    }
    if (this.skipped.delete(id)) return { died: "cancelled" }; // (fnId then sent again)
    this.fns.add(fnId);
    return await new Promise<RunOutcome>((resolve) => {
      this.pending.set(id, resolve);
      this.post(m);
    });
  }

  /**
   * Stops the run `id`: one waiting behind another is skipped; the one running stops with its
   * thread (replaced at the next run), and those behind it may run elsewhere.
   */
  cancel(id: number): void {
    const c = this.pending.get(id);
    if (c === undefined) {
      this.skipped.add(id); // (not sent yet)
      return;
    }
    if (this.pending.keys().next().value === id) {
      this.stop("cancelled");
    } else {
      this.pending.delete(id);
      if (this.skips !== undefined) markSkipped(this.skips, id);
      if (this.handle !== undefined) this.post({ t: "skip", id });
      c({ died: "cancelled" });
    }
  }

  /** Stops the running task (its thread is replaced at the next run). */
  stop(reason: string): void {
    this.reset();
    this.settle({ died: reason });
  }

  /** Ends the thread. */
  close(): void {
    this.stop("the worker stopped");
  }
}
