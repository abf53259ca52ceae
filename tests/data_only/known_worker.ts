// A worker that runs only known functions: reads a pickle (hex) on stdin, loads it data-only
// with an allow-list of one module and one built-in, runs `job.fn(...job.args)` and prints the
// result as JSON, or the error's class, message and offset (tests/data_only_allow_test.ts).
import { loads, PickleError, UnpicklingError } from "../../mod.ts";

let text = "";
const stdin = (globalThis as { process?: { stdin: AsyncIterable<Uint8Array> } }).process!.stdin;
const decoder = new TextDecoder();
for await (const c of stdin) text += decoder.decode(c, { stream: true });
const hex = text.trim();
const bytes = new Uint8Array(hex.match(/../g)!.map((h) => parseInt(h, 16)));
try {
  const job = await loads<{ fn: (...a: unknown[]) => unknown; args: unknown[] }>(bytes, {
    allowCode: false,
    allow: { modules: ["./tests/modules/data_only_tasks.ts"], globals: ["Math.max"] },
  });
  console.log(JSON.stringify({ result: job.fn(...job.args) }));
} catch (e) {
  console.log(JSON.stringify({
    error: e instanceof UnpicklingError
      ? "UnpicklingError"
      : e instanceof PickleError
      ? "PickleError"
      : String(e),
    message: (e as Error).message,
    offset: (e as UnpicklingError).offset,
    imported: (globalThis as { dataOnlySideEffect?: number }).dataOnlySideEffect ?? 0,
  }));
}
