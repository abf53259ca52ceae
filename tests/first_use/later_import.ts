// A long-lived process (tests/first_use_test.ts): it pickles closures, then imports more
// modules and pickles their exports, and pickles code made by `eval`, `new Function` and
// loaded pickles. Prints one JSON line: how each value went (by reference or by value, and
// what its loaded copy returns), the module listings (Debugger.enable) each step caused, and
// µs per eval of a fresh source before the library was used and after each step.
import { dumps, dumpsSync, loads, loadsSync } from "../../mod.ts";
import { inspectorActivity } from "../../lib/runtime/inspector/session.ts";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

/**
 * µs per indirect eval of a fresh small source, the least of 5 rounds: a V8 debugger left on
 * slows every eval ~10x, noise only some rounds.
 */
let serial = 0;
function evalUs(): number {
  const xs: number[] = [];
  for (let round = 0; round < 5; round++) {
    const k = 300;
    const t = performance.now();
    for (let i = 0; i < k; i++) (0, eval)(`(x) => x + ${serial++}`);
    xs.push((performance.now() - t) / k * 1000);
  }
  return Math.min(...xs);
}

const listings = (): number => inspectorActivity().calls["Debugger.enable"] ?? 0;
const evals: Record<string, number> = { before: evalUs() };
const steps: Record<string, unknown> = {};

/** Pickles `value` (async or sync), loads it, and tells how it went. */
async function step(name: string, value: (x: number) => number, sync = false) {
  const l = listings();
  const bytes = sync ? dumpsSync(value) : await dumps(value);
  const back = sync
    ? loadsSync<(x: number) => number>(bytes)
    : await loads<(x: number) => number>(bytes);
  steps[name] = {
    byReference: back === value,
    runs: back(1),
    listings: listings() - l,
  };
  evals[name] = evalUs();
  return back;
}

let n = 10;
const inc = (x: number) => x + ++n;
await step("entry closure", inc);

const dir = mkdtempSync(join(tmpdir(), "cp-later-"));
try {
  const write = (name: string, k: number) => {
    const p = join(dir, name);
    writeFileSync(
      p,
      `export function f(x) { return x * ${k}; }\nexport const g = (x) => x - ${k};\n`,
    );
    return pathToFileURL(p).href;
  };
  // Imported after the first pickle: found by reference, by dumps and by dumpsSync.
  const a = await import(write("a.js", 3));
  await step("export of a module imported later", a.f);
  const b = await import(write("b.js", 5));
  await step("export of another module imported later, sync", b.g, true);
  await new Promise((r) => setTimeout(r, 1100));
  const c = await import(write("c.js", 7));
  await step("export of a module imported a second later", c.f);

  // Code no module defines: by value, and no listing for it.
  const loaded = await loads<(x: number) => number>(await dumps(inc));
  await step("a loaded pickle's closure", loaded);
  await step("an eval'd function", (0, eval)("(x) => x * 100"));
  // (Bun's preload cannot instrument eval'd code: its closures need closure() there.)
  if (!("Bun" in globalThis)) {
    await step("an eval'd closure", (0, eval)("(function (k) { return (x) => x * k; })")(1000));
  }
  await step("new Function", new Function("x", "return x + 0.5") as (x: number) => number);
  await step("an eval'd function, sync", (0, eval)("(x) => x * 200"), true);

  // Built-ins are still built-ins after all that.
  await step("Math.max", Math.max as (x: number) => number);
  console.log(JSON.stringify({ steps, evals, enabled: inspectorActivity().enabled }));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
