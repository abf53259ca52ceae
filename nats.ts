/**
 * Executors on a NATS JetStream cluster: `map(closure, data)` on workers started with one
 * command on any machine. Needs the npm packages `@nats-io/transport-node`,
 * `@nats-io/jetstream` and `@nats-io/obj`.
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
 *
 * @module
 */

export { connect, NatsExecutor, type NatsExecutorOptions } from "./lib/nats/client.ts";
export { type NatsWorker, type NatsWorkerOptions, startWorker } from "./lib/nats/worker.ts";
export { KEY_ENV, type NatsCommonOptions, type NatsConnectionOptions } from "./lib/nats/config.ts";
export { TaskLostError, TaskRefusedError } from "./lib/nats/errors.ts";
export {
  CancelledError,
  ExecutorClosedError,
  ExecutorError,
  WorkerDiedError,
} from "./lib/executor/errors.ts";
export type { CallOptions, CloseOptions, Executor, Job, MapOptions } from "./lib/executor/types.ts";
export { BaseExecutor } from "./lib/executor/base.ts";
