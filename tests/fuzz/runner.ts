/**
 * The fuzz parent: runs cases in child processes (child.ts) of one runtime, with a watchdog
 * that kills a child whose current case takes longer than CASE_TIMEOUT_MS, and starts a new
 * child after the case that hung or crashed. A case that hung or crashed is run once more
 * alone (with its bytes printed) to confirm it and to get its bytes.
 *
 * @module
 */

import { spawn } from "node:child_process";
import { dirname, join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

import { CASE_TIMEOUT_MS, CONFIRM_TIMEOUT_MS, STARTUP_TIMEOUT_MS } from "./limits.ts";
export { CASE_TIMEOUT_MS };

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, "..", "..");
const CHILD = join(HERE, "child.ts");

/** The runtimes a child can run on. */
export type Runtime = "deno" | "bun";

/** One failing case. */
export interface Failure {
  /** case number (replay with `--seed S --case K`) */
  case: number;
  /** error (not an UnpicklingError), rejection, intrinsics, hang, crash */
  kind: string;
  detail: string;
  origin?: string;
  form?: string;
  allowCode?: boolean;
  /** the pickle, hex (when known) */
  hex?: string;
}

/** Result of a run. */
export interface RunResult {
  runtime: Runtime;
  seed: number;
  /** cases finished (including failing ones, not the skipped ones) */
  cases: number;
  /** cases not loaded because their origin matched `skip` */
  skipped: number;
  failures: Failure[];
  seconds: number;
  /** children started (1 + one per hang, crash or changed intrinsic) */
  children: number;
}

/** The runtime this code runs on. */
export function currentRuntime(): Runtime {
  return typeof (globalThis as { Bun?: unknown }).Bun === "object" ? "bun" : "deno";
}

function command(runtime: Runtime, args: string[]): [string, string[]] {
  const bin = join(ROOT, "node_modules", ".bin", runtime);
  if (runtime === "deno") {
    return [bin, ["run", `--allow-read=${ROOT}`, "--no-prompt", CHILD, ...args]];
  }
  return [bin, [CHILD, ...args]];
}

interface ChildRun {
  lines: string[];
  /** last case reported (ok or fail), or from - 1 */
  last: number;
  done: boolean;
  hung: boolean;
  skipped: number;
  code: number | null;
  signal: string | null;
  stderr: string;
}

/** Runs one child over [from, to); resolves when it exits or is killed. */
function runChild(
  runtime: Runtime,
  seed: number,
  from: number,
  to: number,
  caseTimeout: number,
  opts: {
    verbose?: boolean;
    deadline?: number;
    onLine?: (line: string) => void;
    extra?: string[];
  },
): Promise<ChildRun> {
  const args = [String(seed), String(from), String(to), ...(opts.extra ?? [])];
  if (opts.verbose) args.push("--verbose");
  const [bin, argv] = command(runtime, args);
  return new Promise((resolve) => {
    const child = spawn(bin, argv, {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const r: ChildRun = {
      lines: [],
      last: from - 1,
      done: false,
      hung: false,
      skipped: 0,
      code: null,
      signal: null,
      stderr: "",
    };
    let ready = false;
    let progress = Date.now();
    let pending = "";
    child.stdout!.setEncoding("utf8");
    child.stdout!.on("data", (d: string) => {
      pending += d;
      const parts = pending.split("\n");
      pending = parts.pop()!;
      for (const line of parts) {
        progress = Date.now();
        const m = /^(ok|fail|skip) (\d+)/.exec(line);
        if (m) r.last = Number(m[2]);
        if (m?.[1] === "skip") r.skipped++;
        else if (line.startsWith("ready")) ready = true;
        else if (line === "done") r.done = true;
        if (!line.startsWith("ok ") && !line.startsWith("skip ")) r.lines.push(line);
        opts.onLine?.(line);
      }
    });
    child.stderr!.setEncoding("utf8");
    child.stderr!.on("data", (d: string) => {
      r.stderr = (r.stderr + d).slice(-4000);
    });
    const timer = setInterval(() => {
      const now = Date.now();
      const limit = ready ? caseTimeout : STARTUP_TIMEOUT_MS;
      if (now - progress > limit || (opts.deadline !== undefined && now > opts.deadline)) {
        r.hung = now - progress > limit;
        child.kill("SIGKILL");
      }
    }, 50);
    child.on("close", (code, signal) => {
      clearInterval(timer);
      r.code = code;
      r.signal = signal;
      resolve(r);
    });
  });
}

function parseFail(line: string): Failure | undefined {
  const m = /^fail (\d+) (.*)$/.exec(line);
  if (!m) return undefined;
  try {
    return { case: Number(m[1]), ...JSON.parse(m[2]) };
  } catch {
    return {
      case: Number(m[1]),
      kind: "report",
      detail: `unreadable report: ${m[2].slice(0, 200)}`,
    };
  }
}

/** Runs case `k` alone, printing its bytes: confirms a hang or crash and gets the hex. */
export async function replayCase(
  runtime: Runtime,
  seed: number,
  k: number,
  timeout = CONFIRM_TIMEOUT_MS,
  extra?: string[],
): Promise<{ run: ChildRun; hex: string; origin: string; failure?: Failure }> {
  const run = await runChild(runtime, seed, k, k + 1, timeout, { verbose: true, extra });
  const hex = run.lines.find((l) => l.startsWith("hex "))?.slice(4) ?? "";
  const about = /^case \d+ (\S+(?: [^=]+)?) form=(\w+) allowCode=(\w+)/.exec(
    run.lines.find((l) => l.startsWith("case ")) ?? "",
  );
  const origin = about?.[1] ?? "";
  const form = about?.[2];
  const allowCode = about?.[3] === "true";
  const fail = run.lines.map(parseFail).find((f) => f !== undefined);
  let failure = fail;
  if (!failure && run.hung) {
    failure = { case: k, kind: "hang", detail: `no result after ${timeout} ms`, hex };
  } else if (!failure && !run.done) {
    failure = { case: k, kind: "crash", detail: crashDetail(run), hex };
  }
  if (failure) failure = { ...failure, origin, form, allowCode };
  return { run, hex, origin, failure };
}

function crashDetail(r: ChildRun): string {
  const tail = r.stderr.trim().split("\n").filter((l) => l.trim()).slice(-3).join(" | ");
  return `exit ${r.code ?? r.signal}: ${tail.slice(0, 400)}`;
}

/** Runs cases [from, to) of `seed` on `runtime` (or until `timeMs` passes). */
export async function runFuzz(options: {
  runtime?: Runtime;
  seed: number;
  from?: number;
  to: number;
  timeMs?: number;
  caseTimeoutMs?: number;
  log?: (line: string) => void;
  /** extra arguments for the child (tests: --selftest=KIND@K) */
  childArgs?: string[];
  /** cases whose origin (e.g. "attack:long bigint") matches are not loaded */
  skip?: RegExp;
}): Promise<RunResult> {
  const runtime = options.runtime ?? currentRuntime();
  const caseTimeout = options.caseTimeoutMs ?? CASE_TIMEOUT_MS;
  const started = Date.now();
  const deadline = options.timeMs !== undefined ? started + options.timeMs : undefined;
  const failures: Failure[] = [];
  const log = options.log ?? (() => {});
  let next = options.from ?? 0;
  let children = 0;
  let cases = 0;
  let skipped = 0;
  const childArgs = [...(options.childArgs ?? [])];
  if (options.skip) childArgs.push(`--skip=${options.skip.source}`);
  while (next < options.to && (deadline === undefined || Date.now() < deadline)) {
    children++;
    const r = await runChild(runtime, options.seed, next, options.to, caseTimeout, {
      deadline,
      extra: childArgs,
    });
    for (const line of r.lines) {
      const f = parseFail(line);
      if (f) {
        failures.push(f);
        log(`case ${f.case}: ${f.kind}: ${f.detail}`);
      }
    }
    cases += r.last - next + 1 - r.skipped;
    skipped += r.skipped;
    if (r.done) break;
    if (deadline !== undefined && Date.now() >= deadline && !r.hung) break;
    const lastFail = r.lines.length ? parseFail(r.lines[r.lines.length - 1]) : undefined;
    if (lastFail?.kind === "intrinsics" && lastFail.case === r.last) {
      next = r.last + 1;
      continue;
    }
    // the case after the last one reported hung or crashed the child: confirm it alone
    const k = r.last + 1;
    if (!r.lines.some((l) => l.startsWith("ready"))) {
      throw new Error(`the fuzz child did not start: ${crashDetail(r)}`);
    }
    const first: Failure = r.hung
      ? { case: k, kind: "hang", detail: `no result after ${caseTimeout} ms` }
      : { case: k, kind: "crash", detail: crashDetail(r) };
    const again = await replayCase(runtime, options.seed, k, undefined, childArgs);
    if (again.failure) {
      const f = { ...first, ...again.failure, hex: again.hex };
      if (again.failure.kind === "hang") f.detail = first.detail;
      failures.push(f);
      log(`case ${k}: ${f.kind}: ${f.detail}`);
    } else {
      log(`case ${k}: ${first.kind} in the batch but not alone (slow machine?): ${first.detail}`);
    }
    cases++;
    next = k + 1;
  }
  return {
    runtime,
    seed: options.seed,
    cases,
    skipped,
    failures,
    seconds: (Date.now() - started) / 1000,
    children,
  };
}
