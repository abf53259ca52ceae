/**
 * What the NATS client and workers agree on: the names of the stream, consumer, subjects
 * and object store of a queue, the shared signing key, and the defaults of the queue.
 *
 * @module
 */

import process from "node:process";

/**
 * Options of the NATS connection, passed to `connect` of `@nats-io/transport-node`
 * (see its `ConnectionOptions`): credentials, TLS, a name, timeouts.
 */
export interface NatsConnectionOptions {
  /** User name. */
  user?: string;
  /** Password. */
  pass?: string;
  /** Authentication token. */
  token?: string;
  /** The connection's name, seen in the server's monitoring. */
  name?: string;
  /** TLS options (`{ caFile, certFile, keyFile, ... }`). */
  tls?: Record<string, unknown> | null;
  /** Authenticators (nkeys, JWT credentials), from `@nats-io/transport-node`. */
  authenticator?: unknown;
  /** Any other option of `ConnectionOptions`. */
  [option: string]: unknown;
}

/** The environment variable that holds the key tasks and results are signed with. */
export const KEY_ENV = "CLOUDPICKLE_NATS_KEY";

/** Options shared by the client ({@linkcode connect}) and the workers. */
export interface NatsCommonOptions {
  /** The NATS server URLs (`nats://host:4222`), one or several (a comma-separated string too). */
  servers: string | string[];
  /**
   * The key tasks and results are signed with (HMAC-SHA-256), shared by the client and the
   * workers: a string (its UTF-8 bytes, 16 or more) or bytes. Default: the environment
   * variable `CLOUDPICKLE_NATS_KEY`. Without a key, `insecure: true` is required.
   */
  signingKey?: string | Uint8Array;
  /**
   * Runs without signatures: any client that can publish to the queue's subject runs code
   * on the workers. Only for a NATS account nobody else can reach.
   */
  insecure?: boolean;
  /** The queue's name (default `"default"`): its stream, consumer and subjects. */
  queue?: string;
  /** Stream replicas when this side creates the streams (default 1; 3 on a cluster). */
  replicas?: number;
  /** Milliseconds a worker holds a task without a heartbeat before it is redelivered (30 000). */
  ackWait?: number;
  /** Deliveries of a task at most; then it fails with a {@linkcode TaskLostError} (default 5). */
  maxDeliver?: number;
  /**
   * Milliseconds in which a task id is remembered by the server (de-duplication) and after
   * which a task's signed envelope is refused as a replay (default 120 000).
   */
  duplicateWindow?: number;
  /** More options of the NATS connection (user, pass, token, authenticator, tls, name, ...). */
  connection?: NatsConnectionOptions;
}

/** The names of one queue. */
export interface QueueNames {
  queue: string;
  /** The work-queue stream of tasks, and its subject. */
  tasks: string;
  taskSubject: string;
  /** The durable pull consumer the workers share. */
  consumer: string;
  /** The stream of results, and the prefix of each client's subject in it. */
  results: string;
  resultPrefix: string;
  /** Core subject of cancellations. */
  cancelSubject: string;
  /** The object store of pickles above the server's payload limit. */
  bucket: string;
  /** The key-value bucket of code definitions, by SHA-256. */
  codeBucket: string;
}

/** The names of `queue`, checked. */
export function queueNames(queue = "default"): QueueNames {
  if (typeof queue !== "string" || !/^[A-Za-z0-9_-]{1,64}$/.test(queue)) {
    throw new TypeError(
      `queue must be a name of letters, digits, "_" and "-" (1 to 64), not ${String(queue)}`,
    );
  }
  return {
    queue,
    tasks: `cloudpickle_${queue}_tasks`,
    taskSubject: `cloudpickle.${queue}.tasks`,
    consumer: "workers",
    results: `cloudpickle_${queue}_results`,
    resultPrefix: `cloudpickle.${queue}.results`,
    cancelSubject: `cloudpickle.${queue}.cancel`,
    bucket: `cloudpickle_${queue}_blobs`,
    codeBucket: `cloudpickle_${queue}_code`,
  };
}

/** The settings of a queue, with defaults. */
export interface QueueSettings {
  replicas: number;
  ackWait: number;
  maxDeliver: number;
  duplicateWindow: number;
}

function positiveInt(name: string, v: unknown, dflt: number, min = 1): number {
  if (v === undefined) return dflt;
  if (!Number.isInteger(v) || (v as number) < min) {
    throw new TypeError(`${name} must be an integer >= ${min}, not ${String(v)}`);
  }
  return v as number;
}

/** The options' queue settings, checked. */
export function queueSettings(o: NatsCommonOptions): QueueSettings {
  return {
    replicas: positiveInt("replicas", o.replicas, 1),
    ackWait: positiveInt("ackWait", o.ackWait, 30_000, 100),
    maxDeliver: positiveInt("maxDeliver", o.maxDeliver, 5),
    duplicateWindow: positiveInt("duplicateWindow", o.duplicateWindow, 120_000, 1000),
  };
}

/** The server list of the options, checked. */
export function serverList(servers: unknown): string[] {
  const list = typeof servers === "string"
    ? servers.split(",").map((s) => s.trim()).filter((s) => s !== "")
    : Array.isArray(servers)
    ? servers
    : [];
  if (list.length === 0 || list.some((s) => typeof s !== "string")) {
    throw new TypeError(
      `servers must be a NATS URL or a list of them (nats://host:4222), not ${String(servers)}`,
    );
  }
  return list;
}

/**
 * The signing key of `side` ("client" or "worker"), from the options or the environment;
 * undefined when `insecure: true`. Refuses to go on without a key and without `insecure`.
 */
export function signingKey(
  o: NatsCommonOptions,
  side: "client" | "worker",
): Uint8Array | undefined {
  let key: unknown = o.signingKey;
  if (key === undefined) key = process.env[KEY_ENV] || undefined;
  if (key === undefined) {
    if (o.insecure === true) return undefined;
    throw new TypeError(
      `the NATS ${side} needs the key that signs tasks and results: pass { signingKey } or set ` +
        `${KEY_ENV} (the same on the client and the workers), or pass { insecure: true } ` +
        `(--insecure for a worker) on a NATS account nobody else can reach`,
    );
  }
  const bytes = typeof key === "string" ? new TextEncoder().encode(key) : key;
  if (!(bytes instanceof Uint8Array)) {
    throw new TypeError(`signingKey must be a string or a Uint8Array, not ${typeof key}`);
  }
  if (bytes.length < 16) {
    throw new TypeError(
      `the NATS key is ${bytes.length} bytes; give 16 or more (32 random bytes are best)`,
    );
  }
  return bytes;
}
