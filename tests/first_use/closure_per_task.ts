// A program that makes a new closure per task and pickles it (`for (const item of items)
// submit(() => work(item))`), with and without event-loop turns between tasks
// (tests/first_use_test.ts): the inspector commands each pickle sends once a few hundred
// closures were pickled, and that the loaded closures run. Prints one JSON line.
import { dumps, dumpsSync, loads, loadsSync } from "../../mod.ts";
import { inspectorActivity } from "../../lib/runtime/inspector/session.ts";

const calls = (): number => Object.values(inspectorActivity().calls).reduce((a, b) => a + b, 0);
const base = 10;
const work = (x: number) => x * 2;
const tick = () => new Promise((r) => setTimeout(r, 0));

let ran = 0;
for (let i = 0; i < 300; i++) {
  const f = loadsSync<() => number>(dumpsSync(() => work(i) + 1));
  ran += f() === work(i) + 1 ? 1 : 0;
}
const N = 50;
const out: Record<string, number> = {};
let c = calls();
for (let i = 0; i < N; i++) dumpsSync((x: number) => x + 1);
out.noCaptureSync = (calls() - c) / N;
c = calls();
for (let i = 0; i < N; i++) dumpsSync((x: number) => x + i + base);
out.captureSync = (calls() - c) / N;
await tick();
c = calls();
for (let i = 0; i < N; i++) {
  await dumps((x: number) => x + 1);
  await tick();
}
out.noCaptureAsync = (calls() - c) / N;
c = calls();
for (let i = 0; i < N; i++) {
  const f = await loads<(x: number) => number>(await dumps((x: number) => work(x) + i + base));
  ran += f(1) === 2 + i + base ? 1 : 0;
  await tick();
}
out.captureAsync = (calls() - c) / N;
console.log(JSON.stringify({ calls: out, ran }));
