// Loads a hex pickle of structured_produce.ts from stdin and prints what it finds, as JSON.
import { loadsSync } from "../../mod.ts";
import { dis } from "../../dis.ts";
import { readStdinText } from "./stdin.ts";

const bytes = Uint8Array.from(Buffer.from((await readStdinText()).trim(), "hex"));
const m = loadsSync<Record<string, unknown>>(bytes);
const rows = m.rows as Record<string, unknown>[];
const point = m.point as { norm1(): number; x: number };
process.stdout.write(JSON.stringify({
  header: /flags 0x[0-9a-f]+ \(.*structured.*\)/.test(dis(bytes).split("\n")[0]),
  keys: Object.keys(rows[1]),
  labels: rows.map((r) => Object.getOwnPropertyDescriptor(r, "label")?.value),
  at: rows.map((r) => r.at),
  symbols: Object.getOwnPropertySymbols(rows[0]).length,
  hidden: "hidden" in rows[0],
  sharedMeta: rows[0].meta === rows[2].meta,
  cycle: m.self === m,
  norm1: point.norm1(),
  scaled: (m.scale as (v: number) => number)(4),
  holes: [0 in (m.sparse as unknown[]), 1 in (m.sparse as unknown[]), (m.sparse as []).length],
}));
