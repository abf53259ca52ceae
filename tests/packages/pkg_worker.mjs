// A Worker of workers.mjs: builds a closure inside esm-lib and sends it pickled.
import { compose, memoize } from "esm-lib";

globalThis.onmessage = async (e) => {
  const { i, mod } = e.data;
  try {
    const { dumps } = await import(mod);
    const f = memoize(compose((x) => x + i, (x) => x * 10));
    f(1);
    globalThis.postMessage({ bytes: await dumps(f) });
  } catch (err) {
    globalThis.postMessage({ error: String(err) });
  }
};
