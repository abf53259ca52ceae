// A Worker of a chain: loads each pickle it is sent, checks that pickling it again gives the
// same bytes, counts one hop on its counter and sends the pickle on.
import { dumps, loads } from "../../mod.ts";

interface Chain {
  counter: { inc: () => number; get: () => number };
}

const self = globalThis as unknown as {
  onmessage: ((e: MessageEvent<Uint8Array>) => void) | null;
  postMessage(m: unknown): void;
};

self.onmessage = async (e) => {
  try {
    const v = await loads<Chain>(e.data);
    const again = await dumps(v);
    const fixpoint = again.length === e.data.length && again.every((b, i) => b === e.data[i]);
    const hops = v.counter.inc();
    self.postMessage({ fixpoint, hops, next: await dumps(v) });
  } catch (err) {
    self.postMessage({ error: String((err as Error)?.stack ?? err) });
  }
};
