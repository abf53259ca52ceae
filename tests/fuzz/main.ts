/**
 * `npm run fuzz` (scripts/fuzz.mjs runs this on the chosen runtime):
 *
 *   --cases N      cases to run (default 100 000; with --time, no case limit)
 *   --seed S       the seed (default: from the clock, printed first)
 *   --time 10m     run until this much time passed (s, m or h)
 *   --case K       replay case K of the seed alone: print how it loads and its bytes (hex)
 *   --from K       first case number (default 0)
 *
 * Exits 1 when a case failed.
 *
 * @module
 */

import process from "node:process";
import { group } from "./classify.ts";
import { CASE_TIMEOUT_MS, currentRuntime, replayCase, runFuzz } from "./runner.ts";

/** How long a replayed case may take. */
const REPLAY_TIMEOUT_MS = 120_000;

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function duration(s: string): number {
  const m = /^(\d+(?:\.\d+)?)([smh]?)$/.exec(s);
  if (!m) throw new Error(`--time: expected e.g. 90s, 10m or 1h, got ${s}`);
  return Number(m[1]) * { "": 1, s: 1, m: 60, h: 3600 }[m[2]]! * 1000;
}

const runtime = currentRuntime();
const seed = arg("--seed") !== undefined
  ? Number(arg("--seed")) >>> 0
  : (Date.now() * 2654435761) >>> 0;
const replay = arg("--case");

if (replay !== undefined) {
  const k = Number(replay);
  const r = await replayCase(runtime, seed, k, REPLAY_TIMEOUT_MS);
  console.log(`${runtime} seed ${seed} case ${k}: ${r.origin}`);
  console.log(`hex ${r.hex}`);
  const took = r.run.lines.find((l) => l.startsWith("took "));
  if (took) console.log(took);
  if (r.failure) {
    console.log(`FAILED: ${r.failure.kind}: ${r.failure.detail}`);
    process.exit(1);
  }
  console.log("ok: a value or an UnpicklingError");
  process.exit(0);
}

const time = arg("--time");
const timeMs = time !== undefined ? duration(time) : undefined;
const cases = Number(arg("--cases") ?? (timeMs !== undefined ? 2 ** 52 : 100_000));
const from = Number(arg("--from") ?? 0);
console.log(
  `fuzz on ${runtime}: seed ${seed}, cases ${from}..${cases < 2 ** 52 ? from + cases : "∞"}` +
    `${time ? `, for ${time}` : ""} (case timeout ${CASE_TIMEOUT_MS} ms)`,
);
console.log(`replay one case: npm run fuzz -- --runtime ${runtime} --seed ${seed} --case K`);
const result = await runFuzz({
  runtime,
  seed,
  from,
  to: from + cases,
  timeMs,
  log: (line) => console.log(line),
});
console.log(
  `\n${result.cases} cases in ${result.seconds.toFixed(1)} s (${
    (result.cases / result.seconds).toFixed(0)
  }/s), ` +
    `${result.failures.length} failed, seed ${seed}`,
);
for (const g of group(result.failures)) {
  console.log(`\n${g.count} × ${g.signature}`);
  console.log(
    `  e.g. case ${g.first.case} (${g.first.origin ?? "?"}, ${g.first.form ?? "?"}): ${
      g.first.hex ?? ""
    }`,
  );
}
process.exit(result.failures.length ? 1 : 0);
