// scripts/nats.mjs as users run it (up, status, down; it stops only what it started), and
// the NATS client packages loaded by the ./nats entry only.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import process from "node:process";
import { fileURLToPath } from "node:url";
// @ts-types="./nats/nats_script.d.ts"
import * as script from "../scripts/nats.mjs";
import { HERE, SKIP, until } from "./nats/helpers.ts";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const NODE = `${ROOT}node_modules/.bin/node`;
const DENO = `${ROOT}node_modules/.bin/deno`;

function cli(...args: string[]) {
  const r = spawnSync(NODE, [`${ROOT}scripts/nats.mjs`, ...args], {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, CLOUDPICKLE_NATS_INSTALL: "0" },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe("nats: the NATS client is a dependency of ./nats only", () => {
  it("mod.ts, pool.ts, dis.ts and preload.ts import no @nats-io package; nats.ts does", () => {
    const graph = (entry: string) => {
      const r = spawnSync(DENO, ["info", "--json", "--config", `${ROOT}deno.json`, entry], {
        cwd: ROOT,
        encoding: "utf8",
        maxBuffer: 64 << 20,
      });
      assert.equal(r.status, 0, r.stderr);
      return r.stdout;
    };
    for (const entry of ["mod.ts", "pool.ts", "dis.ts", "preload.ts"]) {
      assert.doesNotMatch(graph(entry), /@nats-io/, entry);
    }
    assert.match(graph("nats.ts"), /@nats-io\/jetstream/);
  });
});

describe(`nats: scripts/nats.mjs (${HERE})`, { skip: SKIP }, () => {
  const name = `script-${HERE}-${process.pid}`;
  let foreign: ChildProcess | undefined;
  after(async () => {
    foreign?.kill("SIGKILL");
    await script.down({ name });
  });

  it("up, status and down stop only the servers up started", async () => {
    // A nats-server the script did not start.
    const port = 20000 + (process.pid % 20000);
    foreign = spawn(script.findServer()!, ["-a", "127.0.0.1", "-p", String(port)], {
      stdio: "ignore",
    });
    await until(() => alive(foreign!.pid!), 5000, "the other server");

    const up = cli("up", "--name", name, "--cluster", "2", "--no-install");
    assert.equal(up.code, 0, up.err);
    const urls = up.out.trim().split(",");
    assert.equal(urls.length, 2);
    for (const u of urls) assert.match(u, /^nats:\/\/127\.0\.0\.1:\d+$/);
    const st = cli("status", "--name", name);
    assert.equal(st.code, 0, st.err);
    const pids = [...st.out.matchAll(/pid (\d+) .* running/g)].map((m) => Number(m[1]));
    assert.equal(pids.length, 2, st.out);
    for (const pid of pids) assert.ok(alive(pid));

    const down = cli("down", "--name", name);
    assert.equal(down.code, 0, down.err);
    assert.match(down.err, /stopped/);
    await until(() => pids.every((p) => !alive(p)), 5000, "the servers' exit");
    assert.ok(alive(foreign.pid!), "the other server still runs");
    const again = cli("down", "--name", name);
    assert.match(again.err, /nothing was started/);
    assert.equal(cli("status", "--name", name).code, 1);
  });
});
