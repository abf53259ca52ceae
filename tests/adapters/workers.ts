// Deno: how long plain Workers take to start before and after the library was imported and
// used (dumps, dumpsSync of closures, a module lookup). Prints medians in ms.
const body = new URL("data:text/javascript,postMessage(1)");
async function startOne(): Promise<number> {
  const t = performance.now();
  const w = new Worker(body, { type: "module" });
  await new Promise((r) => (w.onmessage = r));
  const ms = performance.now() - t;
  w.terminate();
  return ms;
}
async function median(k: number): Promise<number> {
  const xs: number[] = [];
  for (let i = 0; i < k; i++) xs.push(await startOne());
  xs.sort((a, b) => a - b);
  return xs[k >> 1];
}
await median(2); // warm up
const before = await median(5);
const { dumps, dumpsSync, loads } = await import("../../mod.ts");
let n = 1;
const inc = () => ++n;
const copy = await loads<typeof inc>(await dumps({ inc, max: Math.max }));
dumpsSync(inc);
const afterUse = await median(5);
console.log(JSON.stringify({ before, afterUse, copyType: typeof copy }));
