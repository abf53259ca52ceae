// The code cache of the NATS executor: a function's definition is stored once in the queue's
// code bucket and named by hash in every task; workers fetch what they lack (a fresh worker
// too), check signature and hash, and refuse a tampered entry; two clients sharing a worker
// keep their classes apart.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { connect as natsConnect } from "@nats-io/transport-node";
import { Kvm } from "@nats-io/kv";
import { connect, type NatsExecutor, TaskRefusedError } from "../nats.ts";
import { dumps, dumpsSync } from "../mod.ts";
import {
  HERE,
  KEY,
  OTHER,
  type Servers,
  SKIP,
  startServers,
  startWorker,
  within,
  type WorkerProc,
} from "./nats/helpers.ts";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const TASKS = 10_000;

/** A task whose source is a few KB (a table of strings), over a captured value. */
function makeTask(rate: number) {
  return (x: number): number => {
    const table = [
      "00 a line of the task's own table, repeated to make its source a few KB long",
      "01 a line of the task's own table, repeated to make its source a few KB long",
      "02 a line of the task's own table, repeated to make its source a few KB long",
      "03 a line of the task's own table, repeated to make its source a few KB long",
      "04 a line of the task's own table, repeated to make its source a few KB long",
      "05 a line of the task's own table, repeated to make its source a few KB long",
      "06 a line of the task's own table, repeated to make its source a few KB long",
      "07 a line of the task's own table, repeated to make its source a few KB long",
      "08 a line of the task's own table, repeated to make its source a few KB long",
      "09 a line of the task's own table, repeated to make its source a few KB long",
      "10 a line of the task's own table, repeated to make its source a few KB long",
      "11 a line of the task's own table, repeated to make its source a few KB long",
      "12 a line of the task's own table, repeated to make its source a few KB long",
      "13 a line of the task's own table, repeated to make its source a few KB long",
      "14 a line of the task's own table, repeated to make its source a few KB long",
      "15 a line of the task's own table, repeated to make its source a few KB long",
      "16 a line of the task's own table, repeated to make its source a few KB long",
      "17 a line of the task's own table, repeated to make its source a few KB long",
      "18 a line of the task's own table, repeated to make its source a few KB long",
      "19 a line of the task's own table, repeated to make its source a few KB long",
      "20 a line of the task's own table, repeated to make its source a few KB long",
      "21 a line of the task's own table, repeated to make its source a few KB long",
      "22 a line of the task's own table, repeated to make its source a few KB long",
      "23 a line of the task's own table, repeated to make its source a few KB long",
      "24 a line of the task's own table, repeated to make its source a few KB long",
      "25 a line of the task's own table, repeated to make its source a few KB long",
      "26 a line of the task's own table, repeated to make its source a few KB long",
      "27 a line of the task's own table, repeated to make its source a few KB long",
      "28 a line of the task's own table, repeated to make its source a few KB long",
      "29 a line of the task's own table, repeated to make its source a few KB long",
      "30 a line of the task's own table, repeated to make its source a few KB long",
      "31 a line of the task's own table, repeated to make its source a few KB long",
      "32 a line of the task's own table, repeated to make its source a few KB long",
      "33 a line of the task's own table, repeated to make its source a few KB long",
      "34 a line of the task's own table, repeated to make its source a few KB long",
      "35 a line of the task's own table, repeated to make its source a few KB long",
      "36 a line of the task's own table, repeated to make its source a few KB long",
      "37 a line of the task's own table, repeated to make its source a few KB long",
      "38 a line of the task's own table, repeated to make its source a few KB long",
      "39 a line of the task's own table, repeated to make its source a few KB long",
    ];
    return x * rate + table.length - 39;
  };
}

/** The keys of the queue's code bucket. */
async function codeKeys(urls: string[], queue: string): Promise<string[]> {
  const nc = await natsConnect({ servers: urls });
  try {
    const kv = await new Kvm(nc).open(`cloudpickle_${queue}_code`);
    const keys: string[] = [];
    for await (const k of await kv.keys()) keys.push(k);
    return keys.sort();
  } finally {
    await nc.close();
  }
}

/** Writes `bytes` under `key` in the queue's code bucket. */
async function putCode(urls: string[], queue: string, key: string, bytes: Uint8Array) {
  const nc = await natsConnect({ servers: urls });
  try {
    const kv = await new Kvm(nc).open(`cloudpickle_${queue}_code`);
    await kv.put(key, bytes);
  } finally {
    await nc.close();
  }
}

describe(`nats code cache: a ${HERE} client and ${OTHER} workers`, { skip: SKIP }, () => {
  const queue = "cache";
  let servers: Servers;
  let worker: WorkerProc;
  let pool: NatsExecutor;
  const fresh = async (runtime: "deno" | "bun", concurrency = 2) => {
    await worker?.stop();
    worker = startWorker(runtime, servers.urls, [
      "--concurrency",
      String(concurrency),
      "--queue",
      queue,
    ], { CLOUDPICKLE_NATS_KEY: KEY });
    await worker.ready;
  };
  before(async () => {
    servers = await startServers("cache", 1, { maxPayload: 256 * 1024 });
    await fresh(OTHER);
    pool = await connect({ servers: servers.urls, signingKey: KEY, queue, concurrency: 64 });
  });
  after(async () => {
    await pool?.close({ cancel: true });
    await worker?.stop();
    await servers?.stop();
  });

  it(`a map of ${TASKS} tasks sends the function's source once`, async () => {
    const task = makeTask(2);
    const source = task.toString().length;
    assert.ok(source > 3000, `the task's source is ${source} characters`);
    const items = Array.from({ length: TASKS }, (_, i) => i);
    const before = pool.bytesSent;
    const stored = pool.definitionsStored;
    const out = await within(240_000, "the map", pool.map(task, items, { chunkSize: 1 }));
    assert.deepEqual(out, items.map((x) => x * 2 + 1));
    const sent = pool.bytesSent - before;
    assert.equal(pool.definitionsStored - stored, 1, "one definition stored");
    // Sent 10 000 times, the source alone would be TASKS * source bytes.
    assert.ok(sent < TASKS * source / 5, `${sent} bytes sent for ${TASKS} tasks`);
    const perTask = (sent - source) / TASKS;
    assert.ok(perTask < source / 5, `${perTask} bytes per task`);
    console.log(
      `map of ${TASKS} tasks, source ${source} chars: ${sent} bytes sent ` +
        `(${perTask.toFixed(0)} per task)`,
    );
    assert.deepEqual((await codeKeys(servers.urls, queue)).length, 1);
  });

  it("a captured value that changed reaches the workers, with the same definition", async () => {
    const stored = pool.definitionsStored;
    assert.deepEqual(await pool.map(makeTask(3), [1, 2, 3], { chunkSize: 1 }), [4, 7, 10]);
    assert.deepEqual(await pool.map(makeTask(5), [1, 2, 3]), [6, 11, 16]);
    let rate = 7;
    const f = (x: number) => x * rate;
    assert.equal(await pool.submit(f, 2), 14);
    rate = 8;
    assert.equal(await pool.submit(f, 2), 16);
    assert.equal(pool.definitionsStored - stored, 1, "only f's definition is new");
  });

  it("a worker started after the definitions were stored fetches them and runs", async () => {
    const task = makeTask(4);
    assert.deepEqual(await pool.map(task, [1, 2]), [5, 9]);
    await fresh(HERE); // empty cache, the other runtime
    const before = pool.bytesSent;
    assert.deepEqual(await pool.map(makeTask(6), [1, 2, 3]), [7, 13, 19]);
    const sent = pool.bytesSent - before;
    assert.ok(sent < task.toString().length, `${sent} bytes sent: the definition not again`);
    const where = () => (globalThis as { Deno?: unknown }).Deno !== undefined ? "deno" : "bun";
    assert.equal(await pool.submit(where), HERE);
  });

  it("a definition above the server's payload limit is stored in parts", async () => {
    const keys = await codeKeys(servers.urls, queue);
    const big = (0, eval)(
      `(x) => { const s = "${"ab".repeat(200_000)}"; return x + s.length; }`,
    ) as (x: number) => number;
    assert.deepEqual(await pool.map(big, [1, 2]), [400_001, 400_002]);
    const added = (await codeKeys(servers.urls, queue)).filter((k) => !keys.includes(k));
    assert.equal(added.length, 3, `keys added: ${added}`); // the head and two parts
    const [head] = added.filter((k) => !k.includes("."));
    assert.deepEqual(added.sort(), [head, `${head}.0`, `${head}.1`]);
    await fresh(OTHER); // fetches it in parts
    const before = pool.bytesSent;
    assert.equal(await pool.submit(big, 3), 400_003);
    assert.ok(pool.bytesSent - before < 10_000, "the task names it by hash");
  });

  it("a tampered entry of the code bucket is refused with a clear error", async () => {
    const keys = await codeKeys(servers.urls, queue);
    const secret = (x: number) => `the secret of ${x}`; // a definition of its own
    assert.equal(await pool.submit(secret, 1), "the secret of 1");
    const added = (await codeKeys(servers.urls, queue)).filter((k) => !keys.includes(k));
    assert.equal(added.length, 1);
    const [hash] = added;
    // Someone without the key replaces it (signed with another key, then unsigned).
    const evil = { v: 1, hash, def: new Uint8Array([0, 0, 1, 65]) };
    await putCode(
      servers.urls,
      queue,
      hash,
      await dumps(evil, {
        signingKey: new TextEncoder().encode("another key that is long enough"),
      }),
    );
    await fresh(OTHER); // a worker that does not hold it yet
    await assert.rejects(
      pool.submit(secret, 2),
      (e: Error) =>
        e instanceof TaskRefusedError && e.message.includes(hash) &&
        /does not check out with this worker's key/.test(e.message) &&
        e.message.includes(`cloudpickle_${queue}_code`),
    );
    await putCode(servers.urls, queue, hash, dumpsSync(evil));
    await assert.rejects(
      pool.submit(secret, 3),
      (e: Error) => e instanceof TaskRefusedError && /tampered entry/.test(e.message),
    );
    // Other functions still run.
    assert.equal(await pool.submit((x: number) => x + 1, 1), 2);
  });
});

describe(`nats: two ${HERE} clients with one class source share a ${OTHER} worker`, {
  skip: SKIP,
}, () => {
  const queue = "classes";
  let servers: Servers;
  let worker: WorkerProc;
  const file = `${ROOT}tmp/nats_class_client.ts`;
  before(async () => {
    mkdirSync(`${ROOT}tmp`, { recursive: true });
    writeFileSync(
      file,
      `import process from "node:process";
import { connect } from ${JSON.stringify(`${ROOT}nats.ts`)};
class Model { hi() { return Model.tag; } }
(Model as unknown as { tag: string }).tag = process.argv.at(-1)!;
const [urls, queue, tag] = process.argv.slice(-3);
const pool = await connect({ servers: urls.split(","), signingKey: ${JSON.stringify(KEY)}, queue });
const out = await pool.submit((m: Model, who: string) => {
  const g = globalThis as unknown as { models?: Record<string, Model> };
  const models = g.models ??= {};
  models[who] = m;
  const seen = Object.keys(models).sort().map((k) => k + ":" + models[k].hi());
  const protos = new Set(Object.values(models).map((v) => Object.getPrototypeOf(v)));
  return { seen, classes: protos.size };
}, new Model(), tag);
await pool.close();
process.stdout.write(JSON.stringify(out));
`,
    );
    servers = await startServers("classes");
    worker = startWorker(OTHER, servers.urls, ["--concurrency", "1", "--queue", queue], {
      CLOUDPICKLE_NATS_KEY: KEY,
    });
    await worker.ready;
  });
  after(async () => {
    await worker?.stop();
    await servers?.stop();
  });

  const client = (tag: string): Promise<{ seen: string[]; classes: number }> => {
    const exe = `${ROOT}node_modules/.bin/${HERE}`;
    const args = HERE === "deno"
      ? ["run", "-A", "--config", `${ROOT}deno.json`, file]
      : ["--preload", `${ROOT}preload.ts`, file];
    const child = spawn(exe, [...args, servers.urls.join(","), queue, tag], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout!.on("data", (d) => out += d);
    child.stderr!.on("data", (d) => err += d);
    return within(
      60_000,
      `client ${tag}`,
      new Promise((resolve, reject) => {
        child.on("close", (code) => {
          if (code === 0) resolve(JSON.parse(out));
          else reject(new Error(`client ${tag} exited ${code}: ${err}`));
        });
      }),
    );
  };

  it("each client's instances keep their own class on the shared worker", async () => {
    assert.deepEqual(await client("A"), { seen: ["A:A"], classes: 1 });
    // Without namespaces, B's class (same source) would update A's: A:B, one class.
    assert.deepEqual(await client("B"), { seen: ["A:A", "B:B"], classes: 2 });
  });
});
