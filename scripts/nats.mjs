#!/usr/bin/env node
// Starts and stops nats-server with JetStream on free localhost ports, for development,
// tests and the demo. It records what it started (a state file with the pids) and stops
// only that.
//
//   node scripts/nats.mjs up [--cluster N] [--name NAME]   start one server (or N, routed)
//   node scripts/nats.mjs status [--name NAME]             what runs, and its URLs
//   node scripts/nats.mjs down [--name NAME]               stop what `up` started
//   node scripts/nats.mjs install                          install nats-server when missing
//
// `up` prints the client URLs (comma-separated) on stdout. When nats-server is missing it is
// installed with apt-get, if this runs as root (or has sudo without a password) and
// CLOUDPICKLE_NATS_INSTALL is not "0".
// The state lives in $TMPDIR/cloudpickle-nats/NAME/ (the servers' store directories too).
//
// Also a module (Node, Deno, Bun): `up`, `down`, `status`, `findServer`.

import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

const BINARY = "nats-server";

/** The nats-server executable: on the PATH, or in the usual system folders; else null. */
export function findServer() {
  const dirs = [
    ...(process.env.PATH ?? "").split(delimiter),
    "/usr/sbin",
    "/usr/local/bin",
    "/usr/bin",
    "/opt/homebrew/bin",
  ];
  for (const d of dirs) {
    if (d === "") continue;
    const p = join(d, BINARY);
    if (existsSync(p)) return p;
  }
  return null;
}

/**
 * nats-server's path, installing it with apt-get when missing and allowed (root, apt-get
 * present, CLOUDPICKLE_NATS_INSTALL not "0"). Throws with the remedy when it cannot.
 */
export function ensureServer({ install = true } = {}) {
  let p = findServer();
  if (p !== null) return p;
  const allowed = install && process.env.CLOUDPICKLE_NATS_INSTALL !== "0";
  const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
  // Not root: sudo when it asks no password (CI runners).
  const sudo = !isRoot && allowed && spawnSync("sudo", ["-n", "true"]).status === 0;
  const root = isRoot || sudo;
  const apt = existsSync("/usr/bin/apt-get");
  if (allowed && root && apt) {
    console.error("nats-server is missing: apt-get install -y nats-server");
    const aptGet = (...a) =>
      sudo
        ? spawnSync("sudo", ["-n", "apt-get", ...a], { stdio: "inherit" })
        : spawnSync("apt-get", a, { stdio: "inherit" });
    let r = aptGet("install", "-y", BINARY);
    if (r.status !== 0) {
      aptGet("update");
      r = aptGet("install", "-y", BINARY);
    }
    p = findServer();
    if (p !== null) return p;
  }
  throw new Error(
    "nats-server is not installed" +
      (!allowed
        ? " (installing is turned off)"
        : !apt
        ? " and apt-get is not here"
        : !root
        ? " and installing needs root (or sudo without a password)"
        : " and apt-get could not install it") +
      ": install it (apt-get install nats-server, brew install nats-server, or a release " +
      "from the NATS project) and run this again",
  );
}

/** A free TCP port on 127.0.0.1 (the OS picks it). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.unref();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function stateDir(name) {
  return join(tmpdir(), "cloudpickle-nats", name);
}

function readState(name) {
  const f = join(stateDir(name), "state.json");
  if (!existsSync(f)) return null;
  return JSON.parse(readFileSync(f, "utf8"));
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Is this pid the nats-server we started (not a reused pid)? */
function isOurs(server) {
  if (!alive(server.pid)) return false;
  try {
    const cmd = readFileSync(`/proc/${server.pid}/cmdline`, "utf8");
    return cmd.includes(BINARY) && cmd.includes(server.storeDir);
  } catch {
    return true; // no /proc: trust the pid
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Waits until the health check passes (JetStream ready; on a cluster, a meta leader). */
async function waitHealthy(server, deadline) {
  const url = `http://127.0.0.1:${server.monitorPort}/healthz`;
  while (Date.now() < deadline) {
    if (!alive(server.pid)) throw new Error(`nats-server ${server.name} exited at start`);
    try {
      const r = await fetch(url);
      await r.text();
      if (r.ok) return;
    } catch { /* not listening yet */ }
    await sleep(50);
  }
  throw new Error(`nats-server ${server.name} was not ready in time (${url})`);
}

/** Starts one server of a state (its ports already chosen). */
function startOne(bin, state, server) {
  mkdirSync(server.storeDir, { recursive: true });
  const args = [
    "-a",
    "127.0.0.1",
    "-p",
    String(server.port),
    "-m",
    String(server.monitorPort),
    "-js",
    "-sd",
    server.storeDir,
    "-n",
    server.name,
  ];
  if (state.servers.length > 1) {
    const routes = state.servers.filter((s) => s !== server).map((s) =>
      `nats://127.0.0.1:${s.clusterPort}`
    );
    args.push(
      "--cluster_name",
      state.name,
      "--cluster",
      `nats://127.0.0.1:${server.clusterPort}`,
      "--routes",
      routes.join(","),
    );
  }
  if (state.maxPayload !== undefined) {
    // No flag for it: a config file.
    const conf = join(server.storeDir, "..", `${server.name}.conf`);
    writeFileSync(conf, `max_payload: ${state.maxPayload}\n`);
    args.push("-c", conf);
  }
  const log = join(stateDir(state.name), `${server.name}.log`);
  const out = openLog(log);
  const child = spawn(bin, args, { stdio: ["ignore", out, out], detached: true });
  child.unref();
  server.pid = child.pid;
  server.log = log;
}

function openLog(path) {
  writeFileSync(path, "");
  // A numeric fd: the child keeps writing after this process exits.
  return openSync(path, "a");
}

function save(state) {
  writeFileSync(join(stateDir(state.name), "state.json"), JSON.stringify(state, null, 2));
}

/**
 * Starts `cluster` nats-servers (default 1) with JetStream on free ports of 127.0.0.1,
 * routed to each other when more than one. Resolves with the state: `{ name, urls,
 * servers: [{ name, pid, port, ... }] }`. A `name` already up is stopped first.
 */
export async function up({ name = "dev", cluster = 1, maxPayload, install = true } = {}) {
  const bin = ensureServer({ install });
  if (readState(name) !== null) await down({ name });
  const dir = stateDir(name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  // A port found free may be taken (by another program's outgoing connection, say) before
  // the server binds it; the server then exits at once, and new ports are tried.
  for (let attempt = 1;; attempt++) {
    const state = { name, maxPayload, servers: [] };
    for (let i = 0; i < cluster; i++) {
      state.servers.push({
        name: `${name}-${i + 1}`,
        port: await freePort(),
        monitorPort: await freePort(),
        clusterPort: cluster > 1 ? await freePort() : undefined,
        storeDir: join(dir, `store-${i + 1}`),
      });
    }
    state.urls = state.servers.map((s) => `nats://127.0.0.1:${s.port}`);
    for (const s of state.servers) startOne(bin, state, s);
    save(state);
    const deadline = Date.now() + 30_000;
    try {
      await Promise.all(state.servers.map((s) => waitHealthy(s, deadline)));
      return state;
    } catch (e) {
      const log = state.servers.map((s) => readLog(s.log)).join("\n");
      await down({ name });
      if (attempt < 3 && /exited at start/.test(String(e)) && /address already in use/i.test(log)) {
        mkdirSync(dir, { recursive: true });
        continue;
      }
      throw log === "" ? e : new Error(`${e.message}; its log ends:\n${log.slice(-2000)}`);
    }
  }
}

function readLog(path) {
  try {
    return path === undefined ? "" : readFileSync(path, "utf8");
  } catch {
    return "";
  }
}

/** Stops (SIGTERM, then SIGKILL) the servers `up` started under `name`, and forgets them. */
export async function down({ name = "dev", keep = false } = {}) {
  const state = readState(name);
  if (state === null) return false;
  const ours = state.servers.filter(isOurs);
  for (const s of ours) process.kill(s.pid, "SIGTERM");
  const deadline = Date.now() + 5000;
  while (ours.some((s) => alive(s.pid)) && Date.now() < deadline) await sleep(25);
  for (const s of ours) if (alive(s.pid)) process.kill(s.pid, "SIGKILL");
  if (keep) rmSync(join(stateDir(name), "state.json"), { force: true });
  else rmSync(stateDir(name), { recursive: true, force: true });
  return true;
}

/** Kills one server of a running state (tests of failover); `signal` default SIGKILL. */
export function killServer({ name = "dev", index = 0, signal = "SIGKILL" } = {}) {
  const state = readState(name);
  const s = state?.servers[index];
  if (s === undefined || !isOurs(s)) return false;
  process.kill(s.pid, signal);
  return true;
}

/** The state of `name` with each server's liveness, or null when nothing was started. */
export function status({ name = "dev" } = {}) {
  const state = readState(name);
  if (state === null) return null;
  for (const s of state.servers) s.running = isOurs(s);
  return state;
}

function parse(argv) {
  const o = { cmd: argv[0], name: "dev", cluster: 1 };
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--name") o.name = argv[++i];
    else if (a === "--cluster") o.cluster = Number(argv[++i]);
    else if (a === "--max-payload") o.maxPayload = Number(argv[++i]);
    else if (a === "--no-install") o.install = false;
    else throw new Error(`unknown option ${a}`);
  }
  if (!Number.isInteger(o.cluster) || o.cluster < 1) throw new Error("--cluster wants N >= 1");
  return o;
}

async function main() {
  const usage = "usage: node scripts/nats.mjs up|down|status|install [--cluster N] [--name NAME] " +
    "[--max-payload BYTES] [--no-install]";
  let o;
  try {
    o = parse(process.argv.slice(2));
  } catch (e) {
    console.error(`${e.message}\n${usage}`);
    process.exit(2);
  }
  if (o.cmd === "up") {
    const s = await up(o);
    console.error(
      `nats-server up (${s.servers.length} server${s.servers.length > 1 ? "s" : ""}, ` +
        `JetStream; state in ${stateDir(o.name)}); stop with: node scripts/nats.mjs down` +
        (o.name === "dev" ? "" : ` --name ${o.name}`),
    );
    console.log(s.urls.join(","));
  } else if (o.cmd === "down") {
    const was = await down(o);
    console.error(was ? `stopped ${o.name}` : `nothing was started under ${o.name}`);
  } else if (o.cmd === "install") {
    console.error(`nats-server: ${ensureServer(o)}`);
  } else if (o.cmd === "status") {
    const s = status(o);
    if (s === null) {
      console.error(`nothing was started under ${o.name}`);
      process.exit(1);
    }
    for (const v of s.servers) {
      console.log(
        `${v.name} pid ${v.pid} nats://127.0.0.1:${v.port} ${v.running ? "running" : "stopped"}`,
      );
    }
  } else {
    console.error(usage);
    process.exit(2);
  }
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((e) => {
    console.error(e.message);
    process.exit(1);
  });
}
