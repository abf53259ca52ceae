// Three nats-servers routed on localhost, streams replicated to 3: one server is killed in
// the middle of a map, and the map still completes with every result exactly once.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { appendFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect, type NatsExecutor } from "../nats.ts";
import {
  HERE,
  KEY,
  lines,
  OTHER,
  type Servers,
  SKIP,
  startServers,
  startWorker,
  within,
  type WorkerProc,
} from "./nats/helpers.ts";

describe(`nats: a three-server cluster (${HERE} client)`, { skip: SKIP }, () => {
  let servers: Servers;
  const workers: WorkerProc[] = [];
  let pool: NatsExecutor;
  const dir = mkdtempSync(join(tmpdir(), "cloudpickle-nats-cluster-"));
  before(async () => {
    servers = await startServers("cluster", 3);
    const args = [
      "--queue",
      "cluster",
      "--replicas",
      "3",
      "--ack-wait",
      "1500",
      "--concurrency",
      "2",
    ];
    const env = { CLOUDPICKLE_NATS_KEY: KEY };
    // Each worker prefers another server (the client library shuffles the list otherwise).
    workers.push(startWorker(HERE, [servers.urls[1], servers.urls[0], servers.urls[2]], args, env));
    workers.push(
      startWorker(OTHER, [servers.urls[2], servers.urls[0], servers.urls[1]], args, env),
    );
    await Promise.all(workers.map((w) => w.ready));
    pool = await connect({
      servers: servers.urls,
      signingKey: KEY,
      queue: "cluster",
      replicas: 3,
      ackWait: 1500,
      connection: { noRandomize: true }, // the client is on the server that is killed
    });
  });
  after(async () => {
    await pool?.close({ cancel: true });
    await Promise.all(workers.map((w) => w.stop()));
    await servers?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("kill one server mid-map: every result exactly once, in order", async () => {
    const n = 60;
    const items = Array.from({ length: n }, (_, i) => i);
    const offset = 1000;
    const log = join(dir, "ran.txt");
    const out: number[] = [];
    let killed = false;
    await within(
      90_000,
      "the map across the failover",
      (async () => {
        for await (
          const r of pool.imap(
            async (x: number) => {
              await new Promise((r) => setTimeout(r, 40));
              appendFileSync(log, `${x}\n`);
              return x + offset;
            },
            items,
            { chunkSize: 1, maxInFlight: 8 },
          )
        ) {
          out.push(r);
          if (out.length === 15 && !killed) {
            killed = servers.kill(0);
            assert.ok(killed);
          }
        }
      })(),
    );
    // Every result once, in order; every task ran (a task whose ack the dead server lost
    // may run again, but its result is taken once).
    assert.deepEqual(out, items.map((x) => x + offset));
    const ran = new Set(lines(log).map(Number));
    assert.deepEqual([...ran].sort((a, b) => a - b), items);
    // The cluster still takes new work without the dead server.
    assert.deepEqual(
      await within(30_000, "a map after the failover", pool.map((x: number) => x * 2, [1, 2, 3])),
      [2, 4, 6],
    );
  });
});
