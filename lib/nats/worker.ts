/**
 * The worker side of the NATS executor: pulls tasks from the queue's stream, checks their
 * signature, runs them on its threads while heartbeats keep the lease, publishes the signed
 * results on the client's subject, and acks.
 *
 * @module
 */

import { hostname } from "node:os";
import process from "node:process";
import { headers, type NatsConnection, type Subscription } from "@nats-io/transport-node";
import { jetstream, type JetStreamClient, jetstreamManager } from "@nats-io/jetstream";
import { encode } from "../pool/codec.ts";
import { WorkerDiedError } from "../executor/errors.ts";
import { BLOB_HEADER, Blobs } from "./blobs.ts";
import {
  type NatsCommonOptions,
  type QueueNames,
  queueNames,
  type QueueSettings,
  queueSettings,
  signingKey,
} from "./config.ts";
import {
  type CancelEnvelope,
  type ResultEnvelope,
  sealSync,
  type TaskEnvelope,
  unseal,
  unsealSync,
} from "./envelope.ts";
import { REFUSED_HEADER, REPLY_HEADER, TASK_HEADER } from "./client.ts";
import { FnIds, type RunOutcome, Slot } from "./slots.ts";
import { CodeFetcher, CodeRefusal } from "./code_store.ts";
import { ensureQueue, open } from "./setup.ts";
import { Puller, type TaskMsg } from "./puller.ts";
import { Publisher } from "./publisher.ts";

/** Options of {@linkcode startWorker}. */
export interface NatsWorkerOptions extends NatsCommonOptions {
  /** Tasks run at once, each on its own thread (default 1). */
  concurrency?: number;
  /** Called with a line about each task refused (default: printed on stderr). */
  log?: (line: string) => void;
}

/** A running worker. */
export interface NatsWorker {
  /** Its name in results and messages (host and pid). */
  readonly name: string;
  /** Stops pulling, waits for the running tasks, and disconnects. */
  stop(): Promise<void>;
  /** Resolves when the worker stopped. */
  readonly closed: Promise<void>;
  /**
   * Messages between this worker and its task threads so far, both ways (several tasks, or
   * several results, in one message count one).
   */
  readonly threadMessages: number;
}

/** Ids of tasks cancelled by their client, remembered at most. */
const CANCELLED_MAX = 10_000;

/**
 * Tasks shorter than this (milliseconds, on average) are prefetched: a worker then holds
 * {@linkcode AHEAD} tasks per thread beyond those running, sent ahead to the threads, so a
 * thread that finishes starts its next task at once rather than one round trip away. Longer tasks are taken only by free threads, so that a
 * worker never holds tasks another worker could run now.
 */
const SHORT_TASK_MS = 20;

/** Short tasks sent ahead to a thread at most, behind the one it runs. */
const AHEAD = 2;

class Worker implements NatsWorker {
  readonly name = `${hostname()}:${process.pid}`;
  private stopping = false;
  private readonly slots: Slot[] = [];
  /** Tasks delivered and waiting for a thread (their lease kept by heartbeats). */
  private readonly waiting: TaskMsg[] = [];
  /** Tasks given to a thread (running, or sent ahead behind the one running). */
  private readonly taken = new Set<TaskMsg>();
  /** Tasks given to a thread and not over yet. */
  private busy = 0;
  private prefetch = 0;
  private averageMs = SHORT_TASK_MS;
  private readonly fnIds = new FnIds();
  private readonly running = new Map<string, { slot: Slot; run: number }>();
  private readonly cancelled = new Set<string>();
  private readonly puller: Puller;
  private readonly pub: Publisher;
  private beat?: ReturnType<typeof setInterval>;
  private idle!: () => void;
  private cancels?: Subscription;
  private readonly blobs: Blobs;
  private readonly code: CodeFetcher;
  private readonly defs: (fn: Uint8Array) => Promise<Uint8Array[]>;
  closed!: Promise<void>;

  constructor(
    private readonly nc: NatsConnection,
    private readonly js: JetStreamClient,
    private readonly names: QueueNames,
    private readonly settings: QueueSettings,
    private readonly key: Uint8Array | undefined,
    concurrency: number,
    private readonly log: (line: string) => void,
  ) {
    for (let i = 0; i < concurrency; i++) this.slots.push(new Slot(this.fnIds));
    this.pub = new Publisher(nc);
    this.puller = new Puller(
      nc,
      { nextSubject: `$JS.API.CONSUMER.MSG.NEXT.${names.tasks}.${names.consumer}` },
      () => this.stopping ? 0 : this.slots.length + this.prefetch - this.busy - this.waiting.length,
      (m) => {
        this.waiting.push(m);
        this.dispatch();
      },
    );
    this.blobs = new Blobs(nc, names.bucket, settings.replicas);
    this.code = new CodeFetcher(nc, names.codeBucket, settings.replicas, key);
    this.defs = (fn) => this.code.definitions(fn);
  }

  start(): void {
    this.cancels = this.nc.subscribe(this.names.cancelSubject, {
      callback: (_e, m) => {
        unseal<CancelEnvelope>(m.data, this.key).then((c) => this.onCancel(c.ids), () => {});
      },
    });
    // Heartbeats: the tasks taken and those waiting for a thread keep their lease.
    this.beat = setInterval(() => {
      for (const m of this.taken) m.working();
      for (const m of this.waiting) m.working();
    }, Math.max(50, this.settings.ackWait / 3));
    this.closed = new Promise<void>((r) => this.idle = r).then(async () => {
      clearInterval(this.beat);
      this.cancels?.unsubscribe();
      for (const s of this.slots) s.close();
      await this.nc.drain().catch(() => this.nc.close());
      this.pub.close();
    });
    this.nc.closed().then(() => this.halt(), () => this.halt());
    this.puller.start();
  }

  /**
   * A thread for the next task: an idle one, else, while tasks are short, the least busy of
   * those with room for a task sent ahead (it starts as soon as the thread is done).
   */
  private pick(): Slot | undefined {
    let ahead: Slot | undefined;
    for (const s of this.slots) {
      if (s.load === 0) return s;
      if (s.load <= AHEAD && this.prefetch > 0 && !(ahead !== undefined && ahead.load <= s.load)) {
        ahead = s;
      }
    }
    return ahead;
  }

  /** Gives waiting tasks to threads. */
  private dispatch(): void {
    while (this.waiting.length > 0) {
      const slot = this.pick();
      if (slot === undefined) return;
      const m = this.waiting.shift()!;
      this.busy++;
      const idle = slot.load++ === 0; // (else the time measured counts the wait behind)
      this.taken.add(m);
      const t0 = performance.now();
      let over = false;
      // Called as soon as the task is acked: the next task and the next pull request then go
      // out with the ack, in one write.
      const release = () => {
        if (over) return;
        over = true;
        this.busy--;
        this.taken.delete(m);
        slot.load--;
        if (idle) this.averageMs = 0.8 * this.averageMs + 0.2 * (performance.now() - t0);
        this.prefetch = this.averageMs < SHORT_TASK_MS ? AHEAD * this.slots.length : 0;
        if (this.stopping) {
          if (this.busy === 0) this.idle();
        } else {
          this.dispatch();
          this.puller.pull();
        }
      };
      this.handle(slot, m, release).then((again) => {
        // Sent ahead to a thread that died or was stopped first: to the front of the line.
        if (again) {
          if (this.stopping) m.nak(0);
          else this.waiting.unshift(m);
        }
      }, (e) => {
        this.log(`cloudpickle nats worker: a task failed to run: ${(e as Error)?.stack ?? e}`);
        m.nak(1000);
      }).finally(release);
    }
  }

  /** Stops taking tasks: the waiting ones go back to the queue at once. */
  private halt(): void {
    if (this.stopping) return;
    this.stopping = true;
    this.puller.stop();
    for (const m of this.waiting.splice(0)) m.nak(0);
    if (this.busy === 0) this.idle();
  }

  private onCancel(ids: string[]): void {
    for (const id of ids) {
      const r = this.running.get(id);
      if (r !== undefined) r.slot.cancel(r.run);
      else {
        if (this.cancelled.size >= CANCELLED_MAX) {
          this.cancelled.delete(this.cancelled.values().next().value!);
        }
        this.cancelled.add(id);
      }
    }
  }

  /** Refuses a message: terminated (never delivered again), and its client told. */
  private refuse(m: TaskMsg, why: string): void {
    m.term(why);
    const task = m.headers?.get("Nats-Msg-Id") ?? "?";
    this.log(`cloudpickle nats worker: refused task ${task} (stream seq ${m.seq}): ${why}`);
    const reply = m.headers?.get(REPLY_HEADER);
    if (reply && reply.startsWith(`${this.names.resultPrefix}.`)) {
      const h = headers();
      h.set(REFUSED_HEADER, why);
      h.set(TASK_HEADER, task);
      this.js.publish(reply, new Uint8Array(0), { headers: h }).catch(() => {});
    }
  }

  /** Runs a task and answers it; true when it should run again (it never started). */
  private async handle(slot: Slot, m: TaskMsg, release: () => void): Promise<boolean> {
    const msgId = m.headers?.get("Nats-Msg-Id");
    let data = m.data;
    const blob = m.headers?.get(BLOB_HEADER);
    if (blob) data = await this.blobs.get(blob);
    let env: TaskEnvelope;
    try {
      env = unsealSync<TaskEnvelope>(data, this.key);
    } catch (e) {
      this.refuse(
        m,
        this.key === undefined
          ? `its envelope could not be read: ${(e as Error).message}`
          : `its signature does not check out with this worker's key (do the client and ` +
            `the workers share the same CLOUDPICKLE_NATS_KEY?): ${(e as Error).message}`,
      );
      return false;
    }
    if (typeof env !== "object" || env === null || env.v !== 1 || env.id !== msgId) {
      this.refuse(m, "its id is not the id it was published under (a tampered or replayed task)");
      return false;
    }
    const stored = m.storedMs;
    if (Math.abs(stored - env.issued) > this.settings.duplicateWindow) {
      this.refuse(
        m,
        `it was issued ${Math.round((stored - env.issued) / 1000)} s before the server stored ` +
          `it, beyond the duplicate window (a replayed task, or clocks far apart)`,
      );
      return false;
    }
    if (this.cancelled.delete(env.id)) {
      m.ack();
      return false;
    }
    const run = slot.runId();
    this.running.set(env.id, { slot, run });
    let outcome: RunOutcome;
    try {
      outcome = await slot.run(run, env.fnKey, env.fn, this.defs, env.mode, env.args);
    } catch (e) {
      if (!(e instanceof CodeRefusal)) throw e;
      this.refuse(m, e.message);
      return false;
    } finally {
      this.running.delete(env.id);
    }
    if ("again" in outcome) return true;
    if ("died" in outcome) {
      if (outcome.died === "cancelled") {
        m.ack();
        return false;
      }
      const err = new WorkerDiedError(
        `the thread that ran the task ${env.name} on ${this.name} died: ${outcome.died}`,
      );
      outcome = { ok: false, value: (await encode(err, false, false)).bytes };
    }
    const result: ResultEnvelope = {
      v: 1,
      id: env.id,
      ok: outcome.ok,
      value: outcome.value,
      worker: this.name,
    };
    const bytes = sealSync(result, this.key);
    let h: Record<string, string> | undefined;
    let body = bytes;
    const rid = `r.${env.id}`;
    if (this.blobs.tooBig(bytes.length)) {
      await retry(() => this.blobs.put(rid, bytes));
      h = { [BLOB_HEADER]: rid };
      body = new Uint8Array(0);
    }
    await retry(() => this.pub.publish(env.reply, body, rid, h));
    // Not confirmed: the slot takes its next task meanwhile (a lost ack is a redelivery, whose
    // result the client takes once).
    m.ack();
    release();
    return false;
  }

  get threadMessages(): number {
    let n = 0;
    for (const s of this.slots) n += s.messages;
    return n;
  }

  async stop(): Promise<void> {
    this.halt();
    await this.closed;
  }
}

async function retry<T>(f: () => Promise<T>, tries = 40): Promise<T> {
  for (let i = 0;; i++) {
    try {
      return await f();
    } catch (e) {
      if (i >= tries) throw e;
      await new Promise((r) => setTimeout(r, Math.min(100 * (i + 1), 1000)));
    }
  }
}

/**
 * Starts a worker: connects, creates the queue when missing, and runs tasks until
 * `stop()`. Each of its `concurrency` slots is a thread of its own.
 */
export async function startWorker(o: NatsWorkerOptions): Promise<NatsWorker> {
  const key = signingKey(o, "worker");
  const names = queueNames(o.queue);
  const asked = queueSettings(o);
  const concurrency = o.concurrency ?? 1;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new TypeError(`concurrency must be an integer >= 1, not ${String(concurrency)}`);
  }
  const nc = await open(o, "cloudpickle worker");
  try {
    const jsm = await jetstreamManager(nc);
    const settings = await retry(() => ensureQueue(jsm, names, asked));
    const js = jetstream(nc);
    await js.consumers.get(names.tasks, names.consumer); // (throws when it is missing)
    const w = new Worker(
      nc,
      js,
      names,
      settings,
      key,
      concurrency,
      o.log ?? ((l) => console.error(l)),
    );
    w.start();
    return w;
  } catch (e) {
    await nc.close();
    throw e;
  }
}
