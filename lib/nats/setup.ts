/**
 * Creates the streams and the consumer of a queue when they are missing (either side may
 * come first), and connects.
 *
 * @module
 */

import {
  connect as natsConnect,
  type ConnectionOptions,
  type NatsConnection,
} from "@nats-io/transport-node";
import {
  AckPolicy,
  DeliverPolicy,
  type JetStreamManager,
  RetentionPolicy,
  StorageType,
} from "@nats-io/jetstream";
import {
  type NatsCommonOptions,
  type QueueNames,
  type QueueSettings,
  serverList,
} from "./config.ts";

const ms = (n: number) => n * 1_000_000;

/** Connects to the servers of the options (reconnecting forever). */
export function open(o: NatsCommonOptions, name: string): Promise<NatsConnection> {
  return natsConnect({
    name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
    ...(o.connection as Partial<ConnectionOptions>),
    servers: serverList(o.servers),
  });
}

function notFound(e: unknown): boolean {
  const m = String((e as Error)?.message ?? e);
  return /not found/i.test(m) || (e as { code?: unknown })?.code === 404 ||
    (e as { api_error?: { err_code?: number } })?.api_error?.err_code === 10059 ||
    (e as { api_error?: { err_code?: number } })?.api_error?.err_code === 10014;
}

/**
 * Adds the task and result streams and the workers' consumer unless they exist, and returns
 * `s` with the lease and delivery count the queue has: whoever created it first set them, and
 * a worker whose heartbeats follow another lease than the queue's loses its tasks to
 * redelivery (a task then runs twice).
 */
export async function ensureQueue(
  jsm: JetStreamManager,
  n: QueueNames,
  s: QueueSettings,
): Promise<QueueSettings> {
  const streams = [
    {
      name: n.tasks,
      subjects: [n.taskSubject],
      retention: RetentionPolicy.Workqueue,
      storage: StorageType.File,
      num_replicas: s.replicas,
      duplicate_window: ms(s.duplicateWindow),
    },
    {
      name: n.results,
      subjects: [`${n.resultPrefix}.>`],
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      num_replicas: s.replicas,
      duplicate_window: ms(s.duplicateWindow),
      max_age: ms(3_600_000),
    },
  ];
  for (const cfg of streams) {
    try {
      await jsm.streams.info(cfg.name);
    } catch (e) {
      if (!notFound(e)) throw e;
      try {
        await jsm.streams.add(cfg);
      } catch (e2) {
        // Another side created it meanwhile.
        if (!/already in use|exists/i.test(String((e2 as Error)?.message))) throw e2;
      }
    }
  }
  try {
    await jsm.consumers.info(n.tasks, n.consumer);
  } catch (e) {
    if (!notFound(e)) throw e;
    try {
      await jsm.consumers.add(n.tasks, {
        durable_name: n.consumer,
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.All,
        ack_wait: ms(s.ackWait),
        max_deliver: s.maxDeliver,
        max_ack_pending: -1,
        num_replicas: s.replicas,
      });
    } catch (e2) {
      if (!/already in use|exists/i.test(String((e2 as Error)?.message))) throw e2;
    }
  }
  const config = (await jsm.consumers.info(n.tasks, n.consumer)).config;
  const ackWait = Math.round((config.ack_wait ?? 0) / 1_000_000);
  const maxDeliver = config.max_deliver ?? 0;
  return {
    ...s,
    ackWait: ackWait > 0 ? ackWait : s.ackWait,
    maxDeliver: maxDeliver > 0 ? maxDeliver : s.maxDeliver,
  };
}
