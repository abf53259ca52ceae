#!/usr/bin/env node
// Runs the test suite under Deno and under Bun, then prints one summary line per runtime and
// the totals as a plain `N passed, N failed` line. Exits non-zero if either runtime fails or
// runs no test.
//
//   npm test                                  both runtimes, every tests/*_test.ts (and, on
//                                             Deno, the documentation's examples)
//   npm test -- --deno-only | --bun-only      one runtime (the whole suite also runs
//                                             tests/node/*.mjs under Node on the npm build;
//                                             --node-only runs just that)
//   npm test -- tests/values_test.ts          only these files (or directories)
//   npm test -- --filter "objects"            only tests whose name matches (Bun: any test's
//                                             full name; Deno: names of top-level describe/test)
//
// Plain Node ESM, no dependencies. The runtimes are the npm packages in node_modules/.bin;
// if they are missing, this installs them first (scripts/install.mjs).

import { spawn } from "node:child_process";
import { isAbsolute, join, relative } from "node:path";
import { pathToFileURL } from "node:url";
import { readdirSync } from "node:fs";
import { BUN, DENO, ensureRuntimes, ENTRIES, ROOT, runtimeVersion } from "./install.mjs";

const USAGE =
  `usage: node scripts/test.mjs [--deno-only | --bun-only | --node-only] [--filter PATTERN] [PATH...]`;
const NODE = join(ROOT, "node_modules", ".bin", process.platform === "win32" ? "node.cmd" : "node");

function parseArgs(argv) {
  const opts = { deno: true, bun: true, node: null, filter: null, paths: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--deno-only") opts.bun = false;
    else if (a === "--bun-only") opts.deno = false;
    else if (a === "--node-only") opts.deno = opts.bun = !(opts.node = true);
    else if (a === "--filter" || a === "-t") opts.filter = argv[++i] ?? "";
    else if (a.startsWith("--filter=")) opts.filter = a.slice("--filter=".length);
    else if (a === "-h" || a === "--help") {
      console.log(USAGE);
      process.exit(0);
    } else if (a.startsWith("-")) {
      console.error(`unknown option ${a}\n${USAGE}`);
      process.exit(2);
    } else opts.paths.push(a);
  }
  if (!opts.deno && !opts.bun && !opts.node) {
    console.error("--deno-only and --bun-only exclude each other");
    process.exit(2);
  }
  opts.wholeSuite = opts.paths.length === 0;
  // Node runs tests/node only: with the whole suite of both runtimes, or when asked.
  opts.node ??= opts.deno && opts.bun && opts.wholeSuite && opts.filter === null;
  if (opts.paths.length === 0) opts.paths.push("tests/");
  // Paths relative to the repository root, so both runners see the same files. npm runs
  // scripts from the root; INIT_CWD is where `npm test -- PATH` was typed.
  const cwd = process.env.INIT_CWD ?? process.cwd();
  opts.paths = opts.paths.map((p) => {
    const rel = relative(ROOT, isAbsolute(p) ? p : join(cwd, p)) || ".";
    return rel.split("\\").join("/");
  });
  return opts;
}

// deno-lint-ignore no-control-regex
const ANSI = /\x1b\[[0-9;]*[A-Za-z]/g;

/**
 * Counts Deno test results from its default ("pretty") reporter output.
 *
 * node:test's describe()/it() run under Deno as one Deno test per top-level describe/test,
 * with nested it()/test() as steps. Deno's own summary counts top-level tests and steps
 * separately, so a describe block with three its shows up as 1 test + 3 steps. To count the
 * same units Bun counts (every it/test that has no children), this walks the result lines:
 *
 *   name ... ok (2ms)              a leaf result
 *   group ...                      a test that has steps (its result line comes later)
 *     step ... FAILED (1ms)        nested results are indented two spaces per level
 *   group ... FAILED (due to 1 failed step) (5ms)
 *
 * and counts only results of tests without nested results. Lines inside captured console
 * output blocks are skipped. Deno's summary line (`ok | 3 passed (2 steps) | ...`) is used as a
 * cross-check: failures it reports that no leaf line shows (an uncaught error in a module,
 * a failing hook) are added to the failed count.
 */
export function parseDeno(text) {
  const lines = text.replace(ANSI, "").split(/\r?\n/);
  const counts = { passed: 0, failed: 0, skipped: 0, files: 0, summary: null };
  const stack = []; // open tests with steps: { indent, name, children }
  let inOutput = false;
  for (const line of lines) {
    if (/^-+ (?:pre-test |post-test )?output -+$/.test(line)) {
      inOutput = true;
      continue;
    }
    if (/^-+ (?:pre-test |post-test )?output end -+$/.test(line)) {
      inOutput = false;
      continue;
    }
    if (inOutput) continue;
    if (/^ (ERRORS|FAILURES) $/.test(line)) break;
    if (/^running \d+ tests? from /.test(line)) {
      counts.files++;
      stack.length = 0;
      continue;
    }
    const open = /^(\s*)(.*) \.\.\.$/.exec(line);
    if (open) {
      stack.push({ indent: open[1].length, name: open[2], children: 0, failedBefore: 0 });
      stack[stack.length - 1].failedBefore = counts.failed;
      continue;
    }
    const res = /^(\s*)(.*) \.\.\. (ok|FAILED|ignored|cancelled)(?: \(.*\))?$/.exec(line);
    if (!res) continue;
    const indent = res[1].length;
    const top = stack[stack.length - 1];
    if (top && top.indent === indent && top.name === res[2]) {
      stack.pop();
      if (top.children > 0) {
        // The closing line of a test with steps: its steps were counted. A failure with no
        // failed step (a hook threw) still counts once.
        if (res[3] === "FAILED" && counts.failed === top.failedBefore) counts.failed++;
        if (stack.length) stack[stack.length - 1].children++;
        continue;
      }
    } else {
      // a result nested in open tests (leaves with no output block print on one line)
      while (stack.length && stack[stack.length - 1].indent >= indent) stack.pop();
    }
    if (stack.length) stack[stack.length - 1].children++;
    if (res[3] === "ok") counts.passed++;
    else if (res[3] === "ignored") counts.skipped++;
    else counts.failed++;
  }
  const summary = lines.map((l) => /^(ok|FAILED) \| (.*)$/.exec(l)).filter(Boolean).pop();
  if (summary) {
    const num = (re) => Number((re.exec(summary[2]) ?? [0, 0])[1]);
    const s = {
      passed: num(/(\d+) passed/),
      failed: num(/(\d+) failed/),
      ignored: num(/(\d+) ignored/),
      failedSteps: num(/\d+ failed \((\d+) steps?\)/),
    };
    counts.summary = s;
    // Failures with no result line of their own (an uncaught error in a test module).
    const unexplained = s.failed - countFailedTopLevelWithLeaves(lines);
    if (unexplained > 0) counts.failed += unexplained;
    if (counts.passed + counts.failed + counts.skipped === 0) {
      counts.passed = s.passed;
      counts.skipped = s.ignored;
    }
  }
  return counts;
}

/** Number of top-level tests reported FAILED on a result line (not uncaught module errors). */
function countFailedTopLevelWithLeaves(lines) {
  let n = 0;
  for (const line of lines) {
    if (/^ (ERRORS|FAILURES) $/.test(line)) break;
    if (/^\S.* \.\.\. FAILED(?: \(.*\))?$/.test(line)) n++;
  }
  return n;
}

/** Counts Bun test results from its summary (` 12 pass`, ` 1 fail`, ` 2 skip`, ` 1 todo`). */
export function parseBun(text) {
  const clean = text.replace(ANSI, "");
  const num = (re) => {
    const all = [...clean.matchAll(re)];
    return all.length ? Number(all[all.length - 1][1]) : 0;
  };
  const ran = /Ran (\d+) tests? across (\d+) files?/.exec(clean);
  return {
    passed: num(/^\s*(\d+) pass$/gm),
    failed: num(/^\s*(\d+) fail$/gm) + num(/^\s*(\d+) errors?$/gm),
    skipped: num(/^\s*(\d+) skip$/gm) + num(/^\s*(\d+) todo$/gm),
    files: ran ? Number(ran[2]) : 0,
    summary: ran ? ran[0] : null,
  };
}

/** Counts node --test results from the spec reporter's summary (`ℹ pass 8`, …). */
export function parseNode(text) {
  const num = (name) => Number((new RegExp(`^ℹ ${name} (\\d+)$`, "m").exec(text) ?? [0, 0])[1]);
  return {
    passed: num("pass"),
    failed: num("fail") + num("cancelled"),
    skipped: num("skipped") + num("todo"),
    files: 0,
    summary: null,
  };
}

/** Runs a command with output streamed live; resolves to { code, output, seconds }. */
function run(cmd, args, env) {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(cmd, args, { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d) => {
      process.stdout.write(d);
      output += d;
    });
    child.stderr.on("data", (d) => {
      process.stderr.write(d);
      output += d;
    });
    child.on("error", (err) => {
      output += `\n${err.message}\n`;
      process.stderr.write(`${err.message}\n`);
    });
    // A hung runner is stopped so the summary still prints (TEST_TIMEOUT_S, default 20 min).
    const limit = Number(process.env.TEST_TIMEOUT_S) || 1200;
    const timer = setTimeout(() => {
      const msg = `\n${cmd} ${args[0]}: still running after ${limit}s, stopping it\n`;
      output += msg;
      process.stderr.write(msg);
      child.kill("SIGKILL");
    }, limit * 1000);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : 1), output, seconds: (Date.now() - started) / 1000 });
    });
  });
}

function banner(text) {
  const line = "=".repeat(Math.max(8, 72 - text.length - 4));
  process.stdout.write(`\n== ${text} ${line}\n`);
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const versions = ensureRuntimes();
  const env = { ...process.env, NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1", DENO_NO_PROMPT: "1" };
  delete env.FORCE_COLOR;
  const results = [];

  if (opts.deno) {
    const args = ["test", "-A"];
    if (opts.filter !== null) args.push("--filter", opts.filter);
    args.push(...opts.paths);
    // The whole suite also runs the examples of the public API's documentation.
    if (opts.wholeSuite && opts.filter === null) {
      args.push("--doc", "lib/", ...ENTRIES);
    }
    const name = `Deno ${versions.deno.split(" ")[1] ?? versions.deno}`;
    banner(`${name}: deno ${args.join(" ")}`);
    const r = await run(DENO, args, env);
    results.push({ name, ...r, counts: parseDeno(r.output) });
  }

  if (opts.bun) {
    // Scenario tests start processes of both runtimes; on a loaded 2-core machine one can take
    // longer than bun test's default 5 s per test.
    const args = ["test", "--timeout", "120000"];
    if (opts.filter !== null) args.push("--test-name-pattern", opts.filter);
    // bun test treats arguments without ./ or / as file-name filters, not paths.
    args.push(...opts.paths.map((p) => (p.startsWith(".") || isAbsolute(p) ? p : `./${p}`)));
    const name = `Bun ${versions.bun}`;
    banner(`${name}: bun ${args.join(" ")}`);
    const r = await run(BUN, args, env);
    results.push({ name, ...r, counts: parseBun(r.output) });
  }

  if (opts.node) {
    // Node cannot strip this TypeScript (parameter properties, and none in node_modules): its
    // tests import the npm build, made first into dist/npm.
    const build = await run(NODE, ["scripts/build_npm.mjs"], env);
    const files = readdirSync(join(ROOT, "tests", "node")).filter((f) => f.endsWith(".mjs"));
    const args = ["--test", "--test-reporter=spec", ...files.map((f) => `tests/node/${f}`)];
    banner(`Node: node ${args.join(" ")}`);
    const r = build.code === 0 ? await run(NODE, args, env) : build;
    const version = /^v?(\S+)/.exec(runtimeVersion(NODE) ?? "")?.[1] ?? "?";
    results.push({ ...r, name: `Node ${version}`, counts: parseNode(r.output) });
  }

  let passed = 0;
  let failed = 0;
  let ok = true;
  banner("summary");
  for (const r of results) {
    const c = r.counts;
    const notes = [];
    let runtimeFailed = c.failed;
    if (r.code !== 0 && c.failed === 0) {
      runtimeFailed = 1; // the runner failed without a failing test: count it once
      notes.push("runner failed before or outside the tests");
    }
    if (c.passed + c.failed === 0) notes.push("no test ran");
    const status = r.code === 0 && runtimeFailed === 0 && c.passed > 0 ? "ok" : "FAILED";
    if (status !== "ok") ok = false;
    passed += c.passed;
    failed += runtimeFailed;
    const files = c.files ? `${c.files} file${c.files === 1 ? "" : "s"}, ` : "";
    process.stdout.write(
      `${status.padEnd(6)} ${r.name.padEnd(12)} ${c.passed} pass / ${runtimeFailed} fail / ` +
        `${c.skipped} skip  (${files}exit ${r.code}, ${r.seconds.toFixed(1)}s)` +
        (notes.length ? `  [${notes.join("; ")}]` : "") + "\n",
    );
  }
  process.stdout.write(`${passed} passed, ${failed} failed\n`);
  process.exitCode = ok ? 0 : 1;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) await main();
