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

/** What a run ended with: the pickled results or error, or the thread's death. */
export type RunOutcome = { ok: boolean; value: Uint8Array } | { died: string };

/** One thread, started again when it dies or is stopped. */
export class Slot {
  private handle?: WorkerHandle;
  private ready?: Promise<void>;
  private current?: (o: RunOutcome) => void;
  private fns = new Set<number>();
  private nextRun = 0;

  constructor(private readonly fnIds: Map<string, number>) {}

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

  /** Runs a task on this slot's thread (`fn` is loaded once per thread under `fnKey`). */
  async run(fnKey: string, fn: Uint8Array, mode: 0 | 1, args: Uint8Array): Promise<RunOutcome> {
    await this.start();
    let fnId = this.fnIds.get(fnKey);
    if (fnId === undefined) {
      fnId = this.fnIds.size;
      this.fnIds.set(fnKey, fnId);
    }
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
