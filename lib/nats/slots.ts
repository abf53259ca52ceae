/**
 * The threads a NATS worker runs tasks on: one Worker thread per slot (the pool's thread
 * worker, in its bytes-only mode), so the thread that talks to NATS stays free to send
 * heartbeats while a task computes.
 *
 * @module
 */

import { PRELOAD_URL, THREAD_ENTRY } from "../pool/commands.ts";
import { startThread, type WorkerHandle } from "../pool/handles.ts";
import type { ReplyMessage, RunMessage } from "../pool/protocol.ts";

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

/** What a run ended with: the pickled results or error, or the thread's death. */
export type RunOutcome = { ok: boolean; value: Uint8Array } | { died: string };

/** One thread, started again when it dies or is stopped. */
export class Slot {
  private handle?: WorkerHandle;
  private ready?: Promise<void>;
  private current?: (o: RunOutcome) => void;
  private fns = new Set<number>();
  private nextRun = 0;

  constructor(private readonly fnIds: FnIds) {}

  private start(): Promise<void> {
    if (this.ready !== undefined) return this.ready;
    this.ready = new Promise<void>((resolve, reject) => {
      let up = false;
      const handle = startThread({
        url: THREAD_ENTRY,
        preload: PRELOAD_URL,
        transferResults: false,
        workerOptions: { name: "cloudpickle-pool-bytes", argv: ["--cloudpickle-pool-bytes"] },
      }, {
        message: (m: ReplyMessage) => {
          if (handle !== this.handle) return;
          if (m.t === "ready") {
            up = true;
            resolve();
          } else if (m.t === "done") {
            const c = this.current;
            this.current = undefined;
            c?.({ ok: m.ok, value: m.value.bytes });
          }
        },
        death: (reason) => {
          if (handle !== this.handle) return;
          this.reset();
          if (!up) reject(new Error(`a task thread failed to start: ${reason}`));
          const c = this.current;
          this.current = undefined;
          c?.({ died: reason });
        },
      });
      this.handle = handle;
    });
    this.ready.catch(() => {});
    return this.ready;
  }

  private reset(): void {
    this.handle?.kill();
    this.handle = undefined;
    this.ready = undefined;
    this.fns.clear();
  }

  /**
   * Runs a task on this slot's thread (`fn` is loaded once per thread under `fnKey`, with
   * the code definitions `defs` gives, which it names by hash).
   */
  async run(
    fnKey: string,
    fn: Uint8Array,
    defs: (fn: Uint8Array) => Promise<Uint8Array[]>,
    mode: 0 | 1,
    args: Uint8Array,
  ): Promise<RunOutcome> {
    await this.start();
    const fnId = this.fnIds.of(fnKey);
    const m: RunMessage = {
      t: "run",
      id: this.nextRun++,
      fnId,
      mode,
      args: { bytes: args, buffers: [], shared: [] },
    };
    if (this.fns.has(fnId)) {
      this.fns.delete(fnId);
    } else {
      const d = await defs(fn);
      await this.start(); // (again, if the thread was stopped meanwhile)
      if (d.length > 0) m.defs = d;
      m.fn = { bytes: fn, buffers: [], shared: [] };
      if (this.fns.size >= FUNCTIONS_PER_THREAD) {
        const old = this.fns.values().next().value as number;
        this.fns.delete(old);
        m.drop = [old];
      }
    }
    this.fns.add(fnId);
    return await new Promise<RunOutcome>((resolve) => {
      this.current = resolve;
      this.handle!.send(m, []);
    });
  }

  /** Stops the running task (its thread is replaced at the next run). */
  stop(reason: string): void {
    const c = this.current;
    this.current = undefined;
    this.reset();
    c?.({ died: reason });
  }

  /** Ends the thread. */
  close(): void {
    this.stop("the worker stopped");
  }
}
