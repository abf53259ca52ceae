/**
 * The host side of one worker: a Worker thread or a subprocess, seen the same way by the
 * pool (send a message, hear replies, learn of its death, kill it).
 *
 * @module
 */

import { type ChildProcess, spawn } from "node:child_process";
import { dumpsSync, loadsSync } from "../../mod.ts";
import { frame, FrameReader } from "./framing.ts";
import type { HostMessage, ReplyMessage } from "./protocol.ts";
import { startRuntimeThread } from "./thread_host.ts";

/** What the pool hears from a worker. */
export interface HandleEvents {
  message(m: ReplyMessage): void;
  /** The worker is gone (`reason` says how); called at most once, never after `kill()`. */
  death(reason: string): void;
}

/** One worker, as the pool drives it. */
export interface WorkerHandle {
  send(m: HostMessage, transfer: ArrayBuffer[]): void;
  /** Stops the worker at once; no `death` follows. */
  kill(): void;
}

/** Options of a thread worker. */
export interface ThreadSpec {
  url: string;
  /** Bun: the preload's URL, so closures made in the worker pickle again. */
  preload?: string;
  /**
   * Extra options of the runtime's Worker constructor (e.g. Deno's per-worker
   * `deno.permissions`, Node's `resourceLimits`).
   */
  workerOptions?: Record<string, unknown>;
}

/** Starts a Worker thread of this runtime (a Web Worker, or node:worker_threads on Node). */
export function startThread(spec: ThreadSpec, on: HandleEvents): WorkerHandle {
  let over = false;
  const die = (reason: string) => {
    if (over) return;
    over = true;
    t.terminate();
    on.death(reason);
  };
  const t = startRuntimeThread({
    url: spec.url,
    preload: spec.preload === undefined ? undefined : [spec.preload],
    workerOptions: spec.workerOptions,
  }, {
    message(data) {
      if (over) return;
      const m = data as ReplyMessage;
      if (m.t === "exit") die(m.reason);
      else on.message(m);
    },
    end: die,
  });
  return {
    send(m, transfer) {
      t.post(m, transfer);
    },
    kill() {
      over = true;
      t.terminate();
    },
  };
}

/** Options of a subprocess worker. */
export interface ProcessSpec {
  command: string;
  args: string[];
  env?: Record<string, string | undefined>;
}

/** Starts a subprocess worker that speaks frames on stdin/stdout. */
export function startProcess(spec: ProcessSpec, on: HandleEvents): WorkerHandle {
  let child: ChildProcess;
  let over = false;
  const die = (reason: string) => {
    if (over) return;
    over = true;
    child?.kill("SIGKILL");
    on.death(reason);
  };
  try {
    child = spawn(spec.command, spec.args, {
      stdio: ["pipe", "pipe", "inherit"],
      env: spec.env,
    });
  } catch (e) {
    queueMicrotask(() => die(`it could not be started: ${(e as Error).message}`));
    return { send() {}, kill() {} };
  }
  const reader = new FrameReader();
  child.stdout!.on("data", (chunk: Uint8Array) => {
    if (over) return;
    try {
      for (const f of reader.push(new Uint8Array(chunk))) {
        if (over) return;
        on.message(loadsSync(f, { allowCode: false }) as ReplyMessage);
      }
    } catch (e) {
      die(`it wrote something that is not a frame on stdout: ${(e as Error).message}`);
    }
  });
  child.on("error", (e) => die(`it could not be started (${spec.command}): ${e.message}`));
  // "close", not "exit": it comes after stdout is drained, so a reply written before the
  // worker died is read before its death is.
  child.on("close", (code, signal) => {
    die(signal !== null ? `it was killed (${signal})` : `it exited (code ${code})`);
  });
  child.stdin!.on("error", () => {}); // EPIPE when it died: the exit event tells
  return {
    send(m) {
      child.stdin!.write(frame(dumpsSync(m)));
    },
    kill() {
      over = true;
      child.kill("SIGKILL");
    },
  };
}
