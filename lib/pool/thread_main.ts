/**
 * The code of a pool's thread workers (Deno module Workers; Bun Workers started with the
 * preload; Node's node:worker_threads). Runs jobs posted by the pool and posts back the
 * results.
 *
 * @module
 */

import process from "node:process";
import { createRunner } from "./runner.ts";
import type { DoneBatch, HostMessage, ReplyMessage, RunMessage } from "./protocol.ts";
import { addReply, readRuns } from "./batch.ts";
import { isSkipped } from "./skips.ts";
import { port } from "./thread_port.ts";

// deno-lint-ignore no-explicit-any
const scope = globalThis as any;
const isArray = Array.isArray;
const post = (m: ReplyMessage, transfer: Transferable[] = []) => port.post(m, transfer);
// Workers whose replies leave the process (the NATS workers): every value as pickle bytes.
// Deno gives the Worker's name; Bun does not, so its argv says it too.
const bytesOnly = port.name === "cloudpickle-pool-bytes" ||
  process.argv.includes("--cloudpickle-pool-bytes");

// Deno ends a Worker that calls Deno.exit, process.exit or close() without telling its
// parent (Bun fires "close"): say so first, so the pool replaces it at once.
const Deno = scope.Deno;
if (Deno !== undefined) {
  let said = false;
  const say = (reason: string) => {
    if (said) return;
    said = true;
    post({ t: "exit", reason });
  };
  const exited = (code: unknown) => say(`it exited (code ${String(code ?? 0)})`);
  const exit = Deno.exit.bind(Deno);
  Object.defineProperty(Deno, "exit", {
    value: (code?: number) => {
      exited(code);
      exit(code);
    },
    configurable: true,
    writable: true,
  });
  const pexit = process.exit.bind(process);
  process.exit = ((code?: number) => {
    exited(code);
    pexit(code);
  }) as typeof process.exit;
  // An error thrown outside any task (a timer's callback, an unhandled rejection) ends the
  // Worker: tell the pool why, without Deno printing it as the program's own error.
  const fatal = (e: Event, what: unknown) => {
    e.preventDefault();
    say(`it threw at its top level: ${what instanceof Error ? what.stack : String(what)}`);
    Deno.exit(1);
  };
  scope.addEventListener("error", (e: ErrorEvent) => fatal(e, e.error ?? e.message));
  scope.addEventListener(
    "unhandledrejection",
    (e: PromiseRejectionEvent) => fatal(e, e.reason),
  );
  if (typeof scope.close === "function") {
    const close = scope.close.bind(scope);
    scope.close = () => {
      say("it called close()");
      close();
    };
  }
}

const run = createRunner(!bytesOnly, !bytesOnly);
// One task at a time, in arrival order: the pool may send tasks ahead, behind the one that
// runs, so that the next starts at once (an async task does not let the next one in).
const queue: RunMessage[] = [];
const queued = new Set<number>();
let busy = false;
let skips: Int32Array | undefined;
async function drain(): Promise<void> {
  busy = true;
  while (queue.length > 0) {
    const m = queue.shift()!;
    if (!queued.delete(m.id) || (skips !== undefined && isSkipped(skips, m.id))) {
      await run.skip(m);
      continue;
    }
    const reply = await run(m);
    // Sent at once (held for the next, a reply would wait behind a task of any length, out
    // of the pool's sight): in a flat list when it fits one.
    const out: DoneBatch = [];
    if (addReply(out, m.id, reply.ok, reply.value)) port.post(out, []);
    else post(reply, []);
  }
  busy = false;
}
const enqueue = (m: RunMessage) => {
  queue.push(m);
  queued.add(m.id);
};
port.onMessage((data) => {
  const m = data as HostMessage;
  if (isArray(m)) readRuns(m, enqueue);
  else if (m.t === "skip") {
    queued.delete(m.id);
    return;
  } else if (m.t === "skips") {
    skips = m.flags;
    return;
  } else enqueue(m);
  if (!busy) void drain();
});
post({ t: "ready" });
