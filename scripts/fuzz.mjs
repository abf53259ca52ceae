#!/usr/bin/env node
// Long fuzz runs of the loader (the CI run is tests/fuzz_test.ts). Runs tests/fuzz/main.ts on
// the chosen runtime; it prints the seed first, so that any failure can be replayed.
//
//   npm run fuzz                                   100 000 cases on Deno, a seed from the clock
//   npm run fuzz -- --runtime bun --cases 500000   on Bun (--runtime both: Deno, then Bun)
//   npm run fuzz -- --time 10m --seed 42           for ten minutes (s, m or h)
//   npm run fuzz -- --seed 42 --case 1234          replay one case: how it loads, its bytes (hex)
//   npm run fuzz -- --seed 42 --from 1200 --cases 100
//
// Exits 1 when a case failed. Plain Node ESM, no dependencies.

import { spawnSync } from "node:child_process";
import { BUN, DENO, ensureRuntimes, ROOT } from "./install.mjs";

const USAGE = "usage: npm run fuzz -- [--runtime deno|bun|both] [--cases N] [--seed S] " +
  "[--time 10m] [--from K] [--case K]";

const args = process.argv.slice(2);
if (args.includes("-h") || args.includes("--help")) {
  console.log(USAGE);
  process.exit(0);
}
let runtime = "deno";
const rest = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === "--runtime") runtime = args[++i];
  else if (args[i].startsWith("--runtime=")) runtime = args[i].slice("--runtime=".length);
  else if (["--cases", "--seed", "--time", "--from", "--case"].includes(args[i])) {
    if (args[i + 1] === undefined) {
      console.error(`${args[i]} needs a value\n${USAGE}`);
      process.exit(2);
    }
    rest.push(args[i], args[++i]);
  } else {
    console.error(`unknown option ${args[i]}\n${USAGE}`);
    process.exit(2);
  }
}
if (!["deno", "bun", "both"].includes(runtime)) {
  console.error(`--runtime: deno, bun or both, not ${runtime}`);
  process.exit(2);
}
ensureRuntimes();
// One seed for both runtimes, so that "both" runs the same cases twice.
if (!rest.includes("--seed")) rest.push("--seed", String((Date.now() * 2654435761) >>> 0));
let failed = false;
for (const rt of runtime === "both" ? ["deno", "bun"] : [runtime]) {
  const cmd = rt === "deno" ? [DENO, ["run", "-A", "tests/fuzz/main.ts", ...rest]] : [
    BUN,
    ["tests/fuzz/main.ts", ...rest],
  ];
  const r = spawnSync(cmd[0], cmd[1], { cwd: ROOT, stdio: "inherit" });
  if (r.status !== 0) failed = true;
}
process.exitCode = failed ? 1 : 0;
