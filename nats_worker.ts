/**
 * A NATS worker, started with one command on any machine that has this package:
 *
 * ```sh
 * CLOUDPICKLE_NATS_KEY=… deno run -A <package>/nats_worker.ts --servers nats://host:4222
 * CLOUDPICKLE_NATS_KEY=… bun --preload <package>/preload.ts <package>/nats_worker.ts --servers …
 * ```
 *
 * Options: `--servers URL[,URL…]` (or `NATS_URL`), `--concurrency N` (threads, default 1),
 * `--queue NAME`, `--replicas N`, `--ack-wait MS`, `--max-deliver N`, `--duplicate-window MS`,
 * `--insecure`. It prints one line on stdout when it is ready, and stops on SIGINT or
 * SIGTERM after its running tasks.
 *
 * @module
 */

import process from "node:process";
import { type NatsWorkerOptions, startWorker } from "./lib/nats/worker.ts";

const USAGE = "usage: nats_worker.ts --servers URL[,URL...] [--concurrency N] [--queue NAME] " +
  "[--replicas N] [--ack-wait MS] [--max-deliver N] [--duplicate-window MS] [--insecure]";

function parse(argv: string[]): NatsWorkerOptions {
  const o: NatsWorkerOptions = { servers: process.env.NATS_URL ?? "" };
  const num = (i: number) => {
    const n = Number(argv[i]);
    if (!Number.isInteger(n)) throw new TypeError(`${argv[i - 1]} wants an integer\n${USAGE}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--servers") o.servers = argv[++i] ?? "";
    else if (a === "--concurrency") o.concurrency = num(++i);
    else if (a === "--queue") o.queue = argv[++i];
    else if (a === "--replicas") o.replicas = num(++i);
    else if (a === "--ack-wait") o.ackWait = num(++i);
    else if (a === "--max-deliver") o.maxDeliver = num(++i);
    else if (a === "--duplicate-window") o.duplicateWindow = num(++i);
    else if (a === "--insecure") o.insecure = true;
    else throw new TypeError(`unknown option ${a}\n${USAGE}`);
  }
  if (o.servers === "") throw new TypeError(`no --servers (nor NATS_URL)\n${USAGE}`);
  return o;
}

// Run as a program only: importing the module (for its documentation, say) starts nothing.
if (import.meta.main) {
  try {
    const w = await startWorker(parse(process.argv.slice(2)));
    const stop = () => {
      w.stop().then(() => process.exit(0));
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
    console.log(`cloudpickle nats worker ${w.name} ready`);
    await w.closed;
    process.exit(0);
  } catch (e) {
    console.error(`cloudpickle nats worker: ${(e as Error)?.message ?? e}`);
    process.exit(1);
  }
}
