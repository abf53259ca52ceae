// Helpers of the NATS tests: servers started by the project's script (on free ports, stopped
// after), worker processes of either runtime, and a skip reason when nats-server is absent.
import { type ChildProcess, spawn } from "node:child_process";
import { after, before } from "node:test";
import { readFileSync } from "node:fs";
import process from "node:process";
import { fileURLToPath } from "node:url";
// @ts-types="./nats_script.d.ts"
import * as script from "../../scripts/nats.mjs";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** The runtime the tests run on, and the other one. */
export const HERE: "deno" | "bun" = typeof (globalThis as { Deno?: unknown }).Deno === "object"
  ? "deno"
  : "bun";
export const OTHER: "deno" | "bun" = HERE === "deno" ? "bun" : "deno";

/** Why the NATS tests are skipped (nats-server absent), or undefined when they run. */
export const SKIP: string | undefined = script.findServer() === null
  ? "nats-server is not installed (node scripts/nats.mjs up installs it with apt as root)"
  : undefined;

/** A key for the tests. */
export const KEY = "a test key that is long enough!!";

/** Servers started for one test file. */
export interface Servers {
  name: string;
  urls: string[];
  stop(): Promise<void>;
  kill(index: number): boolean;
}

/** Starts `n` servers (routed when more than one) under a name unique to this process. */
export async function startServers(
  tag: string,
  n = 1,
  extra: { maxPayload?: number } = {},
): Promise<Servers> {
  const name = `test-${tag}-${HERE}-${process.pid}`;
  const s = await script.up({ name, cluster: n, install: false, ...extra });
  return {
    name,
    urls: s.urls,
    stop: async () => {
      await script.down({ name });
    },
    kill: (index) => script.killServer({ name, index }),
  };
}

/** A worker process. */
export interface WorkerProc {
  child: ChildProcess;
  pid: number;
  /** Resolves when it printed its ready line. */
  ready: Promise<void>;
  /** Resolves with its exit code or signal. */
  exited: Promise<string>;
  stderr(): string;
  stop(): Promise<void>;
}

/** Starts a worker of `runtime` with the command users type. */
export function startWorker(
  runtime: "deno" | "bun",
  urls: string[],
  args: string[] = [],
  env: Record<string, string> = {},
): WorkerProc {
  const bin = `${ROOT}node_modules/.bin/${runtime}`;
  const entry = `${ROOT}nats_worker.ts`;
  const pre = runtime === "deno"
    ? ["run", "-A", "--config", `${ROOT}deno.json`, entry]
    : ["--preload", `${ROOT}preload.ts`, entry];
  const child = spawn(bin, [...pre, "--servers", urls.join(","), ...args], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, CLOUDPICKLE_NATS_KEY: "", ...env },
  });
  let err = "";
  child.stderr!.on("data", (d) => err += d);
  const exited = new Promise<string>((r) => {
    child.on("close", (code, signal) => r(signal ?? String(code)));
  });
  const ready = new Promise<void>((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (d) => {
      out += d;
      if (out.includes("ready")) resolve();
    });
    exited.then((c) => reject(new Error(`the ${runtime} worker exited (${c}) at start: ${err}`)));
  });
  ready.catch(() => {});
  return {
    child,
    pid: child.pid!,
    ready,
    exited,
    stderr: () => err,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      const t = setTimeout(() => child.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(t);
    },
  };
}

/** Lines of a file (none when it is missing). */
export function lines(path: string): string[] {
  try {
    return readFileSync(path, "utf8").split("\n").filter((l) => l !== "");
  } catch {
    return [];
  }
}

/** Waits until `f()` is true (polling), or throws after `ms`. */
export async function until(f: () => boolean, ms = 10_000, what = "the condition"): Promise<void> {
  const end = Date.now() + ms;
  while (!f()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** `p`, or a rejection naming `what` after `ms` (a hang fails the test instead of stalling it). */
export function within<T>(ms: number, what: string, p: Promise<T>): Promise<T> {
  let t: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    t = setTimeout(() => reject(new Error(`${what}: no answer in ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(t));
}

/**
 * For the suite this is called in: a nats-server and a worker of the other runtime, started
 * before its tests and stopped after. Returns the environment the client programs of its tests
 * get (NATS_URL, CLOUDPICKLE_NATS_KEY), filled once the worker is ready.
 */
export function serverAndWorker(tag: string): Record<string, string> {
  let servers: Servers | undefined;
  let worker: WorkerProc | undefined;
  const env: Record<string, string> = {};
  before(async () => {
    servers = await startServers(tag);
    worker = startWorker(OTHER, servers.urls, [], { CLOUDPICKLE_NATS_KEY: KEY });
    await worker.ready;
    Object.assign(env, { NATS_URL: servers.urls.join(","), CLOUDPICKLE_NATS_KEY: KEY });
  });
  after(async () => {
    await worker?.stop();
    await servers?.stop();
  });
  return env;
}
