/**
 * The speed-target table: our library against the peer a user would pick instead, per payload,
 * as same-run ratios of round-trip times (round trip = encode + decode; sync forms `dumpsSync` /
 * `loadsSync`, as the peers are measured). The whole table is measured `runs` times (default 3)
 * in this process; each run gives one ratio per target (both sides timed interleaved in that
 * run), and the verdict uses the median of those ratios. Also printed: the pickle size of ours
 * against the peer's encoding, so that a later change can be checked against growth.
 *
 * Targets (per runtime where they differ):
 *   small RPC message            ours ÷ msgpackr (pack/unpack)            <= 1.0
 *   10k records (10 fields)      ours ÷ msgpackr records mode             <= 1.5 Deno, 1.0 Bun
 *                                ours { fidelity: "structured" } ÷ same  <= 1.0
 *   strings (40 long, 10k short) ours ÷ node:v8                          <= 1.5
 *   Float64Array 1M              ours ÷ structuredClone                  <= 1.3
 *   10k class instances          ours ÷ node:v8 (which loses prototypes)  <= 1.5
 *   100 arrow functions          ours ÷ serialize-javascript, new source every message <= 1.0
 *   first `dumps` of a closure in a fresh process, library imported       <= 25 ms
 *
 * With env BENCH_TARGETS_OUT=file the results are also written there as JSON (scripts/bench.mjs
 * uses it to print one table for both runtimes). With env BENCH_TARGET_ROWS=id,... only those
 * payloads are measured (rpc, records10, strings, f64, instances, functions, first).
 *
 * @module
 */

import * as v8 from "node:v8";
import { writeFileSync } from "node:fs";
import process from "node:process";
import { pack, Packr, unpack } from "msgpackr";
import { buildCases } from "./cases.ts";
import { diff } from "./equal.ts";
import { timeFresh } from "./fresh.ts";
import {
  calibrate,
  collectGarbage,
  fmtInt,
  fmtRatio,
  fmtTime,
  renderTable,
  runInterleaved,
  summarize,
  type TableRow,
  type Task,
} from "./harness.ts";
import {
  type Codec,
  type Encoded,
  type Impl,
  type OurModule,
  serializeJavascriptCodec,
} from "./peers.ts";
import { median, runs, variants } from "./startup.ts";
import {
  checkInstances,
  classInstances,
  freshFunctions,
  FUNCTIONS_PER_MESSAGE,
  records10,
  stringMix,
} from "./target_cases.ts";

const isBun = (globalThis as { Bun?: unknown }).Bun !== undefined;

/** The payload ids BENCH_TARGET_ROWS selects (all when unset). */
const onlyRows = process.env.BENCH_TARGET_ROWS?.split(",").map((s) => s.trim());
const wanted = (id: string): boolean => onlyRows === undefined || onlyRows.includes(id);

/** Options of the targets section. */
export interface TargetOptions {
  /** Time budget per measurement, ms. */
  readonly budgetMs: number;
  /** Number of runs of the whole table (ratios: median over runs). */
  readonly runs: number;
  /** Fresh processes for the first-`dumps` target, spread over the runs (at least 1 per run). */
  readonly firstN: number;
}

/** One contestant of a payload. */
interface Contestant {
  readonly name: string;
  /** The implementation, or why it is not available. */
  readonly impl: Impl | string;
  /** A check of the decoded value beyond equal.ts (e.g. methods still run). */
  readonly check?: (original: unknown, decoded: unknown) => string | null;
  /** Expected and accepted difference (shown instead of the first difference). */
  readonly knownLoss?: string;
}

/** A payload with its contestants (timed interleaved). */
interface Payload {
  readonly id: string;
  readonly label: string;
  build(): unknown;
  readonly contestants: readonly Contestant[];
}

/** A target: ratio of contestant `ours` to contestant `peer` of one payload. */
interface Target {
  readonly label: string;
  readonly payload: string;
  readonly ours: string;
  readonly peer: string;
  /** Highest passing ratio, or null for a row shown for information only. */
  readonly limit: number | null;
  /** Printed in the note column. */
  readonly note?: string;
}

/** Measurement of one contestant in one run. */
interface Measured {
  rtMs?: number;
  encMs?: number;
  decMs?: number;
  size?: number;
  /** "ok", "lossy: ..." (timed anyway), or "error: ..." / "n/a: ..." (not timed). */
  status: string;
}

const utf8 = new TextEncoder();
const sizeOf = (e: Encoded): number => typeof e === "string" ? utf8.encode(e).length : e.byteLength;
const ownCopy = (e: Encoded): Encoded =>
  typeof e === "string" ? e : Uint8Array.prototype.slice.call(e);
const errText = (err: unknown): string =>
  (err instanceof Error ? `${err.name}: ${err.message}` : String(err)).split("\n")[0].slice(0, 120);

function codec(
  encode: (v: unknown) => Encoded,
  decode: (e: Encoded) => unknown,
  note?: string,
): Codec {
  return { kind: "codec", encode, decode, note };
}

const asBytes = (e: Encoded): Uint8Array => e as Uint8Array;

/** Whether `mod` implements the opt-in structured-clone fidelity (a getter is read as data). */
function structuredMode(mod: OurModule): Codec | string {
  const opts = { fidelity: "structured" };
  try {
    const probe = mod.loadsSync(mod.dumpsSync({
      get x() {
        return 1;
      },
    }, opts)) as object;
    const d = Object.getOwnPropertyDescriptor(probe, "x");
    if (!d || !("value" in d) || d.value !== 1) {
      return 'the module does not implement { fidelity: "structured" } (a getter stays a getter)';
    }
  } catch (err) {
    return `{ fidelity: "structured" } throws: ${errText(err)}`;
  }
  return codec((v) => mod.dumpsSync(v, opts), (e) => mod.loadsSync(asBytes(e)));
}

function payloads(mod: OurModule): Payload[] {
  const ours: Codec = codec((v) => mod.dumpsSync(v), (e) => mod.loadsSync(asBytes(e)));
  const v8c = codec((v) => v8.serialize(v), (e) => v8.deserialize(asBytes(e)));
  // Separate encoder and decoder: every message carries its own record definitions, as a
  // message between processes must.
  const recEnc = new Packr({ useRecords: true });
  const recDec = new Packr({ useRecords: true });
  const records = codec((v) => recEnc.pack(v), (e) => recDec.unpack(asBytes(e)));
  const rpc = buildCases().find((c) => c.id === "rpc")!;
  return [
    {
      id: "rpc",
      label: "small RPC message",
      build: () => rpc.build(),
      contestants: [
        { name: "ours", impl: ours },
        { name: "msgpackr", impl: codec((v) => pack(v), (e) => unpack(asBytes(e))) },
      ],
    },
    {
      id: "records10",
      label: "10k records (10 fields)",
      build: () => records10(10_000),
      contestants: [
        { name: "ours", impl: ours },
        { name: "ours structured", impl: structuredMode(mod) },
        { name: "msgpackr records", impl: records },
      ],
    },
    {
      id: "strings",
      label: "strings (40 long, 10k short, half non-ASCII)",
      build: stringMix,
      contestants: [{ name: "ours", impl: ours }, { name: "node:v8", impl: v8c }],
    },
    {
      id: "f64",
      label: "Float64Array 1M",
      build: () => buildCases().find((c) => c.id === "f64")!.build(),
      contestants: [
        { name: "ours", impl: ours },
        {
          name: "structuredClone",
          impl: { kind: "roundtrip", roundtrip: (v) => structuredClone(v) },
        },
      ],
    },
    {
      id: "instances",
      label: "10k class instances (5 fields + a method)",
      build: () => classInstances(10_000),
      contestants: [
        { name: "ours", impl: ours, check: checkInstances },
        { name: "node:v8", impl: v8c, knownLoss: "loses the prototypes (plain objects)" },
      ],
    },
  ];
}

function targets(): Target[] {
  return [
    { label: "small RPC message", payload: "rpc", ours: "ours", peer: "msgpackr", limit: 1 },
    {
      label: "10k records (10 fields), exact",
      payload: "records10",
      ours: "ours",
      peer: "msgpackr records",
      limit: isBun ? 1 : 1.5,
    },
    {
      label: '10k records (10 fields), fidelity "structured"',
      payload: "records10",
      ours: "ours structured",
      peer: "msgpackr records",
      limit: 1,
    },
    {
      label: "strings (40 long, 10k short, half non-ASCII)",
      payload: "strings",
      ours: "ours",
      peer: "node:v8",
      limit: 1.5,
    },
    { label: "Float64Array 1M", payload: "f64", ours: "ours", peer: "structuredClone", limit: 1.3 },
    {
      label: "10k class instances (5 fields + a method)",
      payload: "instances",
      ours: "ours",
      peer: "node:v8",
      limit: 1.5,
    },
    {
      label: `${FUNCTIONS_PER_MESSAGE} arrow functions, new source each decode`,
      payload: "functions",
      ours: "ours",
      peer: "serialize-javascript",
      limit: 1,
      note: "encode: the same functions again",
    },
    {
      label: `${FUNCTIONS_PER_MESSAGE} arrow functions, new functions each message`,
      payload: "functions-new",
      ours: "ours",
      peer: "serialize-javascript",
      limit: null,
      note: "information: encode sees new functions (first pickling) too",
    },
  ];
}

/** Check, then calibrate the contestant's timed functions (none when it fails). */
function prepare(c: Contestant, value: unknown, budgetMs: number, m: Measured): Task[] {
  if (typeof c.impl === "string") {
    m.status = `n/a: ${c.impl}`;
    return [];
  }
  const impl = c.impl;
  const verify = (decoded: unknown): void => {
    const d = c.check?.(value, decoded) ?? diff(value, decoded);
    if (d) m.status = `lossy: ${c.knownLoss ?? d}`;
  };
  try {
    if (impl.kind === "roundtrip") {
      verify(impl.roundtrip(value));
      return [calibrate(() => impl.roundtrip(value), budgetMs)];
    }
    const encoded = ownCopy(impl.encode(value));
    m.size = sizeOf(encoded);
    verify(impl.decode(encoded));
    return [
      calibrate(() => impl.encode(value), budgetMs),
      calibrate(() => impl.decode(encoded), budgetMs),
    ];
  } catch (err) {
    m.status = `error: ${errText(err)}`;
    return [];
  }
}

/** One run of every payload: contestant name per payload id -> measurement. */
function measureRun(mod: OurModule, budgetMs: number): Map<string, Measured> {
  const out = new Map<string, Measured>();
  const tag = `[${isBun ? "Bun" : "Deno"}] target`;
  let t0 = performance.now();
  const lap = (what: string): void => {
    process.stderr.write(`${tag} ${what}: ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
    t0 = performance.now();
  };
  for (const p of payloads(mod)) {
    if (!wanted(p.id)) continue;
    const value = p.build();
    const pending: [Measured, Task[]][] = [];
    for (const c of p.contestants) {
      const m: Measured = { status: "ok" };
      out.set(`${p.id}/${c.name}`, m);
      pending.push([m, prepare(c, value, budgetMs, m)]);
    }
    runInterleaved(pending.flatMap(([, t]) => t), budgetMs);
    for (const [m, tasks] of pending) {
      if (tasks.length === 1) m.rtMs = summarize(tasks[0]).msPerOp;
      if (tasks.length === 2) {
        m.encMs = summarize(tasks[0]).msPerOp;
        m.decMs = summarize(tasks[1]).msPerOp;
        m.rtMs = m.encMs + m.decMs;
      }
    }
    collectGarbage();
    lap(p.id);
  }
  if (!wanted("functions")) return out;
  const oursCodec = codec((v) => mod.dumpsSync(v), (e) => mod.loadsSync(asBytes(e)));
  // Each row's pair is timed on its own: encoding new functions (the second row) fills the
  // caches of first pickling, whose garbage would otherwise land in the first row's timings.
  const fresh = [
    ...timeFresh(
      [
        { codec: oursCodec, warmEncode: true },
        { codec: serializeJavascriptCodec, warmEncode: true },
      ],
      freshFunctions,
      budgetMs,
    ),
    ...timeFresh(
      [
        { codec: oursCodec, warmEncode: false },
        { codec: serializeJavascriptCodec, warmEncode: false },
      ],
      freshFunctions,
      budgetMs,
    ),
  ];
  ["ours", "serialize-javascript", "ours", "serialize-javascript"].forEach((name, i) => {
    const r = fresh[i];
    const m: Measured = { status: r.error ? `error: ${r.error}` : "ok", size: r.size };
    if (r.encode && r.decode) {
      m.encMs = r.encode.msPerOp;
      m.decMs = r.decode.msPerOp;
      m.rtMs = m.encMs + m.decMs;
    }
    out.set(`${i < 2 ? "functions" : "functions-new"}/${name}`, m);
  });
  lap("functions");
  return out;
}

/** Median of a non-empty list. */
function med(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n % 2 ? s[n >> 1] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

/** Result of one target, as printed and written to BENCH_TARGETS_OUT. */
export interface TargetResult {
  label: string;
  peer: string;
  /** Median over runs of the same-run ratios (or ms for the absolute target). */
  value: number | null;
  /** Per-run values. */
  perRun: (number | null)[];
  /** Null for a row shown for information only (no verdict). */
  limit: number | null;
  unit: "x" | "ms";
  pass: boolean;
  oursMs?: number;
  peerMs?: number;
  /** Medians over runs of encode and decode (absent for round-trip-only peers). */
  oursEncDec?: [number, number];
  peerEncDec?: [number, number];
  oursSize?: number;
  peerSize?: number;
  note: string;
}

const NOISE = 0.05;

/** Runs the targets section, prints its table, and returns the results. */
export function runTargets(mod: OurModule, opts: TargetOptions): TargetResult[] {
  const rt = isBun ? "Bun" : "Deno";
  console.log(
    `\n=== speed targets — ${rt} — ${opts.runs} run(s), ${opts.budgetMs} ms per measurement; ` +
      "round trip = encode + decode (dumpsSync/loadsSync), ratio = ours ÷ peer in the same run, " +
      "verdict on the median over runs ===",
  );
  const measured: Map<string, Measured>[] = [];
  const firsts: (number | null)[] = [];
  const firstAll: (number | null)[] = [];
  const firstArgs = variants()[0];
  for (let r = 0; r < opts.runs; r++) {
    const t0 = performance.now();
    measured.push(measureRun(mod, opts.budgetMs));
    let first: number | null = null;
    if (wanted("first")) {
      try {
        const k = Math.ceil(opts.firstN / opts.runs);
        const each = runs(firstArgs[1], "first-dumps", k).map((x) => x.firstAsync);
        firstAll.push(...each);
        first = median(each);
      } catch (err) {
        console.log(`  first dumps: ${errText(err)}`);
      }
    }
    firsts.push(first);
    process.stderr.write(
      `[${rt}] targets run ${r + 1}/${opts.runs}: ${
        ((performance.now() - t0) / 1000).toFixed(1)
      } s\n`,
    );
  }

  const results: TargetResult[] = [];
  for (const t of targets()) {
    if (!wanted(t.payload.replace(/-new$/, ""))) continue;
    const key = (who: string): string => `${t.payload}/${who}`;
    const ratios: (number | null)[] = measured.map((m) => {
      const a = m.get(key(t.ours))?.rtMs;
      const b = m.get(key(t.peer))?.rtMs;
      return a !== undefined && b !== undefined && b > 0 ? a / b : null;
    });
    const ok = ratios.filter((x): x is number => x !== null);
    const value = ok.length > 0 ? med(ok) : null;
    const times = (who: string): number | undefined => {
      const xs = measured.map((m) => m.get(key(who))?.rtMs).filter((x): x is number =>
        x !== undefined
      );
      return xs.length > 0 ? med(xs) : undefined;
    };
    const encDec = (who: string): [number, number] | undefined => {
      const e = measured.map((m) => m.get(key(who))?.encMs).filter((x) => x !== undefined);
      const d = measured.map((m) => m.get(key(who))?.decMs).filter((x) => x !== undefined);
      return e.length > 0 && d.length > 0 ? [med(e), med(d)] : undefined;
    };
    const oursM = measured[0].get(key(t.ours));
    const peerM = measured[0].get(key(t.peer));
    const notes: string[] = t.note ? [t.note] : [];
    if (oursM && oursM.status !== "ok") notes.push(`ours ${oursM.status}`);
    if (peerM && peerM.status !== "ok") notes.push(`peer ${peerM.status}`);
    const oursBad = !oursM || oursM.status !== "ok";
    const rounded = value === null ? null : Math.round(value * 100) / 100;
    if (rounded !== null && t.limit !== null && Math.abs(rounded - t.limit) <= t.limit * NOISE) {
      notes.push("within noise of the limit");
    }
    results.push({
      label: t.label,
      peer: t.peer,
      value,
      perRun: ratios,
      limit: t.limit,
      unit: "x",
      pass: rounded !== null && t.limit !== null && rounded <= t.limit && !oursBad,
      oursMs: times(t.ours),
      peerMs: times(t.peer),
      oursEncDec: encDec(t.ours),
      peerEncDec: encDec(t.peer),
      oursSize: oursM?.size,
      peerSize: peerM?.size,
      note: notes.join("; "),
    });
  }
  // An absolute time, not a same-run ratio: the median over all the processes.
  const okFirst = firstAll.filter((x): x is number => x !== null);
  const firstMs = okFirst.length > 0 ? med(okFirst) : null;
  if (wanted("first")) {
    results.push({
      label: "first dumps of a closure, fresh process, library imported",
      peer: "—",
      value: firstMs,
      perRun: firsts,
      limit: 25,
      unit: "ms",
      pass: firstMs !== null && firstMs <= 25,
      note: `${firstArgs[0]}, median of ${okFirst.length} processes (per run: their median)`,
    });
  }

  printResults(results);
  const outFile = process.env.BENCH_TARGETS_OUT;
  if (outFile) writeFileSync(outFile, JSON.stringify({ runtime: rt, results }));
  return results;
}

/** Format a target's value (ratio or ms). */
export function fmtValue(r: { value: number | null; unit: string }): string {
  if (r.value === null) return "n/a";
  return r.unit === "ms" ? `${r.value.toFixed(1)} ms` : `${fmtRatio(r.value)}×`;
}

function printResults(results: TargetResult[]): void {
  const rows: TableRow[] = results.map((r) => [
    r.label,
    r.peer,
    r.oursMs === undefined ? "" : fmtTime(r.oursMs),
    r.peerMs === undefined ? "" : fmtTime(r.peerMs),
    r.oursEncDec ? `${fmtTime(r.oursEncDec[0])} / ${fmtTime(r.oursEncDec[1])}` : "",
    r.peerEncDec ? `${fmtTime(r.peerEncDec[0])} / ${fmtTime(r.peerEncDec[1])}` : "",
    fmtValue(r),
    r.perRun.map((x) => x === null ? "n/a" : r.unit === "ms" ? x.toFixed(1) : fmtRatio(x)).join(
      " / ",
    ),
    r.limit === null ? "—" : r.unit === "ms" ? `≤ ${r.limit} ms` : `≤ ${r.limit}×`,
    r.limit === null ? "info" : r.pass ? "PASS" : "FAIL",
    r.oursSize === undefined ? "" : fmtInt(r.oursSize),
    r.peerSize === undefined ? "" : fmtInt(r.peerSize),
    r.oursSize && r.peerSize ? fmtRatio(r.oursSize / r.peerSize) : "",
    r.note,
  ]);
  console.log(
    renderTable(
      [
        "payload",
        "peer",
        "ours rt",
        "peer rt",
        "ours enc / dec",
        "peer enc / dec",
        "ratio",
        "per run",
        "target",
        "verdict",
        "ours B",
        "peer B",
        "size ÷",
        "note",
      ],
      ["l", "l", "r", "r", "r", "r", "r", "l", "r", "l", "r", "r", "r", "l"],
      rows,
    ),
  );
  console.log(
    "rt = round trip (encode + decode medians; structuredClone measured directly), median over " +
      "runs; ours B / peer B = bytes of one encoding (functions: one message of " +
      `${FUNCTIONS_PER_MESSAGE}).`,
  );
}
