// The client of the demo's cluster part: maps a closure over data on the NATS workers (one
// Deno, one Bun) and checks the results. Servers and key come from the environment.
import process from "node:process";
import { connect } from "../nats.ts";

const rate = 1.5; // captured by the closure, shipped by value
const items = Array.from({ length: 12 }, (_, i) => i + 1);
await using pool = await connect({ servers: process.env.NATS_URL!, queue: "demo" });
const out = await pool.map(
  async (x: number) => {
    await new Promise((r) => setTimeout(r, 100)); // a little work, so both workers take some
    const g = globalThis as { Deno?: unknown; Bun?: unknown };
    return [x * rate, g.Deno !== undefined ? "deno" : g.Bun !== undefined ? "bun" : "?"] as const;
  },
  items,
  { chunkSize: 1 },
);
const bad = out.filter(([v], i) => v !== items[i] * rate);
const ran = { deno: 0, bun: 0 } as Record<string, number>;
for (const [, where] of out) ran[where] = (ran[where] ?? 0) + 1;
console.log(`  map((x) => x * rate, [1..${items.length}]) = [${out.map(([v]) => v).join(", ")}]`);
console.log(`  tasks run by the Deno worker: ${ran.deno}, by the Bun worker: ${ran.bun}`);
if (bad.length > 0 || ran.deno === 0 || ran.bun === 0) {
  console.log("  wrong results, or a worker took no task");
  process.exitCode = 1;
}
