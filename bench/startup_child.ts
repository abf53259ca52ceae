/**
 * One fresh process of the startup case (bench/startup.ts): prints one JSON line.
 *   import   ms to import mod.ts (or the module named by env BENCH_MOD)
 *   first-dumps  ms of the first dumps of a closure only
 *   first-parts  where the first dumps of a closure spends its time: ms of each piece of it
 *            run alone first, in order (V8: loading node:inspector, the caller's module from
 *            the stack, locating the closure, reading its scope; parsing a function; then the
 *            first dumps itself, with what is left), and of a second closure's dumps
 *   first    ms of the first dumps and of the first dumpsSync of a closure, and µs per
 *            dumpsSync of a closure warm
 *   workers  median ms to start a plain Worker before the library was imported, and after it
 *            was imported and used; µs per eval of a fresh source, before and after
 *
 * @module
 */

import process from "node:process";

const mode = process.argv[2] ?? "import";
// The module measured: env BENCH_MOD (relative to the working directory, as in run.ts) or mod.ts.
const modHref = process.env.BENCH_MOD
  ? new URL(process.env.BENCH_MOD, `file://${process.cwd()}/`).href
  : new URL("../mod.ts", import.meta.url).href;

async function startWorker(): Promise<number> {
  const t = performance.now();
  const w = new Worker(new URL("data:text/javascript,postMessage(1)"), { type: "module" });
  await new Promise((r) => (w.onmessage = r));
  const ms = performance.now() - t;
  w.terminate();
  return ms;
}

/** µs per indirect eval of a fresh small source (slower while the V8 debugger is on). */
function evalUs(): number {
  const k = 2000;
  const t = performance.now();
  for (let i = 0; i < k; i++) (0, eval)(`(x) => x + ${i}`);
  return (performance.now() - t) / k * 1000;
}

async function medianWorker(k: number): Promise<number> {
  const xs: number[] = [];
  for (let i = 0; i < k; i++) xs.push(await startWorker());
  xs.sort((a, b) => a - b);
  return xs[k >> 1];
}

if (mode === "import") {
  const t = performance.now();
  await import(modHref);
  console.log(JSON.stringify({ importMs: performance.now() - t }));
} else if (mode === "first-dumps") {
  // only the first `dumps` of a closure (the speed-target table's row)
  const lib = await import(modHref);
  let n = 1;
  const a = () => n++;
  const t = performance.now();
  await lib.dumps(a);
  console.log(JSON.stringify({ firstAsync: performance.now() - t }));
} else if (mode === "first-parts") {
  const lib = await import(modHref);
  const at = (path: string) => import(new URL(path, modHref).href);
  const host = await at("./lib/host.ts");
  const locate = await at("./lib/runtime/inspector/locate.ts");
  const scopes = await at("./lib/runtime/inspector/scopes_sync.ts");
  const analysis = await at("./lib/code/analyze.ts");
  let n = 1;
  const a = () => n++;
  const b = (x: number) => x + n;
  const ms: Record<string, number> = {};
  let t = performance.now();
  const step = (name: string) => {
    const now = performance.now();
    ms[name] = now - t;
    t = now;
  };
  if (host.isV8()) {
    host.maybeBuiltin("node:inspector");
    step("load node:inspector");
    locate.learnStack();
    step("caller's module from the stack");
    locate.scriptIdOf(a);
    step("locate the closure");
    scopes.readScopesNow(a);
    step("read its scope");
  }
  analysis.analyze("(x) => x + m");
  step("parse a function (meriyah)");
  await lib.dumps(a);
  step("first dumps, the rest");
  await lib.dumps(b);
  step("second closure's dumps");
  console.log(JSON.stringify(ms));
} else if (mode === "first") {
  const lib = await import(modHref);
  let n = 1;
  const a = () => n++;
  const b = (x: number) => x + n;
  let t = performance.now();
  let firstAsync: number | null = null;
  try {
    await lib.dumps(a);
    firstAsync = performance.now() - t;
  } catch {
    // no scope adapter here
  }
  t = performance.now();
  let firstSync: number | null = null;
  try {
    lib.dumpsSync(b);
    firstSync = performance.now() - t;
  } catch {
    // no synchronous scope reader here
  }
  let warmSyncUs: number | null = null;
  if (firstSync !== null) {
    for (let i = 0; i < 200; i++) lib.dumpsSync(b);
    const k = 2000;
    t = performance.now();
    for (let i = 0; i < k; i++) lib.dumpsSync(b);
    warmSyncUs = (performance.now() - t) / k * 1000;
  }
  console.log(JSON.stringify({ firstAsync, firstSync, warmSyncUs }));
} else {
  await medianWorker(2);
  const before = await medianWorker(5);
  const evalBefore = evalUs();
  const lib = await import(modHref);
  let n = 1;
  const inc = () => ++n;
  await lib.loads(await lib.dumps({ max: Math.max, data: [1, "two"] }));
  try {
    await lib.loads(await lib.dumps(inc));
    lib.dumpsSync(inc);
  } catch {
    // no scope adapter here
  }
  const after = await medianWorker(5);
  console.log(JSON.stringify({ before, after, evalBefore, evalAfter: evalUs() }));
}
process.exit(0);
