// A Worker that runs only known functions: each message is a pickle and its out-of-band
// buffers; it loads them data-only with an allow-list, runs `job.fn(...job.args)` and posts the
// result, or the error (tests/data_only_allow_test.ts).
import { loads, UnpicklingError } from "../../mod.ts";

const scope = globalThis as unknown as {
  onmessage: ((e: MessageEvent<{ bytes: Uint8Array; buffers: ArrayBuffer[] }>) => void) | null;
  postMessage(m: unknown): void;
};

scope.onmessage = async (e) => {
  try {
    const job = await loads<{ fn: (...a: unknown[]) => unknown; args: unknown[] }>(e.data.bytes, {
      allowCode: false,
      allow: { modules: ["./tests/modules/data_only_tasks.ts"], globals: ["Math.max"] },
      buffers: e.data.buffers,
    });
    scope.postMessage({ result: job.fn(...job.args) });
  } catch (err) {
    scope.postMessage({
      error: err instanceof UnpicklingError ? "UnpicklingError" : String(err),
      message: (err as Error).message,
    });
  }
};
