/**
 * A worker's one pull subscription on the queue's durable consumer: it asks the server for
 * exactly as many tasks as the worker can take (free threads, plus a small prefetch while
 * tasks are short), on one inbox, with no subscription or round trip per task. Every task
 * it was given is handed over at once, so the worker can keep its lease with heartbeats
 * while it waits for a thread (a task is never held out of sight of the heartbeats).
 *
 * @module
 */

import type { Msg, MsgHdrs, NatsConnection, Subscription } from "@nats-io/transport-node";

const enc = new TextEncoder();
const ACK = enc.encode("+ACK");
const WORKING = enc.encode("+WPI");

/** A task as the server delivered it: its bytes, headers, and the acks of its delivery. */
export class TaskMsg {
  /** The stream sequence of the task. */
  readonly seq: number;
  /** When the server stored it, in milliseconds since the epoch. */
  readonly storedMs: number;
  /** Deliveries of this task so far (1 the first time). */
  readonly deliveries: number;

  constructor(private readonly nc: NatsConnection, private readonly msg: Msg) {
    // $JS.ACK.<stream>.<consumer>.<deliveries>.<sseq>.<dseq>.<ns>.<pending>, or with
    // <domain>.<account hash> after ACK and a random token at the end.
    const t = msg.reply!.split(".");
    const o = t.length === 9 ? 0 : 2;
    this.deliveries = Number(t[4 + o]);
    this.seq = Number(t[5 + o]);
    this.storedMs = Number(t[7 + o]) / 1e6;
  }

  /** The task's bytes. */
  get data(): Uint8Array {
    return this.msg.data;
  }

  /** The task's headers. */
  get headers(): MsgHdrs | undefined {
    return this.msg.headers;
  }

  /** Done: the server forgets it. */
  ack(): void {
    this.nc.publish(this.msg.reply!, ACK);
  }

  /** Still running: its ack wait starts again. */
  working(): void {
    this.nc.publish(this.msg.reply!, WORKING);
  }

  /** Deliver it again (to any worker) after `delayMs`. */
  nak(delayMs: number): void {
    this.nc.publish(this.msg.reply!, enc.encode(`-NAK {"delay":${delayMs * 1_000_000}}`));
  }

  /** Never deliver it again. */
  term(reason: string): void {
    this.nc.publish(this.msg.reply!, enc.encode(`+TERM ${reason}`));
  }
}

/** How a {@linkcode Puller} asks and how long it waits before it asks again. */
export interface PullerOptions {
  /** The JetStream API subject that hands out the consumer's next messages. */
  nextSubject: string;
  /** Milliseconds a pull request waits on the server (default 5000). */
  expires?: number;
  /** Milliseconds between the server's heartbeats on an idle request (default 1000). */
  heartbeat?: number;
}

/**
 * Pull requests on one inbox for as many tasks as `want()` says, counted: tasks asked for
 * and not delivered yet are `outstanding`. The count is corrected by the server's answers
 * (a request that expires says how many it did not deliver) and forgotten when the server
 * goes quiet or the connection comes back, so a lost request is asked again.
 */
export class Puller {
  private sub?: Subscription;
  private outstanding = 0;
  private last = Date.now();
  private timer?: ReturnType<typeof setInterval>;
  private retryTimer?: ReturnType<typeof setTimeout>;
  private stopped = false;
  private readonly inbox: string;
  private readonly expires: number;
  private readonly heartbeat: number;

  constructor(
    private readonly nc: NatsConnection,
    private readonly o: PullerOptions,
    /** Tasks the worker can take now, beyond those it holds. */
    private readonly want: () => number,
    private readonly onTask: (m: TaskMsg) => void,
  ) {
    this.inbox = `_INBOX.${crypto.randomUUID().replaceAll("-", "")}`;
    this.expires = o.expires ?? 5000;
    this.heartbeat = o.heartbeat ?? 1000;
  }

  /** Subscribes and asks for the first tasks. */
  start(): void {
    this.sub = this.nc.subscribe(this.inbox, { callback: (_e, m) => this.onMsg(m) });
    this.timer = setInterval(() => this.check(), this.heartbeat);
    (async () => {
      for await (const s of this.nc.status()) {
        if (this.stopped) break;
        if (s.type === "reconnect") this.reset(0);
      }
    })().catch(() => {});
    this.pull();
  }

  /** Asks for what the worker can take and was not asked for yet. */
  pull(): void {
    if (this.stopped || this.retryTimer !== undefined) return;
    const n = this.want() - this.outstanding;
    if (n <= 0) return;
    if (this.outstanding === 0) this.last = Date.now();
    this.outstanding += n;
    const req = {
      batch: n,
      expires: this.expires * 1_000_000,
      idle_heartbeat: this.heartbeat * 1_000_000,
    };
    try {
      this.nc.publish(this.o.nextSubject, JSON.stringify(req), { reply: this.inbox });
    } catch {
      this.reset(250); // the connection is closing or away
    }
  }

  private onMsg(m: Msg): void {
    this.last = Date.now();
    const code = m.headers?.code ?? 0;
    if (code === 0 && m.reply) {
      if (this.outstanding > 0) this.outstanding--;
      this.onTask(new TaskMsg(this.nc, m));
      return;
    }
    if (code === 100) return; // an idle heartbeat (or flow control, unused here)
    // The end of a request (408 expired, 409 the server dropped it): how many it owed.
    const left = m.headers?.get("Nats-Pending-Messages");
    if (left) {
      this.outstanding = Math.max(0, this.outstanding - Number(left));
      this.pull();
    } else {
      // Unknown (no responders, the consumer gone, a leader changing): ask again shortly.
      this.reset(code === 408 ? 0 : 250);
    }
  }

  /** Forgets what was asked for, and asks again after `delay` ms. */
  private reset(delay: number): void {
    this.outstanding = 0;
    if (this.stopped) return;
    if (delay === 0) {
      this.pull();
    } else if (this.retryTimer === undefined) {
      this.retryTimer = setTimeout(() => {
        this.retryTimer = undefined;
        this.pull();
      }, delay);
    }
  }

  /** Without a word from the server for two heartbeats and more, the requests are lost. */
  private check(): void {
    if (this.outstanding > 0 && Date.now() - this.last > 2.5 * this.heartbeat) this.reset(0);
    else this.pull();
  }

  /** Asks for nothing more and stops listening (tasks delivered later are redelivered). */
  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
    clearTimeout(this.retryTimer);
    this.sub?.unsubscribe();
  }
}
