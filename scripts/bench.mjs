#!/usr/bin/env node
// Runs bench/run.ts under Deno, then under Bun, one after the other.
//
//   npm run bench                      full run (~300 ms per measurement)
//   npm run bench -- --quick           short run (also: BENCH_QUICK=1)
//   npm run bench -- --runtime=deno    only one runtime (also: BENCH_RUNTIMES=bun)
//   npm run bench -- --case=rpc,f64 --lib=msgpackr --ms=100
//   npm run bench -- --targets         only the speed-target table (--runs=N, default 3)
//
// All other arguments are passed through to bench/run.ts. When the speed-target table ran on
// more than one runtime, a combined table (one column per runtime) is printed at the end.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import process from "node:process";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const entry = join("bench", "run.ts");

function bin(name) {
  const suffix = process.platform === "win32" ? ".cmd" : "";
  const local = join(root, "node_modules", ".bin", name + suffix);
  return existsSync(local) ? local : name;
}

/** The preload of the measured module's checkout (BENCH_MOD, relative to the root), or ours. */
function preloadFor(mod) {
  if (!mod) return "./preload.ts";
  const url = new URL(mod, pathToFileURL(root + "/"));
  const p = fileURLToPath(new URL("preload.ts", url));
  return existsSync(p) ? p : "./preload.ts";
}

const runtimes = {
  // --expose-gc lets bench/run.ts force a GC before each measurement (Bun
  // has Bun.gc built in).
  deno: {
    cmd: bin("deno"),
    args: ["run", "-A", "--v8-flags=--expose-gc", entry],
  },
  // The preload lets the function case measure automatic capture on Bun too.
  // With BENCH_MOD, the preload next to that module (if any): it belongs to that checkout.
  bun: { cmd: bin("bun"), args: ["--preload", preloadFor(process.env.BENCH_MOD), entry] },
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
const outDir = mkdtempSync(join(tmpdir(), "cloudpickle-bench-"));
const targetTables = [];
for (const name of selected) {
  const rt = runtimes[name];
  if (!rt) {
    console.error(`unknown runtime: ${name} (expected deno or bun)`);
    failed++;
    continue;
  }
  const out = join(outDir, `${name}.json`);
  const res = spawnSync(rt.cmd, [...rt.args, ...passThrough], {
    cwd: root,
    stdio: "inherit",
    env: { ...process.env, BENCH_TARGETS_OUT: out },
  });
  if (existsSync(out)) targetTables.push(JSON.parse(readFileSync(out, "utf8")));
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
rmSync(outDir, { recursive: true, force: true });
if (targetTables.length > 1) printCombined(targetTables);

/** One markdown table of the speed targets, one column per runtime. */
function printCombined(tables) {
  const fmt = (r) => {
    if (!r || r.value === null) return "n/a";
    const v = r.unit === "ms" ? `${r.value.toFixed(1)} ms` : `${r.value.toFixed(2)}×`;
    return r.limit === null ? v : `${v} ${r.pass ? "PASS" : "FAIL"}`;
  };
  const size = (r) =>
    r?.oursSize && r?.peerSize
      ? `${r.oursSize.toLocaleString("en")} / ${r.peerSize.toLocaleString("en")}`
      : "";
  const limit = (r) =>
    r.limit === null ? "info" : r.unit === "ms" ? `≤ ${r.limit} ms` : `≤ ${r.limit}×`;
  // One limit, or the limit per runtime where they differ.
  const limits = (rs) => {
    const each = rs.map((r, i) => (r ? [tables[i].runtime, limit(r)] : null)).filter(Boolean);
    return new Set(each.map(([, l]) => l)).size === 1
      ? each[0][1]
      : each.map(([rt, l]) => `${l} ${rt}`).join(", ");
  };
  console.log(
    "\nspeed targets, all runtimes (ratio = ours ÷ peer, round trip, median of same-run ratios):\n",
  );
  console.log(
    `| payload | peer | ${tables.map((t) => t.runtime).join(" | ")} | target | bytes ours / peer (${
      tables[0].runtime
    }) |`,
  );
  console.log(`|---|---|${tables.map(() => "---|").join("")}---|---|`);
  const labels = [...new Set(tables.flatMap((t) => t.results.map((r) => r.label)))];
  for (const label of labels) {
    const rs = tables.map((t) => t.results.find((r) => r.label === label));
    const any = rs.find((r) => r);
    console.log(
      `| ${label} | ${any.peer} | ${rs.map(fmt).join(" | ")} | ${limits(rs)} | ${size(any)} |`,
    );
  }
}

console.log(
  `\nbench finished in ${((Date.now() - started) / 1000).toFixed(1)} s` +
    (failed ? ` (${failed} runtime(s) failed)` : ""),
);
process.exit(failed ? 1 : 0);
