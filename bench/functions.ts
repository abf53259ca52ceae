/**
 * The function case: pickling a closure with five captured variables, first time (source
 * analysis, and on runtimes with a scope adapter the scope read) and repeated, against a
 * plain object holding the same five values. Target: repeated pickling of an analysed
 * closure within 5x of the plain object.
 *
 * @module
 */

import { closure, dumps, dumpsSync, loadsSync } from "../mod.ts";
import { fmtRatio, fmtTime } from "./harness.ts";

type Fn = (x: number) => unknown;

/** Median time per call (ms) of `fn` over batches filling `budgetMs`. */
async function time(fn: () => unknown, budgetMs: number): Promise<number> {
  for (let i = 0; i < 20; i++) await fn();
  let n = 1;
  for (;;) {
    const t = performance.now();
    for (let i = 0; i < n; i++) await fn();
    if (performance.now() - t > 5) break;
    n *= 2;
  }
  const samples: number[] = [];
  const end = performance.now() + budgetMs;
  while (performance.now() < end || samples.length < 5) {
    const t = performance.now();
    for (let i = 0; i < n; i++) await fn();
    samples.push((performance.now() - t) / n);
  }
  samples.sort((a, b) => a - b);
  return samples[samples.length >> 1];
}

let fresh = 0;
/** A closure over five variables whose source text was never seen (defeats the cache). */
function freshClosure(): Fn {
  const make = new Function(
    "a",
    "b",
    "c",
    "d",
    "e",
    `return (x) => a + b * x + c.length + d.k + (e ? 1 : 0); // ${fresh++}`,
  ) as (...v: unknown[]) => Fn;
  return make(1, 2.5, "three", { k: 4 }, true);
}

// deno-lint-ignore prefer-const
let a = 1, b = 2.5, c = "three", d = { k: 4 }, e = true;
const automatic: Fn = (x) => a + b * x + c.length + d.k + (e ? 1 : 0);
const explicit: Fn = closure({ a, b, c, d, e }, (x) => a + b * x + c.length + d.k + (e ? 1 : 0));
const plain = { a, b, c, d, e };
/** A closure over two nested scopes (a factory's parameter, and its inner function's). */
const nested = (k: number) => (j: number) => (x: number) => x * k + j;

/** Runs the case and prints its table and target. */
export async function runFunctionCase(budgetMs: number): Promise<void> {
  // Each row: label, time, note, and the time its ratio is taken against.
  const rows: [string, number | undefined, string, number][] = [];
  const tPlain = await time(() => dumpsSync(plain), budgetMs);
  rows.push(["plain object, same five values (dumpsSync)", tPlain, "", tPlain]);
  const tExplicit = await time(() => dumpsSync(explicit), budgetMs);
  rows.push(["closure() captures, repeated (dumpsSync)", tExplicit, "", tPlain]);
  const tFirst = await time(() => dumpsSync(closure({ a, b, c, d, e }, freshClosure())), budgetMs);
  rows.push([
    "closure() captures, first time: new source (dumpsSync)",
    tFirst,
    "parse + analysis",
    tPlain,
  ]);
  let tAuto: number | undefined;
  let autoNote = "";
  try {
    await dumps(automatic);
    tAuto = await time(() => dumps(automatic), budgetMs);
    autoNote = "scope read by the runtime's adapter on every call";
  } catch (err) {
    autoNote = `n/a: ${(err instanceof Error ? err.message : String(err)).slice(0, 70)}…`;
  }
  rows.push(["automatic capture, repeated (dumps)", tAuto, autoNote, tPlain]);
  // The loading side: a worker receives a closure over new values with every task.
  const plainBytes = dumpsSync(plain);
  const closureBytes = dumpsSync(explicit);
  const tPlainLoad = await time(() => loadsSync(plainBytes), budgetMs);
  rows.push(["plain object, loaded (loadsSync)", tPlainLoad, "", tPlainLoad]);
  rows.push([
    "closure() captures, loaded (loadsSync)",
    await time(() => loadsSync(closureBytes), budgetMs),
    "a scope of five variables",
    tPlainLoad,
  ]);
  let nestedBytes: Uint8Array | undefined;
  let nestedNote = "automatic capture: two scopes";
  try {
    nestedBytes = await dumps(nested(1)(2));
  } catch (err) {
    nestedNote = `n/a: ${(err instanceof Error ? err.message : String(err)).slice(0, 70)}…`;
  }
  rows.push([
    "closure over two nested scopes, loaded (loadsSync)",
    nestedBytes === undefined ? undefined : await time(() => loadsSync(nestedBytes), budgetMs),
    nestedNote,
    tPlainLoad,
  ]);
  console.log("\n| function case | time/op | ÷ plain object (same direction) | note |");
  console.log("|---|---|---|---|");
  for (const [label, t, note, base] of rows) {
    console.log(
      `| ${label} | ${t === undefined ? "n/a" : fmtTime(t)} | ${
        t === undefined ? "" : fmtRatio(t / base)
      } | ${note} |`,
    );
  }
  const ratio = tExplicit / tPlain;
  console.log(
    `\n  ${ratio <= 5 ? "PASS" : "FAIL"}  repeated pickling of an analysed closure <= 5x a plain ` +
      `object: ratio ${ratio.toFixed(2)} (closure() captures)`,
  );
  if (tAuto !== undefined) {
    console.log(
      `  ${tAuto / tPlain <= 5 ? "PASS" : "FAIL"}  the same with automatic capture: ratio ${
        (tAuto / tPlain).toFixed(2)
      }`,
    );
  }
}
