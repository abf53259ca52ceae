// The far side of a battery: run by the other runtime. Reads {cases: [{name, pickle}]} (pickles
// in base64) on stdin, loads each, describes what it got (fingerprint), pickles it again, then
// runs the case's probe on it (after pickling, since probes may call code that changes
// state), and prints one JSON object: name → {fp, probe, pickle} or {error}.
//
//   deno run -A tests/battery/hop.ts data|code     bun --preload ./preload.ts tests/battery/hop.ts …

import process from "node:process";
import { Buffer } from "node:buffer";
import { dumps, loads } from "../../mod.ts";
import { fingerprint } from "./fingerprint.ts";
import type { Case } from "./data_cases.ts";

async function casesOf(which: string): Promise<Case[]> {
  if (which === "data") return (await import("./data_cases.ts")).DATA_CASES;
  if (which === "code") return (await import("./code_cases.ts")).CODE_CASES;
  throw new Error(`unknown battery ${which}`);
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function describeError(e: unknown): string {
  return e instanceof Error ? `${e.constructor.name}: ${e.message}` : String(e);
}

const which = process.argv[2];
const byName = new Map((await casesOf(which)).map((c) => [c.name, c]));
const input = JSON.parse(await readStdin()) as { cases: { name: string; pickle: string }[] };
const out: Record<string, unknown> = {};
for (const { name, pickle } of input.cases) {
  try {
    const c = byName.get(name);
    if (!c) throw new Error(`no case named ${name}`);
    const v = await loads(Buffer.from(pickle, "base64"));
    const fp = fingerprint(v);
    const again = await dumps(v);
    const probe = c.probe ? await c.probe(v) : null;
    out[name] = { fp, probe, pickle: Buffer.from(again).toString("base64") };
  } catch (e) {
    out[name] = { error: describeError(e) };
  }
}
process.stdout.write(JSON.stringify(out));
