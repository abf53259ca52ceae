#!/usr/bin/env node
// The static checks of the project, each with Deno from node_modules/.bin: formatting, lint,
// type check of the entries, and the lint of the public API's documentation. Exits non-zero
// when any fails (its output is printed).
//
//   npm run check

import { spawnSync } from "node:child_process";
import { DENO, ensureRuntimes, ROOT } from "./install.mjs";

ensureRuntimes();
const CHECKS = [
  ["fmt", "--check"],
  ["lint"],
  ["check", "mod.ts", "preload.ts", "dis.ts", "pool.ts", "nats.ts", "nats_worker.ts"],
  ["doc", "--lint", "mod.ts", "preload.ts", "dis.ts", "pool.ts", "nats.ts", "nats_worker.ts"],
];

let failed = 0;
for (const args of CHECKS) {
  const r = spawnSync(DENO, args, {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1" },
  });
  if (r.status === 0) {
    console.log(`ok     deno ${args.join(" ")}`);
  } else {
    failed++;
    console.log(`FAILED deno ${args.join(" ")}\n${r.stdout}${r.stderr}`);
  }
}
console.log(failed === 0 ? `all ${CHECKS.length} checks passed` : `${failed} check(s) failed`);
process.exit(failed === 0 ? 0 : 1);
