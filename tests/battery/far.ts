// The far side of a battery, wherever it runs (a subprocess of the other runtime: hop.ts; a
// Worker: worker.ts): loads each pickle, describes what it got (fingerprint), pickles it
// again, then runs the case's probe on it (after pickling, since probes may call code that
// changes state).

import { Buffer } from "node:buffer";
import { dumps, loads } from "../../mod.ts";
import { fingerprint } from "./fingerprint.ts";
import type { Case } from "./case.ts";

/** What the far side answers for one case. */
export interface FarAnswer {
  fp?: string;
  probe?: unknown;
  pickle?: string;
  error?: string;
}

async function casesOf(which: string): Promise<Case[]> {
  if (which === "data") return (await import("./data_cases.ts")).DATA_CASES;
  if (which === "code") return (await import("./code_cases.ts")).CODE_CASES;
  throw new Error(`unknown battery ${which}`);
}

function describeError(e: unknown): string {
  return e instanceof Error ? `${e.constructor.name}: ${e.message}` : String(e);
}

/** Loads, describes, pickles again and probes each of `cases` (pickles in base64). */
export async function answer(
  which: string,
  cases: { name: string; pickle: string }[],
): Promise<Record<string, FarAnswer>> {
  const byName = new Map((await casesOf(which)).map((c) => [c.name, c]));
  const out: Record<string, FarAnswer> = {};
  for (const { name, pickle } of cases) {
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
  return out;
}
