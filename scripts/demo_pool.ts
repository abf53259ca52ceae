// The local-pool part of `npm run demo`, run under Deno and under Bun: maps a closure over
// data on a pool of this runtime's Worker threads, then on subprocess workers of the other
// runtime, and checks the results. Exits non-zero when a check fails.
import process from "node:process";
import { createPool } from "../pool.ts";

const here = typeof (globalThis as { Bun?: unknown }).Bun === "object" ? "bun" : "deno";
const other = here === "deno" ? "bun" : "deno";
const name = (r: string) => r === "deno" ? "Deno" : "Bun";

// A closure over local state and a class: shipped by value to every worker.
class Reading {
  constructor(readonly sensor: string, readonly celsius: number) {}
  fahrenheit(): number {
    return this.celsius * 9 / 5 + 32;
  }
}
const offset = 0.5;
const calibrate = (r: Reading) => ({ sensor: r.sensor, f: r.fahrenheit() + offset });
const data = Array.from({ length: 1000 }, (_, i) => new Reading(`s${i % 7}`, i / 10));
const expected = data.map(calibrate);

let ok = true;
for (
  const [label, options] of [
    [`${name(here)} Worker threads`, { size: 2 }],
    [`${name(other)} subprocesses`, { size: 2, kind: "process", runtime: other }],
  ] as const
) {
  const started = performance.now();
  await using pool = createPool(options);
  const got = await pool.map(calibrate, data);
  const same = JSON.stringify(got) === JSON.stringify(expected);
  ok &&= same;
  const ms = (performance.now() - started).toFixed(0);
  console.log(
    `  ${name(here)}: map over ${data.length} readings on ${label}: ` +
      `${same ? "ok" : "WRONG"} (${ms} ms, worker start included)`,
  );
}
if (!ok) process.exit(1);
