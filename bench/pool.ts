// `map` of 10 000 small tasks on a thread pool of N workers, against a bare postMessage
// pipeline of the same tasks at the same concurrency (N Workers, one task in flight each,
// the function fixed in the Worker's code). Steady state: workers started and warm.
//
//   deno run -A bench/pool.ts [--workers=N] [--tasks=N]
//   bun --preload ./preload.ts bench/pool.ts
//   npm run bench:pool                  both runtimes
import process from "node:process";
import { createPool } from "../pool.ts";

const arg = (name: string, d: number) => {
  const a = process.argv.find((s) => s.startsWith(`--${name}=`));
  return a === undefined ? d : Number(a.split("=")[1]);
};
const N = arg("workers", 2);
const TASKS = arg("tasks", 10_000);
const ROUNDS = arg("rounds", 5);
const runtime = typeof (globalThis as { Bun?: unknown }).Bun === "object" ? "bun" : "deno";
const items = Array.from({ length: TASKS }, (_, i) => i);

async function bareWorkers(): Promise<Worker[]> {
  const url = new URL("./pool_bare_worker.ts", import.meta.url).href;
  return await Promise.all(
    Array.from({ length: N }, () =>
      new Promise<Worker>((resolve) => {
        const w = new Worker(url, { type: "module" });
        w.onmessage = () => resolve(w);
      })),
  );
}

function bare(workers: Worker[]): Promise<number[]> {
  const out = new Array<number>(TASKS);
  let next = 0;
  let done = 0;
  return new Promise((resolve) => {
    for (const w of workers) {
      w.onmessage = (e: MessageEvent<{ i: number; r: number }>) => {
        out[e.data.i] = e.data.r;
        if (++done === TASKS) resolve(out);
        else if (next < TASKS) w.postMessage({ i: next, x: items[next++] });
      };
      if (next < TASKS) w.postMessage({ i: next, x: items[next++] });
    }
  });
}

async function median(f: () => Promise<unknown>): Promise<number> {
  await f(); // warm
  const times: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const t0 = performance.now();
    await f();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[times.length >> 1];
}

const mid = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const timed = async (f: () => Promise<unknown>) => {
  const t0 = performance.now();
  await f();
  return performance.now() - t0;
};

const workers = await bareWorkers();
const k = 2;
const fn = (x: number) => x * k + 1;
const pool = createPool({ size: N });
const check = await pool.map(fn, items);
if (check[TASKS - 1] !== (TASKS - 1) * 2 + 1) throw new Error("wrong results");
const tPool = await median(() => pool.map(fn, items));
// The bare pipeline and chunkSize 1 in turns, round by round (the bare Workers idle
// meanwhile): a machine whose load changes weighs on both alike. The ratio is the median
// of the rounds' ratios.
await bare(workers);
await pool.map(fn, items, { chunkSize: 1 });
const bareTimes: number[] = [], poolTimes: number[] = [], ratios: number[] = [];
for (let i = 0; i < ROUNDS; i++) {
  bareTimes.push(await timed(() => bare(workers)));
  poolTimes.push(await timed(() => pool.map(fn, items, { chunkSize: 1 })));
  ratios.push(poolTimes[i] / bareTimes[i]);
}
const tBare = mid(bareTimes), tPool1 = mid(poolTimes), ratio1 = mid(ratios);
for (const w of workers) w.terminate();
await pool.close();

const ms = (t: number) => `${t.toFixed(1)} ms`;
console.log(`${runtime}: ${TASKS} tasks, ${N} workers (median of ${ROUNDS})`);
console.log(`  bare postMessage, one task per message   ${ms(tBare)}`);
console.log(
  `  pool.map, default chunks (${Math.ceil(TASKS / (4 * N))})         ${ms(tPool)}  ` +
    `ratio ${(tPool / tBare).toFixed(2)}`,
);
console.log(
  `  pool.map, chunkSize 1                    ${ms(tPool1)}  ratio ${ratio1.toFixed(2)}`,
);
