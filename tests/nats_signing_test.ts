// Signed tasks and results: a wrong key, a tampered task, and replays (the same id within the
// server's de-duplication window, a new id, the same id after the window) never run a task
// twice.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { appendFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect as natsConnect, type Msg, type NatsConnection } from "@nats-io/transport-node";
import { jetstream } from "@nats-io/jetstream";
import { dumps } from "../mod.ts";
import {
  connect,
  type NatsExecutor,
  type NatsWorker,
  startWorker,
  TaskRefusedError,
} from "../nats.ts";
import { HERE, KEY, lines, type Servers, SKIP, startServers, until } from "./nats/helpers.ts";

describe(`nats: signing (${HERE})`, { skip: SKIP }, () => {
  let servers: Servers;
  let worker: NatsWorker;
  let pool: NatsExecutor;
  let nc: NatsConnection;
  const log: string[] = [];
  const dir = mkdtempSync(join(tmpdir(), "cloudpickle-nats-signing-"));
  const queue = "signing";
  const window = 1500;
  before(async () => {
    servers = await startServers("signing");
    const common = { servers: servers.urls, signingKey: KEY, queue, duplicateWindow: window };
    worker = await startWorker({ ...common, log: (l) => log.push(l) });
    pool = await connect(common);
    nc = await natsConnect({ servers: servers.urls });
  });
  after(async () => {
    await pool?.close({ cancel: true });
    await worker?.stop();
    await nc?.close();
    await servers?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("a client with another key: its tasks are refused, naming the key", async () => {
    const other = await connect({
      servers: servers.urls,
      signingKey: "another key, long enough too",
      queue,
      duplicateWindow: window,
    });
    try {
      await assert.rejects(
        other.submit(() => 1),
        (e: Error) =>
          e instanceof TaskRefusedError && /signature/.test(e.message) &&
          /CLOUDPICKLE_NATS_KEY/.test(e.message),
      );
    } finally {
      await other.close();
    }
  });

  it("a replayed task runs once: same id, new id, tampered, and after the window", async () => {
    const file = join(dir, "runs.txt");
    // Capture the task as it goes by on the stream's subject.
    const captured: { data: Uint8Array; headers: Msg["headers"] }[] = [];
    const sub = nc.subscribe(`cloudpickle.${queue}.tasks`, {
      callback: (_e, m) => {
        // A copy: the client hands out Node Buffers, whose slice() is a view.
        captured.push({ data: new Uint8Array(m.data), headers: m.headers });
      },
    });
    await nc.flush();
    assert.equal(await pool.submit((p: string) => (appendFileSync(p, "run\n"), 7), file), 7);
    sub.unsubscribe();
    assert.equal(captured.length, 1);
    assert.deepEqual(lines(file), ["run"]);
    const task = captured[0];
    const id = task.headers!.get("Nats-Msg-Id");
    const js = jetstream(nc);
    const subject = `cloudpickle.${queue}.tasks`;

    // 1. The same id within the window: the server drops it.
    const again = await js.publish(subject, task.data, { msgID: id, headers: task.headers });
    assert.equal(again.duplicate, true);

    // 2. A new id: the envelope's id does not match, refused.
    const before = log.length;
    await js.publish(subject, task.data, { msgID: `${id}x`, headers: task.headers });
    await until(() => log.length > before, 5000, "the refusal");
    assert.match(log.at(-1)!, /not the id it was published under/);

    // 3. Tampered bytes: the signature fails before anything is decoded.
    const bad = new Uint8Array(task.data);
    bad[bad.length - 40] ^= 1;
    await js.publish(subject, bad, { msgID: `${id}y`, headers: task.headers });
    await until(() => log.length > before + 1, 5000, "the refusal");
    assert.match(log.at(-1)!, /signature does not check out/);

    // 4. The same id after the window: stored again, but its envelope is too old.
    await new Promise((r) => setTimeout(r, window + 300));
    const late = await js.publish(subject, task.data, { msgID: id, headers: task.headers });
    assert.equal(late.duplicate, false);
    await until(() => log.length > before + 2, 5000, "the refusal");
    assert.match(log.at(-1)!, /beyond the duplicate window/);

    assert.deepEqual(lines(file), ["run"]);
    // Still working for signed tasks.
    assert.equal(await pool.submit(() => "ok"), "ok");
  });

  it("a forged result (another key, or none) is not taken for the task's", async () => {
    const js = jetstream(nc);
    const ids: string[] = [];
    const sub = nc.subscribe(`cloudpickle.${queue}.tasks`, {
      callback: (_e, m) => {
        ids.push(m.headers!.get("Nats-Msg-Id"));
      },
    });
    await nc.flush();
    const call = pool.submit(async () => {
      await new Promise((r) => setTimeout(r, 600));
      return "real";
    });
    await until(() => ids.length === 1, 5000, "the task");
    sub.unsubscribe();
    const reply = `cloudpickle.${queue}.results.${pool.clientId}`;
    const value = await dumps(["forged"]);
    const forged = { v: 1, id: ids[0], ok: true, value, worker: "mallory" };
    await js.publish(reply, await dumps(forged, { signingKey: new Uint8Array(32).fill(7) }));
    await js.publish(reply, await dumps(forged));
    assert.equal(await call, "real");
  });
});
