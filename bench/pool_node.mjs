// bench/pool.ts on Node, from the npm build: `map` of 10 000 small tasks on a thread pool of 2
// node:worker_threads workers, against a bare postMessage pipeline of the same tasks at the
// same concurrency (the function fixed in the Worker's code). Steady state, median of 5.
//
//   node scripts/build_npm.mjs && node bench/pool_node.mjs
import { Worker } from "node:worker_threads";
import { createPool } from "../dist/npm/pool.js";
const N = 2, TASKS = 10_000, ROUNDS = 5;
const items = Array.from({ length: TASKS }, (_, i) => i);
const src = `const { parentPort } = require("node:worker_threads");
parentPort.on("message", ({ i, x }) => parentPort.postMessage({ i, r: x * 2 + 1 }));
parentPort.postMessage("ready");`;
const workers = await Promise.all(Array.from({ length: N }, () =>
  new Promise((res) => {
    const w = new Worker(src, { eval: true });
    w.once("message", () => res(w));
  })));
function bare() {
  const out = new Array(TASKS);
  let next = 0, done = 0;
  return new Promise((resolve) => {
    for (const w of workers) {
      w.removeAllListeners("message");
      w.on("message", (d) => {
        out[d.i] = d.r;
        if (++done === TASKS) resolve(out);
        else if (next < TASKS) w.postMessage({ i: next, x: items[next++] });
      });
      if (next < TASKS) w.postMessage({ i: next, x: items[next++] });
    }
  });
}
async function median(f) {
  await f();
  const t = [];
  for (let i = 0; i < ROUNDS; i++) {
    const t0 = performance.now();
    await f();
    t.push(performance.now() - t0);
  }
  t.sort((a, b) => a - b);
  return t[t.length >> 1];
}
const tBare = await median(bare);
for (const w of workers) w.terminate();
const k = 2;
const fn = (x) => x * k + 1;
const t0 = performance.now();
const pool = createPool({ size: N });
await pool.submit(() => 0);
const tStart = performance.now() - t0;
const tPool = await median(() => pool.map(fn, items));
const tPool1 = await median(() => pool.map(fn, items, { chunkSize: 1 }));
await pool.close();
console.log(
  JSON.stringify({
    tBare: +tBare.toFixed(1),
    tPool: +tPool.toFixed(1),
    tPool1: +tPool1.toFixed(1),
    ratio: +(tPool / tBare).toFixed(2),
    ratio1: +(tPool1 / tBare).toFixed(2),
    firstTaskMs: +tStart.toFixed(0),
  }),
);
