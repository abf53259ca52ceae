/**
 * JetStream publishes of tasks and results, many at a time: each is a core publish whose
 * reply subject is this publisher's own (one subscription for all the server's acks, no
 * request object, timer or stack per message), and the publishes asked for in one turn of
 * the event loop leave together, in one write to the socket.
 *
 * @module
 */

import { setImmediate } from "node:timers";
import type { Msg, MsgHdrs, NatsConnection, Subscription } from "@nats-io/transport-node";

const fromUtf8 = new TextDecoder();
const toUtf8 = new TextEncoder();
const BREAK = /[\r\n]/;

/**
 * A publish's header block, written once as the protocol has it (`NATS/1.0`, a line per
 * header, an empty line): the connection only asks headers for their bytes, and the headers
 * object of the client would check and canonicalize each name per message.
 */
function headerBlock(msgId: string, more: Record<string, string> | undefined): MsgHdrs {
  let s = `NATS/1.0\r\nNats-Msg-Id: ${msgId}\r\n`;
  let check = msgId;
  if (more !== undefined) {
    for (const k in more) {
      s += `${k}: ${more[k]}\r\n`;
      check += k + more[k];
    }
  }
  if (BREAK.test(check)) throw new TypeError("a header holds a line break");
  const bytes = toUtf8.encode(`${s}\r\n`);
  return { encode: () => bytes } as unknown as MsgHdrs;
}

/** The server's answer to a publish: the message's stream sequence, and if it was a replay. */
export interface PubAck {
  seq: number;
  duplicate: boolean;
}

interface Pending {
  subject: string;
  data: Uint8Array;
  msgId: string;
  headers?: Record<string, string>;
  resolve(a: PubAck): void;
  reject(e: Error): void;
  sent: number;
}

/** The error of a publish the server refused or never answered. */
export class PublishError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PublishError";
  }
}

/** Publishes to JetStream subjects; see the module's notes. */
export class Publisher {
  private readonly inbox = `_INBOX.${crypto.randomUUID().replaceAll("-", "")}`;
  private sub?: Subscription;
  private readonly waiting = new Map<number, Pending>();
  private queue: Pending[] = [];
  private scheduled = false;
  private next = 0;
  private sweeper?: ReturnType<typeof setInterval>;

  /** `timeout`: milliseconds after which a publish the server did not answer fails. */
  constructor(private readonly nc: NatsConnection, private readonly timeout = 5000) {}

  private start(): void {
    this.sub = this.nc.subscribe(`${this.inbox}.*`, { callback: (_e, m) => this.onAck(m) });
    this.sweeper = setInterval(() => this.sweep(), Math.max(100, this.timeout / 4));
  }

  /**
   * Publishes `data` on `subject` under the de-duplication id `msgId`, with `headers`;
   * resolves with the server's ack, or fails with a {@linkcode PublishError}.
   */
  publish(
    subject: string,
    data: Uint8Array,
    msgId: string,
    headers?: Record<string, string>,
  ): Promise<PubAck> {
    if (this.sub === undefined) this.start();
    return new Promise<PubAck>((resolve, reject) => {
      this.queue.push({ subject, data, msgId, headers, resolve, reject, sent: 0 });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    const q = this.queue;
    this.queue = [];
    const now = Date.now();
    for (const p of q) {
      const n = this.next++;
      p.sent = now;
      this.waiting.set(n, p);
      try {
        const h = headerBlock(p.msgId, p.headers);
        this.nc.publish(p.subject, p.data, { reply: `${this.inbox}.${n}`, headers: h });
      } catch (e) {
        this.waiting.delete(n);
        p.reject(new PublishError(`the publish failed: ${(e as Error)?.message ?? e}`));
      }
    }
  }

  private onAck(m: Msg): void {
    const n = Number(m.subject.slice(this.inbox.length + 1));
    const p = this.waiting.get(n);
    if (p === undefined) return;
    this.waiting.delete(n);
    const code = m.headers?.code ?? 0;
    if (code !== 0) {
      p.reject(
        new PublishError(
          code === 503
            ? `no stream takes ${p.subject} now (no responders)`
            : `the server answered ${code} ${m.headers?.description ?? ""}`,
        ),
      );
      return;
    }
    let a: { seq?: number; duplicate?: boolean; error?: { description?: string } };
    try {
      a = JSON.parse(fromUtf8.decode(m.data));
    } catch {
      p.reject(new PublishError("the server's ack did not read"));
      return;
    }
    if (a.error !== undefined || typeof a.seq !== "number") {
      p.reject(new PublishError(`the stream refused it: ${a.error?.description ?? "no seq"}`));
    } else {
      p.resolve({ seq: a.seq, duplicate: a.duplicate === true });
    }
  }

  private sweep(): void {
    const old = Date.now() - this.timeout;
    for (const [n, p] of this.waiting) {
      if (p.sent > old) break; // (in the order they were sent)
      this.waiting.delete(n);
      p.reject(new PublishError(`the server did not answer in ${this.timeout} ms`));
    }
  }

  /** Stops listening; publishes not answered yet fail. */
  close(): void {
    clearInterval(this.sweeper);
    this.sub?.unsubscribe();
    for (const p of this.waiting.values()) p.reject(new PublishError("the publisher closed"));
    this.waiting.clear();
    for (const p of this.queue) p.reject(new PublishError("the publisher closed"));
    this.queue = [];
  }
}
