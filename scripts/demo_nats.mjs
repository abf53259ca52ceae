// The cluster part of `npm run demo`: a local nats-server (scripts/nats.mjs), one Deno and
// one Bun worker started with the command users type, and a Deno client that maps a closure
// over data on them. Skipped, with a message, when nats-server cannot be had.
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import process from "node:process";
import { BUN, DENO, ROOT } from "./install.mjs";
import { down, ensureServer, up } from "./nats.mjs";

/** Runs the part: true when it passed, false when it failed, null when skipped. */
export async function natsDemo() {
  console.log(`\n== A local NATS cluster: one Deno and one Bun worker ${"=".repeat(30)}`);
  try {
    ensureServer();
  } catch (e) {
    console.log(`  skipped: ${e.message}`);
    return null;
  }
  const name = `demo-${process.pid}`;
  const workers = [];
  try {
    const { urls } = await up({ name });
    const env = {
      ...process.env,
      NATS_URL: urls.join(","),
      CLOUDPICKLE_NATS_KEY: randomBytes(32).toString("hex"),
    };
    console.log(`  nats-server with JetStream at ${urls.join(",")}`);
    const commands = [
      [DENO, ["run", "-A", "nats_worker.ts", "--queue", "demo"]],
      [BUN, ["--preload", "./preload.ts", "nats_worker.ts", "--queue", "demo"]],
    ];
    for (const [cmd, args] of commands) {
      const w = spawn(cmd, args, { cwd: ROOT, env, stdio: ["ignore", "pipe", "inherit"] });
      workers.push(w);
      await new Promise((resolve, reject) => {
        let out = "";
        w.stdout.on("data", (d) => {
          out += d;
          if (out.includes("ready")) resolve();
        });
        w.on("exit", (c) => reject(new Error(`a worker exited at start (${c})`)));
      });
      console.log(`  ${cmd.endsWith("deno") ? "Deno" : "Bun"} worker: ready`);
    }
    const client = spawnSync(DENO, ["run", "-A", "scripts/demo_nats_client.ts"], {
      cwd: ROOT,
      env,
      stdio: ["ignore", "inherit", "inherit"],
      timeout: 120_000,
    });
    return client.status === 0;
  } catch (e) {
    console.log(`  failed: ${e.message}`);
    return false;
  } finally {
    for (const w of workers) w.kill("SIGTERM");
    await Promise.all(
      workers.map((w) =>
        w.exitCode !== null || w.signalCode !== null
          ? undefined
          : new Promise((r) => w.on("exit", r))
      ),
    );
    await down({ name });
  }
}
