#!/usr/bin/env node
// `npm run demo`: pickles a graph of values in one runtime and loads it in the other.
//
//   1. Deno runs scripts/demo_producer.ts: dumps() the values, pickle bytes to stdout.
//   2. Bun runs scripts/demo_consumer.ts with those bytes on stdin: loads() them and checks
//      that values, shared identities and cycles came through.
//   3. The same again from Bun to Deno.
//   4. A closure mapped over data on a local pool: Worker threads of each runtime, and
//      subprocess workers of the other (scripts/demo_pool.ts).
//   5. The same on a local NATS cluster of one Deno and one Bun worker (skipped when
//      nats-server cannot be had).
//
// Plain Node ESM, no dependencies; installs the npm packages first if the runtimes are missing.

import { spawnSync } from "node:child_process";
import { BUN, DENO, ensureRuntimes, ROOT } from "./install.mjs";
import { natsDemo } from "./demo_nats.mjs";

const versions = ensureRuntimes();
const RUNTIMES = {
  deno: {
    name: `Deno ${versions.deno.split(" ")[1] ?? versions.deno}`,
    // --allow-sys lets dumps() read closure variables through the V8 inspector.
    command: (script) => [DENO, ["run", "--quiet", "--no-prompt", "--allow-sys", script]],
  },
  bun: {
    name: `Bun ${versions.bun}`,
    // The preload instruments the demo's modules so dumps() reads closure variables.
    command: (script) => [BUN, ["run", "--preload", "./preload.ts", script]],
  },
};

function hex(bytes, n) {
  return [...bytes.subarray(0, n)].map((b) => b.toString(16).padStart(2, "0")).join(" ");
}

function ship(from, to) {
  const producer = RUNTIMES[from];
  const consumer = RUNTIMES[to];
  console.log(`\n== ${producer.name} -> ${consumer.name} ${"=".repeat(50)}`);

  const [pCmd, pArgs] = producer.command("scripts/demo_producer.ts");
  const produced = spawnSync(pCmd, pArgs, {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "inherit"],
    maxBuffer: 64 * 1024 * 1024,
    timeout: 120_000,
  });
  if (produced.status !== 0) {
    console.log(`${producer.name}: producer failed (exit ${produced.status ?? produced.signal})`);
    return false;
  }
  const pickle = produced.stdout;
  console.log(`  pickle on the wire: ${pickle.length} bytes: ${hex(pickle, 16)} ...`);

  const [cCmd, cArgs] = consumer.command("scripts/demo_consumer.ts");
  const consumed = spawnSync(cCmd, cArgs, {
    cwd: ROOT,
    input: pickle,
    stdio: ["pipe", "inherit", "inherit"],
    timeout: 120_000,
  });
  if (consumed.status !== 0) {
    console.log(`${consumer.name}: consumer failed (exit ${consumed.status ?? consumed.signal})`);
    return false;
  }
  return true;
}

/** Maps a closure on local pools from `runtime` (scripts/demo_pool.ts). */
function pool(runtime) {
  console.log(`\n== A local pool, from ${RUNTIMES[runtime].name} ${"=".repeat(40)}`);
  const [cmd, args] = RUNTIMES[runtime].command("scripts/demo_pool.ts");
  // The pool starts subprocess workers: Deno needs every permission for them (-A).
  const all = runtime === "deno" ? args.map((a) => a === "--allow-sys" ? "-A" : a) : args;
  const r = spawnSync(cmd, all, { cwd: ROOT, stdio: "inherit", timeout: 120_000 });
  if (r.status !== 0) console.log(`  the pool part failed (exit ${r.status ?? r.signal})`);
  return r.status === 0;
}

const results = [ship("deno", "bun"), ship("bun", "deno"), pool("deno"), pool("bun")];
results.push((await natsDemo()) !== false); // skipped (null) when nats-server cannot be had
const ok = results.every(Boolean);
console.log(
  ok
    ? `\ndemo ok: the values crossed ${RUNTIMES.deno.name} -> ${RUNTIMES.bun.name} and back, intact`
    : "\ndemo FAILED",
);
process.exitCode = ok ? 0 : 1;
