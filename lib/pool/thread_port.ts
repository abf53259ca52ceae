/**
 * The worker side of a thread worker on this runtime, chosen once: the Web Worker scope
 * (`postMessage`/`onmessage` on Deno and Bun) or, where there is none, `node:worker_threads`'
 * `parentPort` (Node).
 *
 * @module
 */

import process from "node:process";
import type * as WorkerThreads from "node:worker_threads";

/** A thread worker's line to its host. */
export interface ThreadPort {
  /** The name the host gave the worker (`globalThis.name`, or Node's `workerData.name`). */
  readonly name: string | undefined;
  post(data: unknown, transfer?: Transferable[]): void;
  /** Calls `fn` with each message's data. */
  onMessage(fn: (data: unknown) => void): void;
}

// deno-lint-ignore no-explicit-any
const scope = globalThis as any;

function webPort(): ThreadPort {
  return {
    name: scope.name,
    post: (data, transfer = []) => scope.postMessage(data, transfer),
    onMessage(fn) {
      scope.onmessage = (e: MessageEvent) => fn(e.data);
    },
  };
}

function nodePort(): ThreadPort {
  const { parentPort, workerData } = process.getBuiltinModule(
    "node:worker_threads",
  ) as typeof WorkerThreads;
  if (parentPort === null) {
    throw new Error("the pool's thread worker entry runs only in a Worker started by a pool");
  }
  return {
    name: (workerData as { name?: string } | undefined)?.name,
    post: (data, transfer = []) =>
      parentPort.postMessage(data, transfer as WorkerThreads.Transferable[]),
    onMessage(fn) {
      parentPort.on("message", fn);
    },
  };
}

/** This thread's port: the Web Worker scope where it exists, else node:worker_threads. */
export const port: ThreadPort = typeof scope.postMessage === "function" ? webPort() : nodePort();
