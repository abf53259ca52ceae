/**
 * The client side of the NATS executor: tasks go to the queue's work-queue stream, results
 * come back on the client's own subject of the results stream.
 *
 * @module
 */

import type { NatsConnection, Subscription } from "@nats-io/transport-node";
import {
  type ConsumerMessages,
  DeliverPolicy,
  jetstream,
  type JetStreamClient,
  type JetStreamManager,
  jetstreamManager,
} from "@nats-io/jetstream";
import { BaseExecutor } from "../executor/base.ts";
import type { Job } from "../executor/types.ts";
import { decode, encode, encodeList, encodeSync } from "../pool/codec.ts";
import { PicklingError } from "../../mod.ts";
import { CodeSender } from "./code_store.ts";
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
  seal,
  sealSync,
  sha256,
  type TaskEnvelope,
  unsealSync,
} from "./envelope.ts";
import { TaskLostError, TaskRefusedError } from "./errors.ts";
import { ensureQueue, open } from "./setup.ts";
import { Publisher } from "./publisher.ts";

/** Header of a worker's refusal (a result without an envelope). */
export const REFUSED_HEADER = "Cloudpickle-Refused";
/** Header naming the task a refusal is about. */
export const TASK_HEADER = "Cloudpickle-Task";
/** Header naming the subject to refuse to (the envelope's is not read before it checks). */
export const REPLY_HEADER = "Cloudpickle-Reply";

/** Options of {@linkcode connect}. */
export interface NatsExecutorOptions extends NatsCommonOptions {
  /**
   * Tasks this client keeps in flight per `map` by default (sizes `map`'s chunks and its
   * window; default 16).
   */
  concurrency?: number;
}

interface Pending {
  id: string;
  name: string;
  items: number;
  seq?: number;
  blob: boolean;
  resolve(v: unknown[]): void;
  reject(e: unknown): void;
}

/** Tries `f` again while the cluster is away (a server died, a leader is elected). */
async function retry<T>(f: () => Promise<T>, signal?: AbortSignal, tries = 40): Promise<T> {
  for (let i = 0;; i++) {
    try {
      return await f();
    } catch (e) {
      if (i >= tries || signal?.aborted) throw e;
      await new Promise((r) => setTimeout(r, Math.min(100 * (i + 1), 1000)));
    }
  }
}

/** An executor whose workers pull tasks from a NATS JetStream queue; see {@linkcode connect}. */
export class NatsExecutor extends BaseExecutor {
  /** This client's id (its results' subject ends with it). */
  readonly clientId: string = crypto.randomUUID().replaceAll("-", "");
  private readonly pending = new Map<string, Pending>();
  private readonly bySeq = new Map<number, Pending>();
  private readonly fnPayloads = new WeakMap<object, Promise<{ key: string; bytes: Uint8Array }>>();
  private readonly inFlight: number;
  private readonly replySubject: string;
  private readonly blobs: Blobs;
  private readonly code: CodeSender;
  private readonly pub: Publisher;
  private nextTask = 0;
  private results?: ConsumerMessages;
  private lastResultSeq = 0;
  private resultsStopped = false;
  private advisories?: Subscription;
  private taskBytes = 0;

  private constructor(
    private readonly nc: NatsConnection,
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly names: QueueNames,
    private readonly settings: QueueSettings,
    private readonly key: Uint8Array | undefined,
    concurrency: number,
  ) {
    super();
    this.inFlight = concurrency;
    this.replySubject = `${names.resultPrefix}.${this.clientId}`;
    this.blobs = new Blobs(nc, names.bucket, settings.replicas);
    this.code = new CodeSender(nc, names.codeBucket, settings.replicas, key);
    this.pub = new Publisher(nc);
  }

  /**
   * Bytes this client published so far: its tasks (big ones through the object store) and
   * the code definitions it stored in the queue's code bucket.
   */
  get bytesSent(): number {
    return this.taskBytes + this.code.bytesStored;
  }

  /** Code definitions this client stored in the queue's code bucket so far. */
  get definitionsStored(): number {
    return this.code.stored;
  }

  /** Connects, creates the queue when missing, and listens for this client's results. */
  static async open(o: NatsExecutorOptions): Promise<NatsExecutor> {
    const key = signingKey(o, "client");
    const names = queueNames(o.queue);
    const asked = queueSettings(o);
    const concurrency = o.concurrency ?? 16;
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw new TypeError(`concurrency must be an integer >= 1, not ${String(concurrency)}`);
    }
    const nc = await open(o, "cloudpickle client");
    try {
      const jsm = await jetstreamManager(nc);
      const settings = await retry(() => ensureQueue(jsm, names, asked));
      const ex = new NatsExecutor(nc, jetstream(nc), jsm, names, settings, key, concurrency);
      await ex.listen();
      return ex;
    } catch (e) {
      await nc.close();
      throw e;
    }
  }

  /** Tasks in flight per `map` by default. */
  protected get concurrency(): number {
    return this.inFlight;
  }

  /** Starts reading this client's results and the queue's max-deliveries advisories. */
  private async listen(): Promise<void> {
    await this.openResults();
    void this.readResults();
    // After a reconnection (a server died), read the results again from a new consumer:
    // the old one may have lived on the server that is gone.
    (async () => {
      for await (const s of this.nc.status()) {
        if (s.type === "reconnect") {
          this.results?.stop();
          void this.findLost().catch(() => {});
        }
      }
    })().catch(() => {});
    this.advisories = this.nc.subscribe(
      `$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.${this.names.tasks}.${this.names.consumer}`,
      {
        callback: (_err, m) => {
          try {
            const a = m.json<{ stream_seq: number; deliveries: number }>();
            this.onMaxDeliveries(a.stream_seq, a.deliveries);
          } catch { /* not an advisory */ }
        },
      },
    );
    await this.nc.flush();
  }

  /** An ordered consumer of this client's results, from the first one not read yet. */
  private async openResults(): Promise<void> {
    const c = await this.js.consumers.get(this.names.results, {
      filter_subjects: this.replySubject,
      ...(this.lastResultSeq === 0
        ? { deliver_policy: DeliverPolicy.All }
        : { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: this.lastResultSeq + 1 }),
    });
    const messages = await c.consume({ expires: 5000 }); // heartbeats every 2.5 s
    (async () => {
      for await (const s of messages.status()) {
        if (s.type === "heartbeats_missed") messages.stop(); // read again from a new one
      }
    })().catch(() => {});
    this.results = messages;
  }

  /** Reads results until the client closes, opening a new consumer when one ends. */
  private async readResults(): Promise<void> {
    while (!this.resultsStopped) {
      try {
        if (this.results === undefined) await this.openResults();
        for await (const m of this.results!) {
          this.lastResultSeq = m.seq;
          await this.onResult(m.data, m.headers).catch((e) => {
            console.error(`cloudpickle nats client: a result could not be read: ${e}`);
          });
        }
      } catch { /* the server is away: open again */ }
      this.results = undefined;
      if (!this.resultsStopped) await new Promise((r) => setTimeout(r, 250));
    }
  }

  /** A result (or a refusal) arrived: its call settles. */
  private async onResult(
    data: Uint8Array,
    h: { get(k: string): string } | undefined,
  ): Promise<void> {
    const refused = h?.get(REFUSED_HEADER);
    if (refused) {
      const p = this.pending.get(h!.get(TASK_HEADER));
      if (p !== undefined) {
        this.settle(p);
        p.reject(new TaskRefusedError(`a worker refused the task ${p.name} (${p.id}): ${refused}`));
      }
      return;
    }
    const blob = h?.get(BLOB_HEADER);
    if (blob) data = await this.blobs.get(blob);
    const env = unsealSync<ResultEnvelope>(data, this.key);
    if (blob) this.blobs.delete(blob);
    const p = this.pending.get(env.id);
    if (p === undefined) return; // a duplicate, or a call given up
    this.settle(p);
    const payload = { bytes: env.value, buffers: [], shared: [] };
    try {
      const v = await decode(payload);
      if (env.ok) p.resolve(v as unknown[]);
      else p.reject(v);
    } catch (e) {
      p.reject(e);
    }
  }

  /**
   * After a reconnection: the tasks the server gave up on while this client was away (their
   * MAX_DELIVERIES advisory, a core message, was not heard). A task the consumer delivered
   * that is still in the work queue and that no worker holds is one the server gave up on:
   * it fails now. The server tells only how many tasks workers hold, not which: the check is
   * made when none are held, and tried again every ackWait (10 times) until then.
   */
  private async findLost(tries = 10): Promise<void> {
    if (this.bySeq.size === 0 || this.resultsStopped) return;
    const info = await this.jsm.consumers.info(this.names.tasks, this.names.consumer);
    if (info.num_ack_pending > 0) {
      if (tries > 1) {
        setTimeout(() => this.findLost(tries - 1).catch(() => {}), this.settings.ackWait);
      }
      return;
    }
    const delivered = info.delivered.stream_seq;
    for (const seq of [...this.bySeq.keys()]) {
      if (seq > delivered || !this.bySeq.has(seq)) continue;
      const m = await this.jsm.streams.getMessage(this.names.tasks, { seq }).catch(() => null);
      if (m !== null && this.bySeq.has(seq)) this.onMaxDeliveries(seq, this.settings.maxDeliver);
    }
  }

  /** The server gave up on a task (every worker that ran it died): its call fails. */
  private onMaxDeliveries(seq: number, deliveries: number): void {
    const p = this.bySeq.get(seq);
    if (p === undefined) return;
    this.settle(p);
    p.reject(
      new TaskLostError(
        `the task ${p.name} (${p.id}, ${p.items} item${p.items === 1 ? "" : "s"}) was ` +
          `delivered ${deliveries} times and no worker finished it: every worker that ran it ` +
          `died or stopped (maxDeliver ${this.settings.maxDeliver})`,
      ),
    );
    this.jsm.streams.deleteMessage(this.names.tasks, seq, false).catch(() => {});
  }

  /** The task is over: forgotten, its object deleted. */
  private settle(p: Pending): void {
    this.pending.delete(p.id);
    if (p.seq !== undefined) this.bySeq.delete(p.seq);
    if (p.blob) this.blobs.delete(p.id);
  }

  /**
   * The call's function, pickled once per call, with its hash. Its definitions are named by
   * hash only: each is stored in the code bucket the first time this client meets it (the
   * task is published once the puts are done), and workers fetch the ones they lack.
   */
  private fnPayload(job: Job): Promise<{ key: string; bytes: Uint8Array }> {
    let p = this.fnPayloads.get(job.token);
    if (p === undefined) {
      p = this.pickleFn(job.fn).then(async (bytes) => ({ bytes, key: await sha256(bytes) }));
      this.fnPayloads.set(job.token, p);
    }
    return p;
  }

  /** Pickles `fn` with the client's code cache; resolves once its definitions are stored. */
  private async pickleFn(fn: unknown): Promise<Uint8Array> {
    const code = this.code;
    const failures = code.failures;
    const extra = { codeCache: code.cache, classNamespace: this.classNamespace };
    let bytes: Uint8Array;
    try {
      const met = code.met;
      bytes = encodeSync(fn, false, false, extra).bytes;
      // New definitions travel to the bucket only: pickled again, they are named by hash.
      if (code.met !== met) bytes = encodeSync(fn, false, false, extra).bytes;
    } catch (e) {
      if (!(e instanceof PicklingError)) throw e;
      // Only the async form pickles it: self-contained, without the cache.
      bytes = (await encode(fn, false, false, { classNamespace: this.classNamespace })).bytes;
    }
    await code.flush();
    if (code.failures !== failures) {
      throw new Error(
        `a code definition of ${(fn as { name?: string }).name || "the function"} could not be ` +
          `stored in the key-value bucket ${code.name}; try again`,
      );
    }
    return bytes;
  }

  /** Publishes the job as one task and resolves with its results. */
  protected async runJob(job: Job, signal: AbortSignal): Promise<unknown[]> {
    if (signal.aborted) throw signal.reason;
    const fn = await this.fnPayload(job);
    let args = encodeList(job.items, false, false, { classNamespace: this.classNamespace });
    if (args instanceof Promise) args = await args;
    const id = `${this.clientId}.${this.nextTask++}`;
    const env: TaskEnvelope = {
      v: 1,
      id,
      issued: Date.now(),
      reply: this.replySubject,
      name: job.fn.name || "(anonymous function)",
      fnKey: fn.key,
      fn: fn.bytes,
      mode: job.mode === "apply" ? 0 : 1,
      args: args.bytes,
    };
    const bytes = sealSync(env, this.key);
    // Every definition the task names is in the bucket before the task is published.
    await this.code.flush();
    if (signal.aborted) throw signal.reason;
    const h: Record<string, string> = { [REPLY_HEADER]: this.replySubject };
    let body = bytes;
    const big = this.blobs.tooBig(bytes.length);
    if (big) {
      await retry(() => this.blobs.put(id, bytes), signal);
      h[BLOB_HEADER] = id;
      body = new Uint8Array(0);
    }
    this.taskBytes += bytes.length;
    return await new Promise<unknown[]>((resolve, reject) => {
      const p: Pending = {
        id,
        name: env.name,
        items: job.items.length,
        blob: big,
        resolve,
        reject,
      };
      const onAbort = () => {
        if (!this.pending.has(id)) return;
        this.settle(p);
        reject(signal.reason);
        this.cancel([id]);
      };
      p.resolve = (v) => {
        signal.removeEventListener("abort", onAbort);
        resolve(v);
      };
      p.reject = (e) => {
        signal.removeEventListener("abort", onAbort);
        reject(e);
      };
      this.pending.set(id, p);
      signal.addEventListener("abort", onAbort, { once: true });
      retry(() => this.pub.publish(this.names.taskSubject, body, id, h), signal).then((ack) => {
        if (!this.pending.has(id)) return;
        p.seq = ack.seq;
        this.bySeq.set(ack.seq, p);
      }, (e) => {
        if (!this.pending.has(id)) return;
        this.settle(p);
        p.reject(e);
      });
    });
  }

  /** Tells the workers to drop (or stop) these tasks. */
  private cancel(ids: string[]): void {
    const env: CancelEnvelope = { v: 1, ids };
    seal(env, this.key).then((b) => this.nc.publish(this.names.cancelSubject, b)).catch(() => {});
  }

  /** Cancels what is left (with `cancel`), stops listening, and disconnects. */
  protected async shutdown(cancel: boolean): Promise<void> {
    if (cancel && this.pending.size > 0) this.cancel([...this.pending.keys()]);
    this.resultsStopped = true;
    this.advisories?.unsubscribe();
    this.results?.stop();
    try {
      await this.jsm.streams.purge(this.names.results, { filter: this.replySubject });
    } catch { /* the results stream ages them out */ }
    await this.nc.drain().catch(() => this.nc.close());
    this.pub.close();
  }
}

/**
 * Connects to NATS and returns an executor whose tasks run on the queue's workers
 * (`deno run -A <package>/nats_worker.ts --servers …` or
 * `bun --preload <package>/preload.ts <package>/nats_worker.ts --servers …`, on any machine).
 *
 * @example
 * ```ts ignore
 * import { connect } from "@cloudpickle/cloudpickle/nats";
 *
 * const rate = 2;
 * const servers = process.env.NATS_URL ?? "nats://127.0.0.1:4222"; // signingKey: $CLOUDPICKLE_NATS_KEY
 * await using pool = await connect({ servers });
 * console.log(await pool.map((x: number) => x * rate, [1, 2, 3])); // [2, 4, 6]
 * ```
 */
export function connect(options: NatsExecutorOptions): Promise<NatsExecutor> {
  return NatsExecutor.open(options);
}
