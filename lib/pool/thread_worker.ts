/**
 * Entry of a pool's thread workers (Deno module Workers; Bun Workers started with the
 * preload). Runs jobs posted by the pool and posts back the results.
 *
 * @module
 */

import process from "node:process";
import { createRunner } from "./runner.ts";
import type { ReplyMessage, RunMessage } from "./protocol.ts";

// deno-lint-ignore no-explicit-any
const scope = globalThis as any;
const post = (m: ReplyMessage, transfer: Transferable[] = []) => scope.postMessage(m, transfer);
const transferResults = (globalThis as { name?: string }).name === "cloudpickle-pool-transfer";

// Deno ends a Worker that calls Deno.exit, process.exit or close() without telling its
// parent (Bun fires "close"): say so first, so the pool replaces it at once.
const Deno = scope.Deno;
if (Deno !== undefined) {
  let said = false;
  const say = (code: unknown) => {
    if (said) return;
    said = true;
    post({ t: "exit", code: code ?? 0 });
  };
  const exit = Deno.exit.bind(Deno);
  Object.defineProperty(Deno, "exit", {
    value: (code?: number) => {
      say(code);
      exit(code);
    },
    configurable: true,
    writable: true,
  });
  const pexit = process.exit.bind(process);
  process.exit = ((code?: number) => {
    say(code);
    pexit(code);
  }) as typeof process.exit;
  if (typeof scope.close === "function") {
    const close = scope.close.bind(scope);
    scope.close = () => {
      say("close()");
      close();
    };
  }
}

const run = createRunner(true, true);
scope.onmessage = async (e: MessageEvent<RunMessage>) => {
  const reply = await run(e.data);
  post(reply, transferResults ? reply.value.buffers : []);
};
post({ t: "ready" });
