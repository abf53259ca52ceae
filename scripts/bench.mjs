#!/usr/bin/env node
// Runs bench/run.ts under Deno, then under Bun, one after the other.
//
//   npm run bench                      full run (~300 ms per measurement)
//   npm run bench -- --quick           short run (also: BENCH_QUICK=1)
//   npm run bench -- --runtime=deno    only one runtime (also: BENCH_RUNTIMES=bun)
//   npm run bench -- --case=rpc,f64 --lib=msgpackr --ms=100
//
// All other arguments are passed through to bench/run.ts.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const entry = join("bench", "run.ts");

function bin(name) {
  const suffix = process.platform === "win32" ? ".cmd" : "";
  const local = join(root, "node_modules", ".bin", name + suffix);
  return existsSync(local) ? local : name;
}

const runtimes = {
  // --expose-gc lets bench/run.ts force a GC before each measurement (Bun
  // has Bun.gc built in).
  deno: {
    cmd: bin("deno"),
    args: ["run", "-A", "--v8-flags=--expose-gc", entry],
  },
  // The preload lets the function case measure automatic capture on Bun too.
  bun: { cmd: bin("bun"), args: ["--preload", "./preload.ts", entry] },
};

const passThrough = [];
let selected = (process.env.BENCH_RUNTIMES ?? "deno,bun").split(",");
for (const arg of process.argv.slice(2)) {
  if (arg.startsWith("--runtime=")) {
    selected = arg.slice("--runtime=".length).split(",");
  } else {
    passThrough.push(arg);
  }
}
selected = selected.map((s) => s.trim()).filter((s) => s !== "");

let failed = 0;
const started = Date.now();
for (const name of selected) {
  const rt = runtimes[name];
  if (!rt) {
    console.error(`unknown runtime: ${name} (expected deno or bun)`);
    failed++;
    continue;
  }
  const res = spawnSync(rt.cmd, [...rt.args, ...passThrough], {
    cwd: root,
    stdio: "inherit",
    env: process.env,
  });
  if (res.error) {
    console.error(`${name}: failed to start ${rt.cmd}: ${res.error.message}`);
    failed++;
  } else if (res.status !== 0) {
    console.error(
      `${name}: exited with ${res.status ?? "signal " + res.signal}`,
    );
    failed++;
  }
}
console.log(
  `\nbench finished in ${((Date.now() - started) / 1000).toFixed(1)} s` +
    (failed ? ` (${failed} runtime(s) failed)` : ""),
);
process.exit(failed ? 1 : 0);
