// A Worker for tests/workers_test.ts: builds a closure and pickles it ("make"), or loads one,
// runs it and pickles it again ("load"). Answers { bytes, ran } or { error }.
import { dumps, loads } from "../../mod.ts";

// JavaScript, not TypeScript: `deno test` would type-check a TypeScript Worker and print it.
const port = globalThis;

function counter(start) {
  let n = start;
  return { inc: () => ++n, get: () => n };
}

port.onmessage = async (e) => {
  const { op, start, bytes } = e.data;
  try {
    if (op === "make") {
      const c = counter(start);
      c.inc();
      port.postMessage({ bytes: await dumps(c) });
    } else {
      const c = await loads(bytes);
      const ran = c.inc();
      let again;
      let error;
      try {
        again = await dumps(c);
      } catch (err) {
        error = String(err);
      }
      port.postMessage({ ran, bytes: again, repickleError: error });
    }
  } catch (err) {
    port.postMessage({ error: String(err) });
  }
};
