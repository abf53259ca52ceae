/**
 * The host side of a thread worker on this runtime, chosen once: a Web `Worker` (Deno, Bun)
 * or, where there is none, a `node:worker_threads` Worker (Node). Both are seen the same way
 * by {@linkcode startThread} in handles.ts.
 *
 * @module
 */

import process from "node:process";
import type * as WorkerThreads from "node:worker_threads";

/** What a thread tells its host. */
export interface ThreadEvents {
  /** A message it posted. */
  message(data: unknown): void;
  /** It is gone or unusable (`reason` says how); may be called more than once. */
  end(reason: string): void;
}

/** One started thread. */
export interface Thread {
  post(data: unknown, transfer: ArrayBuffer[]): void;
  terminate(): void;
}

/** Options of a thread. */
export interface ThreadOptions {
  /** The entry module's URL. */
  url: string;
  /** Read by the worker (`globalThis.name` on the Web, `workerData.name` on Node). */
  name?: string;
  /** Bun: preloads (closures made in the worker pickle again). */
  preload?: string[];
  /** Extra options of the runtime's Worker constructor. */
  workerOptions?: Record<string, unknown>;
}

/** Starts a thread with the runtime's `Worker`. */
export type StartThread = (options: ThreadOptions, on: ThreadEvents) => Thread;

const IS_BUN = typeof (globalThis as { Bun?: unknown }).Bun === "object";

function webThread(o: ThreadOptions, on: ThreadEvents): Thread {
  const options: Record<string, unknown> = { type: "module", ...o.workerOptions };
  if (o.name !== undefined) options.name = o.name;
  if (IS_BUN && o.preload !== undefined) {
    options.preload = [...o.preload, ...((o.workerOptions?.preload as string[]) ?? [])];
  }
  const w = new Worker(o.url, options as WorkerOptions);
  w.onmessage = (e: MessageEvent) => on.message(e.data);
  w.onerror = (e: ErrorEvent) => {
    e.preventDefault();
    on.end(`it threw at its top level: ${e.message}`);
  };
  w.onmessageerror = () => on.end("a message from it could not be read");
  // Bun tells when a Worker ends (process.exit in a task); Deno's Workers say it themselves.
  w.addEventListener("close", (e: Event) => {
    on.end(`it exited (code ${String((e as unknown as { code?: number }).code ?? "?")})`);
  });
  return {
    post: (data, transfer) => w.postMessage(data, transfer),
    terminate: () => w.terminate(),
  };
}

function nodeThread(o: ThreadOptions, on: ThreadEvents): Thread {
  const { Worker: NodeWorker } = process.getBuiltinModule(
    "node:worker_threads",
  ) as typeof WorkerThreads;
  const w = new NodeWorker(new URL(o.url), {
    ...o.workerOptions,
    workerData: { name: o.name },
  });
  w.on("message", (data: unknown) => on.message(data));
  w.on("error", (e: unknown) => {
    on.end(`it threw at its top level: ${e instanceof Error ? e.message : String(e)}`);
  });
  w.on("messageerror", () => on.end("a message from it could not be read"));
  w.on("exit", (code: number) => on.end(`it exited (code ${code})`));
  return {
    post: (data, transfer) => w.postMessage(data, transfer),
    terminate: () => void w.terminate(),
  };
}

/** This runtime's threads: Web Workers where the global exists, else node:worker_threads. */
export const startRuntimeThread: StartThread = typeof globalThis.Worker === "function"
  ? webThread
  : nodeThread;
