/**
 * The fuzz child process: runs cases [from, to) of a seed and reports each on stdout, one line
 * per case, so that the parent (runner.ts) can tell which case hung or crashed the process:
 *
 *   ready <corpus size>
 *   ok <k>                      a value or an UnpicklingError
 *   fail <k> <json>             any other outcome: {kind, detail, origin, hex}
 *   skip <k>                    (never written today; reserved)
 *   done
 *
 * Usage: deno run --allow-read tests/fuzz/child.ts SEED FROM TO [--verbose]
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
import { watchIntrinsics } from "./intrinsics.ts";

const [seedArg, fromArg, toArg] = process.argv.slice(2).filter((a) => !a.startsWith("--"));
const verbose = process.argv.includes("--verbose");
const seed = Number(seedArg) >>> 0;
const from = Number(fromArg);
const to = Number(toArg);

function say(line: string): void {
  writeSync(1, line + "\n");
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

function describe(e: unknown): string {
  if (e instanceof Error) {
    return `${e.constructor?.name ?? "Error"}: ${String(e.message).split("\n")[0].slice(0, 300)}`;
  }
  return `non-Error thrown: ${typeof e} ${String(e).slice(0, 100)}`;
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

/** Loads one case; "" for a value or an UnpicklingError, else what went wrong. */
async function run(c: Case): Promise<string> {
  const options = {
    allowCode: c.allowCode,
    importModule: noImports,
    ...(c.signed ? { signingKey: FUZZ_KEY } : {}),
  };
  try {
    if (c.form === "sync") loadsSync(c.bytes, options);
    else if (c.form === "async") await loads(c.bytes, options);
    else await load(streamOf(c), options);
    return "";
  } catch (e) {
    if (e instanceof UnpicklingError) return "";
    return describe(e);
  }
}

const corpus = await buildCorpus();
const check = watchIntrinsics();
say(`ready ${corpus.length}`);
for (let k = from; k < to; k++) {
  const c = await makeCase(corpus, seed, k);
  if (verbose) {
    say(`case ${k} ${c.origin} form=${c.form} allowCode=${c.allowCode} signed=${c.signed}`);
    say(`hex ${hex(c.bytes)}`);
  }
  let kind = "";
  let detail = await run(c);
  if (detail) kind = "error";
  // A rejection nobody handles is reported after the current task: give it one task to show.
  if (c.bytes.includes(0x87) || c.allowCode || k % 64 === 63 || k === to - 1) {
    await new Promise((r) => setTimeout(r, 0));
  }
  if (!kind && rejections.length) {
    kind = "rejection";
    detail = describe(rejections[0]);
  }
  rejections.length = 0;
  const changed = check();
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
          form: c.form,
          allowCode: c.allowCode,
          hex: hex(c.bytes),
        })
      }`,
    );
    // a changed built-in would taint every later case: start again in a fresh process
    if (kind === "intrinsics") process.exit(3);
  } else say(`ok ${k}`);
}
say("done");
process.exit(0);
