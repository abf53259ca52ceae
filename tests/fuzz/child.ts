/**
 * The fuzz child process: runs cases [from, to) of a seed and reports each on stdout, one line
 * per case, so that the parent (runner.ts) can tell which case hung or crashed the process:
 *
 *   ready <corpus size>
 *   ok <k>                      a value or an UnpicklingError
 *   fail <k> <json>             any other outcome: {kind, detail, origin, hex}
 *   skip <k>                    not loaded: its origin matches --skip=REGEXP
 *   done
 *
 * Usage: deno run --allow-read tests/fuzz/child.ts SEED FROM TO [--verbose] [--skip=REGEXP]
 *        bun tests/fuzz/child.ts SEED FROM TO
 *
 * It runs without write, net or run permissions on Deno, so code pickles loaded with
 * `allowCode: true` cannot act outside it.
 *
 * @module
 */

import { writeSync } from "node:fs";
import process from "node:process";
import { load, loads, loadsSync, UnpicklingError } from "../../mod.ts";
import { FUZZ_KEY, hex } from "./bytes.ts";
import { type Case, makeCase } from "./cases.ts";
import { buildCorpus } from "./corpus.ts";
import { foreignPrototype } from "./data_only.ts";
import { watchIntrinsics } from "./intrinsics.ts";
import { MEMORY_BASE, MEMORY_PER_BYTE, SLOW_BASE_MS, SLOW_MS_PER_MB } from "./limits.ts";

const [seedArg, fromArg, toArg] = process.argv.slice(2).filter((a) => !a.startsWith("--"));
const verbose = process.argv.includes("--verbose");
// --selftest=KIND@K makes case K misbehave on purpose (hang, crash, reject, pollute, throw),
// so that tests can prove the runner catches each kind of failure.
const selftest = /^--selftest=(\w+)@(\d+)$/.exec(
  process.argv.find((a) => a.startsWith("--selftest=")) ?? "",
);
const skipArg = process.argv.find((a) => a.startsWith("--skip="));
const skip = skipArg ? new RegExp(skipArg.slice("--skip=".length)) : undefined;
const profile = process.argv.includes("--profile") ? new Map<string, number>() : undefined;
const seed = Number(seedArg) >>> 0;
const from = Number(fromArg);
const to = Number(toArg);

/** Longest pickle reported whole on a failure line. */
const MAX_REPORT_BYTES = 4096;

const encoder = new TextEncoder();

/** Writes a whole line to stdout (a pipe may take it in parts, or be full for a moment). */
function say(line: string): void {
  const bytes = encoder.encode(line + "\n");
  let at = 0;
  while (at < bytes.length) {
    try {
      at += writeSync(1, bytes.subarray(at));
    } catch (e) {
      if ((e as { code?: string }).code !== "EAGAIN") throw e;
    }
  }
}

/** Hex of a case for a report line: long pickles are cut (the replay prints them whole). */
function reportHex(bytes: Uint8Array): string {
  return bytes.length > MAX_REPORT_BYTES
    ? `${hex(bytes.subarray(0, MAX_REPORT_BYTES))}…(${bytes.length} bytes)`
    : hex(bytes);
}

const rejections: unknown[] = [];
process.on("unhandledRejection", (reason: unknown) => {
  rejections.push(reason);
});
if (typeof (globalThis as { Deno?: unknown }).Deno === "object") {
  globalThis.addEventListener("unhandledrejection", (e) => {
    e.preventDefault();
    rejections.push((e as PromiseRejectionEvent).reason);
  });
}

/** Text of any thrown value (a value of a pickle may have no prototype, or hostile getters). */
function describe(e: unknown): string {
  try {
    if (e instanceof Error) {
      return `${e.constructor?.name ?? "Error"}: ${String(e.message).split("\n")[0].slice(0, 300)}`;
    }
    return `non-Error thrown: ${typeof e} ${String(e).slice(0, 100)}`;
  } catch {
    return `non-Error thrown: ${typeof e} ${Object.prototype.toString.call(e)}`;
  }
}

function streamOf(c: Case): ReadableStream<Uint8Array> {
  let at = 0;
  let i = 0;
  return new ReadableStream({
    pull(ctl) {
      if (i >= c.chunks.length) return ctl.close();
      const n = c.chunks[i++];
      ctl.enqueue(c.bytes.slice(at, at + n));
      at += n;
    },
  });
}

const noImports = () => ({});

/** Heap and external bytes in use now. */
function memory(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
}

/** The value of the last case, kept alive while its memory is measured. */
const held: { value?: unknown } = {};

/** Loads one case; "" for a value or an UnpicklingError, else what went wrong. */
async function run(c: Case): Promise<string> {
  const options = {
    allowCode: c.allowCode,
    importModule: noImports,
    ...(c.signed ? { signingKey: FUZZ_KEY } : {}),
  };
  try {
    let input = c.bytes;
    if (c.shared) {
      input = new Uint8Array(new SharedArrayBuffer(c.bytes.length));
      input.set(c.bytes);
    }
    if (c.form === "sync") held.value = loadsSync(input, options);
    else if (c.form === "async") held.value = await loads(input, options);
    else held.value = await load(streamOf(c), options);
    return "";
  } catch (e) {
    if (e instanceof UnpicklingError) return "";
    return describe(e);
  }
}

function misbehave(kind: string): string {
  if (kind === "hang") { for (;;); }
  if (kind === "crash") process.exit(7);
  if (kind === "reject") Promise.reject(new Error("selftest"));
  if (kind === "pollute") (Object.prototype as Record<string, unknown>).fuzzSelftest = 1;
  if (kind === "throw") return describe(new TypeError("selftest"));
  return "";
}

const corpus = await buildCorpus();
const check = watchIntrinsics();
say(`ready ${corpus.length}`);
for (let k = from; k < to; k++) {
  const tm = performance.now();
  const c = await makeCase(corpus, seed, k);
  if (profile) {
    profile.set("(making cases)", (profile.get("(making cases)") ?? 0) + performance.now() - tm);
  }
  if (skip?.test(c.origin)) {
    say(`skip ${k}`);
    continue;
  }
  if (verbose) {
    say(
      `case ${k} ${c.origin} form=${c.form} allowCode=${c.allowCode} signed=${c.signed}` +
        ` shared=${c.shared}`,
    );
    say(`hex ${hex(c.bytes)}`);
  }
  let kind = "";
  const before = memory();
  const t0 = performance.now();
  let detail = await run(c);
  let ms = performance.now() - t0;
  const grew = memory() - before;
  const foreign = !detail && !c.allowCode ? foreignPrototype(held.value) : "";
  if (selftest && Number(selftest[2]) === k) detail ||= misbehave(selftest[1]);
  if (verbose) say(`took ${ms.toFixed(0)} ms: ${detail || "a value or an UnpicklingError"}`);
  held.value = undefined;
  if (profile) {
    const key = `${c.origin.replace(/:.*/, "")}${
      c.origin.startsWith("attack") ? c.origin.slice(6) : ""
    } ${c.form}`;
    profile.set(key, (profile.get(key) ?? 0) + ms);
  }
  if (detail) kind = "error";
  else if (!c.allowCode) {
    const slow = SLOW_BASE_MS + SLOW_MS_PER_MB * c.bytes.length / 2 ** 20;
    if (ms > slow) {
      // once more: a pause of a loaded machine is not the load's fault
      const t1 = performance.now();
      await run(c);
      held.value = undefined;
      ms = Math.min(ms, performance.now() - t1);
    }
    if (ms > slow) {
      kind = "slow";
      detail = `${c.bytes.length} bytes took ${ms.toFixed(0)} ms (limit ${slow.toFixed(0)} ms)`;
    } else if (foreign) {
      kind = "prototype";
      detail = `data-only load: ${foreign}`;
    } else if (grew > MEMORY_BASE + MEMORY_PER_BYTE * c.bytes.length) {
      kind = "memory";
      detail = `${c.bytes.length} bytes grew the heap by ${(grew / 2 ** 20).toFixed(0)} MiB`;
    }
  }
  // A rejection nobody handles is reported after the current task: one task lets it show
  // (checked on both runtimes: reported before the next setImmediate callback).
  await new Promise((r) => setImmediate(r));
  if (!kind && rejections.length) {
    kind = "rejection";
    detail = describe(rejections[0]);
  }
  rejections.length = 0;
  const tc = performance.now();
  const changed = check();
  if (profile) {
    profile.set(
      "(intrinsics check)",
      (profile.get("(intrinsics check)") ?? 0) + performance.now() - tc,
    );
  }
  if (!kind && changed) {
    kind = "intrinsics";
    detail = changed;
  }
  if (kind) {
    say(
      `fail ${k} ${
        JSON.stringify({
          kind,
          detail,
          origin: c.origin,
          form: c.shared ? `${c.form} (shared)` : c.form,
          allowCode: c.allowCode,
          hex: reportHex(c.bytes),
        })
      }`,
    );
    // a changed built-in would taint every later case: start again in a fresh process
    if (kind === "intrinsics") process.exit(3);
  } else say(`ok ${k}`);
}
say("done");
if (profile) {
  for (const [k, v] of [...profile].sort((a, b) => b[1] - a[1])) {
    writeSync(2, `${v.toFixed(0).padStart(8)} ms  ${k}\n`);
  }
}
process.exit(0);
