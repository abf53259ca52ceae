// A Worker whose task fails: it pickles the failure (this runtime's own error class, and a
// DOMException from a timed-out signal) and posts the bytes to its caller.
import { dumps } from "../../mod.ts";

const g = globalThis as Record<string, unknown>;
// deno-lint-ignore no-explicit-any
const Deno_ = g.Deno as any;
// deno-lint-ignore no-explicit-any
const Bun_ = g.Bun as any;

async function task(): Promise<never> {
  if (Deno_ !== undefined) await Deno_.readTextFile("/no/such/file");
  else await import("/no/such/module.ts");
  throw new Error("unreachable");
}

async function timedOut(): Promise<unknown> {
  const signal = AbortSignal.timeout(1);
  // The signal's timer does not keep a thread alive (a Bun Worker ends while waiting for it).
  const alive = setTimeout(() => {}, 10_000);
  await new Promise((r) => signal.addEventListener("abort", r));
  clearTimeout(alive);
  return signal.reason;
}

const failure = await task().catch((e: unknown) => e);
const timeout = await timedOut();
const bytes = await dumps({ failure, timeout, runtime: Bun_ !== undefined ? "bun" : "deno" });
(globalThis as unknown as { postMessage(m: unknown): void }).postMessage(bytes);
