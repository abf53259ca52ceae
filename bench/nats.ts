// The NATS executor at 64 tasks in flight against a raw JetStream publish/ack/reply
// pipeline at the same concurrency: the same worker processes and task slots, the client
// publishing each task and waiting for the server's ack, workers pulling, replying on a
// results stream and acking. Steady state (workers up, the function loaded); the two
// pipelines run in turns, round by round, and the ratio is the median of the rounds'.
// Goal: the executor at 0.8x the raw throughput or more. Starts its own nats-server
// (scripts/nats.mjs); skipped with a message without one.
//
//   deno run -A bench/nats.ts [--tasks=N] [--workers=N] [--slots=N] [--rounds=N] [--cluster=3]
//   bun --preload ./preload.ts bench/nats.ts
import { type ChildProcess, spawn } from "node:child_process";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { connect as natsConnect } from "@nats-io/transport-node";
import { AckPolicy, jetstream, jetstreamManager, RetentionPolicy } from "@nats-io/jetstream";
// @ts-types="../tests/nats/nats_script.d.ts"
import * as script from "../scripts/nats.mjs";
import { connect } from "../nats.ts";

const arg = (name: string, d: number) => {
  const a = process.argv.find((s) => s.startsWith(`--${name}=`));
  return a === undefined ? d : Number(a.split("=")[1]);
};
const TASKS = arg("tasks", 2000);
const WORKERS = arg("workers", 2);
const SLOTS = arg("slots", 4);
const ROUNDS = arg("rounds", 5);
const CLUSTER = arg("cluster", 1);
const IN_FLIGHT = 64;
const ROOT = fileURLToPath(new URL("../", import.meta.url));
const runtime = typeof (globalThis as { Bun?: unknown }).Bun === "object" ? "bun" : "deno";
const KEY = "a bench key that is long enough";

if (script.findServer() === null) {
  console.log("bench/nats.ts: skipped, nats-server is not installed (node scripts/nats.mjs up)");
  process.exit(0);
}

function spawnReady(args: string[]): Promise<ChildProcess> {
  const bin = `${ROOT}node_modules/.bin/${runtime}`;
  const pre = runtime === "deno" ? ["run", "-A", "--config", `${ROOT}deno.json`] : [
    "--preload",
    `${ROOT}preload.ts`,
  ];
  const child = spawn(bin, [...pre, ...args], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "inherit"],
    env: { ...process.env, CLOUDPICKLE_NATS_KEY: KEY },
  });
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (d) => {
      out += d;
      if (out.includes("ready")) resolve(child);
    });
    child.on("exit", (c) => reject(new Error(`a worker exited (${c})`)));
  });
}

const mid = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const timed = async (f: () => Promise<unknown>) => {
  const t0 = performance.now();
  await f();
  return performance.now() - t0;
};

/**
 * Rounds of `a` and `b` in turns (after one warm round of each): the median times of each,
 * and the median of the rounds' ratios (a's time over b's: b's throughput relative to a's).
 */
async function alternate(
  a: () => Promise<unknown>,
  b: () => Promise<unknown>,
): Promise<[number, number, number]> {
  await a();
  await b();
  const ta: number[] = [], tb: number[] = [], ratios: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    ta.push(await timed(a));
    tb.push(await timed(b));
    ratios.push(ta[i] / tb[i]);
  }
  return [mid(ta), mid(tb), mid(ratios)];
}

async function median(f: () => Promise<unknown>): Promise<number> {
  await f(); // warm
  const times: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const t0 = performance.now();
    await f();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[times.length >> 1];
}

const name = `bench-${process.pid}`;
const { urls } = await script.up({ name, cluster: CLUSTER, install: false });
const children: ChildProcess[] = [];
try {
  // The raw pipeline.
  const nc = await natsConnect({ servers: urls });
  const jsm = await jetstreamManager(nc);
  const replicas = CLUSTER > 1 ? 3 : 1;
  await jsm.streams.add({
    name: "bench_raw_tasks",
    subjects: ["bench.raw.tasks"],
    retention: RetentionPolicy.Workqueue,
    num_replicas: replicas,
  });
  await jsm.streams.add({
    name: "bench_raw_results",
    subjects: ["bench.raw.results"],
    num_replicas: replicas,
  });
  await jsm.consumers.add("bench_raw_tasks", {
    durable_name: "workers",
    ack_policy: AckPolicy.Explicit,
    max_ack_pending: -1,
    num_replicas: replicas,
  });
  const js = jetstream(nc);
  for (let i = 0; i < WORKERS; i++) {
    children.push(await spawnReady(["bench/nats_raw_worker.ts", urls.join(","), String(SLOTS)]));
  }
  const waiting = new Map<number, (r: number) => void>();
  const results = await (await js.consumers.get("bench_raw_results")).consume();
  (async () => {
    for await (const m of results) {
      const v = new DataView(m.data.buffer, m.data.byteOffset, 8);
      waiting.get(v.getUint32(0))?.(v.getUint32(4));
      m.ack();
    }
  })();
  let nextId = 0;
  const raw = async () => {
    const out = new Array<number>(TASKS);
    let next = 0;
    const lane = async () => {
      while (next < TASKS) {
        const i = next++;
        const id = nextId++;
        const body = new Uint8Array(8);
        const v = new DataView(body.buffer);
        v.setUint32(0, id);
        v.setUint32(4, i);
        const r = new Promise<number>((res) => waiting.set(id, res));
        await js.publish("bench.raw.tasks", body, { msgID: `t${id}` });
        out[i] = await r;
        waiting.delete(id);
      }
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
    if (out[TASKS - 1] !== (TASKS - 1) * 2 + 1) throw new Error("raw: wrong results");
  };
  // The executor, on the same number of worker processes and slots (the raw workers stay
  // up, idle, so that the two pipelines alternate round by round: a machine whose load
  // changes meanwhile weighs on both alike).
  const wargs = ["--concurrency", String(SLOTS), "--queue", "bench", "--replicas", `${replicas}`];
  for (let i = 0; i < WORKERS; i++) {
    children.push(await spawnReady(["nats_worker.ts", "--servers", urls.join(","), ...wargs]));
  }
  const pool = await connect({ servers: urls, signingKey: KEY, queue: "bench", replicas });
  const k = 2;
  const items = Array.from({ length: TASKS }, (_, i) => i);
  const ex = async () => {
    const out = await pool.map((x: number) => x * k + 1, items, {
      chunkSize: 1,
      maxInFlight: IN_FLIGHT,
    });
    if (out[TASKS - 1] !== (TASKS - 1) * 2 + 1) throw new Error("executor: wrong results");
  };
  const exChunked = async () => {
    await pool.map((x: number) => x * k + 1, items, { chunkSize: 16 });
  };
  const [tRaw, tEx, ratio] = await alternate(raw, ex);
  const tExChunked = await median(exChunked);
  await pool.close();
  results.stop();
  await nc.close();

  const rate = (t: number) => `${Math.round(TASKS / t * 1000)} tasks/s`;
  console.log(
    `${runtime}: ${TASKS} tasks, ${IN_FLIGHT} in flight, ${WORKERS} workers x ${SLOTS} slots, ` +
      `${CLUSTER} server${CLUSTER > 1 ? "s" : ""} (median of ${ROUNDS})`,
  );
  console.log(`  raw JetStream publish/ack/reply      ${rate(tRaw)}`);
  console.log(
    `  executor map, chunkSize 1            ${rate(tEx)}  ratio ${ratio.toFixed(2)} (goal >= 0.8)`,
  );
  console.log(`  executor map, chunkSize 16           ${rate(tExChunked)}`);
} finally {
  for (const c of children) c.kill("SIGKILL");
  await script.down({ name });
}
process.exit(0);
