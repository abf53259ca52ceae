// The raw pipeline's worker for bench/nats.ts: pulls tasks (id and x, 8 bytes) from a
// JetStream work queue, publishes x * 2 + 1 to the results stream, and acks; `C` tasks at
// once. No pickling, no signing, no thread hop.
//
//   deno run -A bench/nats_raw_worker.ts URLS C      bun bench/nats_raw_worker.ts URLS C
import process from "node:process";
import { connect } from "@nats-io/transport-node";
import { jetstream } from "@nats-io/jetstream";

const [urls, c] = process.argv.slice(2);
const C = Number(c);
const nc = await connect({ servers: urls.split(",") });
const js = jetstream(nc);
const consumer = await js.consumers.get("bench_raw_tasks", "workers");

// Messages arrive through one pull subscription (`consume`) and run C at a time.
const messages = await consumer.consume({ max_messages: C });
let running = 0;
let wake: (() => void) | undefined;
console.log("ready");
for await (const m of messages) {
  running++;
  (async () => {
    const v = new DataView(m.data.buffer, m.data.byteOffset, 8);
    const out = new Uint8Array(8);
    const o = new DataView(out.buffer);
    o.setUint32(0, v.getUint32(0));
    o.setUint32(4, v.getUint32(4) * 2 + 1);
    await js.publish("bench.raw.results", out);
    m.ack();
    running--;
    wake?.();
  })();
  while (running >= C) await new Promise<void>((r) => wake = r);
}
