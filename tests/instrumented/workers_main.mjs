// Run by tests/workers_test.ts with `bun --preload ./preload.ts` or `deno run -A`: closures
// cross a Worker in both directions (tests/instrumented/worker.mjs), and on Bun a Worker
// started without the preload reports why it cannot pickle. Prints JSON.
import { dumps, loads } from "../../mod.ts";

const IS_BUN = typeof globalThis.Bun === "object";
const url = new URL("./worker.mjs", import.meta.url).href;
const preload = new URL("../../preload.ts", import.meta.url).href;

function ask(withPreload, message) {
  const options = { type: "module" };
  if (IS_BUN && withPreload) options.preload = [preload];
  const w = new Worker(url, options);
  return new Promise((resolve, reject) => {
    w.onmessage = (e) => resolve(e.data);
    w.onerror = (e) => reject(new Error(String(e.message ?? e)));
    w.postMessage(message);
  }).finally(() => w.terminate());
}

function made(start) {
  let n = start;
  return { inc: () => ++n, get: () => n };
}

const out = {};
// Built in the Worker, run here.
const fromWorker = await ask(true, { op: "make", start: 10 });
if (fromWorker.error) {
  out.fromWorker = fromWorker.error;
} else {
  const c = await loads(fromWorker.bytes);
  out.fromWorker = [c.get(), c.inc(), c.get()];
}
// Built here, run in the Worker.
const c = made(5);
c.inc();
const toWorker = await ask(true, { op: "load", bytes: await dumps(c) });
out.toWorker = toWorker.error ?? toWorker.ran;
out.original = c.get();
// Loaded in the Worker and pickled again there.
if (toWorker.bytes !== undefined) {
  const back = await loads(toWorker.bytes);
  out.repickled = [back.inc(), back.get()];
} else {
  out.repickled = toWorker.repickleError;
}
if (IS_BUN) out.withoutPreload = (await ask(false, { op: "make", start: 1 })).error ?? null;
console.log(JSON.stringify(out));
