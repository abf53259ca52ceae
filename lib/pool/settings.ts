/**
 * A pool's options checked, and how it starts its workers.
 *
 * @module
 */

import {
  CURRENT_RUNTIME,
  PRELOAD_URL,
  processArgs,
  runtimeExecutable,
  THREAD_ENTRY,
} from "./commands.ts";
import { type HandleEvents, startProcess, startThread, type WorkerHandle } from "./handles.ts";
import type { PoolOptions } from "./options.ts";

/** A pool's settings, from its options. */
export interface PoolSettings {
  size: number;
  kind: "thread" | "process";
  runtime: "deno" | "bun" | "node";
  retries: number;
  transfer: boolean;
  /** Starts one worker. */
  start: (on: HandleEvents) => WorkerHandle;
}

function defaultSize(): number {
  const n = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator
    ?.hardwareConcurrency;
  return typeof n === "number" && n >= 1 ? n : 1;
}

/** Checks a pool's options (a TypeError names a bad one) and gives its settings. */
export function poolSettings(options: PoolOptions): PoolSettings {
  const size = options.size ?? defaultSize();
  if (!Number.isInteger(size) || size < 1) {
    throw new TypeError(`size must be an integer >= 1, not ${String(size)}`);
  }
  const kind = options.kind ?? "thread";
  if (kind !== "thread" && kind !== "process") {
    throw new TypeError(`kind must be "thread" or "process", not ${String(kind)}`);
  }
  const retries = options.retries ?? 0;
  if (retries !== 0 && retries !== 1) {
    throw new TypeError(`retries must be 0 or 1, not ${String(retries)}`);
  }
  const transfer = options.transfer === true;
  if (transfer && retries > 0) {
    throw new TypeError(
      "transfer and retries exclude each other: a transferred input is detached here, so a " +
        "task that may be retried cannot transfer it (drop one of the two options)",
    );
  }
  if (transfer && kind === "process") {
    throw new TypeError("transfer is for thread workers: subprocess workers always copy");
  }
  if (kind === "thread") {
    if (options.runtime !== undefined && options.runtime !== CURRENT_RUNTIME) {
      throw new TypeError(
        `thread workers run on this runtime (${CURRENT_RUNTIME}); for ${options.runtime} ` +
          `workers pass kind: "process"`,
      );
    }
    const spec = {
      url: THREAD_ENTRY,
      preload: PRELOAD_URL,
      workerOptions: options.workerOptions,
    };
    return {
      size,
      kind,
      retries,
      transfer,
      runtime: CURRENT_RUNTIME,
      start: (on) => startThread(spec, on),
    };
  }
  const runtime = options.runtime ?? CURRENT_RUNTIME;
  if (runtime !== "deno" && runtime !== "bun" && runtime !== "node") {
    throw new TypeError(`runtime must be "deno", "bun" or "node", not ${String(runtime)}`);
  }
  const spec = {
    command: options.command ?? runtimeExecutable(runtime),
    args: processArgs(runtime, options.denoFlags),
    env: options.env,
  };
  return { size, kind, retries, transfer, runtime, start: (on) => startProcess(spec, on) };
}
