/**
 * Timing and table printing.
 *
 * Method: every timed function (a "task": one peer's encode, decode or round
 * trip on one case) is first warmed up for ~25% of the budget, which also
 * estimates its cost and fixes a batch size (~budget/9 ms per batch). Then
 * all tasks of a case are timed *interleaved*: each round (started with a
 * forced GC where the runtime allows it) runs one batch of every task, with
 * the starting task rotated each round, until every task has had about
 * `budgetMs` of batches. The result of a task is the median per-op time over
 * its batches. Interleaving spreads machine noise (2 shared cores) evenly over
 * the peers of a case, so ratios within a run are meaningful; absolute
 * numbers are not.
 *
 * @module
 */

/** Result of one measurement. */
export interface Timing {
  /** Median milliseconds per operation over all batches. */
  readonly msPerOp: number;
  /** Inter-quartile range of the batch times, relative to the median. */
  readonly spread: number;
  /** Number of batches timed. */
  readonly batches: number;
  /** Total operations timed (excluding warm-up). */
  readonly ops: number;
}

let sinkSlot: unknown = undefined;

/** Keep results alive so the engine cannot drop the call as dead code. */
export function sink(value: unknown): void {
  sinkSlot = value;
}

/** Read the sink (only so the slot is observable). */
export function sinkValue(): unknown {
  return sinkSlot;
}

const now = (): number => performance.now();

/**
 * Full GC when the runtime exposes one (Bun.gc, or globalThis.gc under
 * `deno run --v8-flags=--expose-gc`, which scripts/bench.mjs passes).
 */
export function collectGarbage(): void {
  const g = globalThis as Record<string, unknown>;
  const bun = g.Bun as { gc?: (force: boolean) => void } | undefined;
  if (typeof bun?.gc === "function") bun.gc(true);
  else if (typeof g.gc === "function") (g.gc as () => void)();
}

/** Whether {@link collectGarbage} can actually force a GC. */
export function gcAvailable(): boolean {
  const g = globalThis as Record<string, unknown>;
  const bun = g.Bun as { gc?: unknown } | undefined;
  return typeof bun?.gc === "function" || typeof g.gc === "function";
}

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 1) return sorted[0];
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

const TARGET_BATCHES = 9;

/** A function being timed, with its calibration and collected samples. */
export interface Task {
  readonly fn: () => unknown;
  /** Ops per batch; grown after a batch that ran much shorter than planned. */
  batchSize: number;
  /** Planned duration of one batch in ms. */
  readonly batchMs: number;
  /** Estimated ms per op from the warm-up. */
  readonly estimate: number;
  /** Per-op ms of each timed batch. */
  readonly samples: number[];
  /** Total ms spent in timed batches. */
  spent: number;
  /** Total ops run in timed batches. */
  ops: number;
}

/** Warm `fn` up (~25% of the budget, at least one call) and size batches. */
export function calibrate(fn: () => unknown, budgetMs: number): Task {
  const warmMs = Math.max(budgetMs * 0.25, 2);
  let calls = 0;
  const w0 = now();
  do {
    sink(fn());
    calls++;
  } while (now() - w0 < warmMs);
  const estimate = Math.max((now() - w0) / calls, 1e-6);
  const batchMs = budgetMs / TARGET_BATCHES;
  const batchSize = Math.max(1, Math.round(batchMs / estimate));
  return { fn, batchSize, batchMs, estimate, samples: [], spent: 0, ops: 0 };
}

function runBatch(task: Task): void {
  const { fn, batchSize } = task;
  const s = now();
  for (let i = 0; i < batchSize; i++) sink(fn());
  const elapsed = now() - s;
  task.samples.push(elapsed / batchSize);
  task.spent += elapsed;
  task.ops += batchSize;
  // The warm-up estimate includes compilation, so it is often too high:
  // resize batches that came out much shorter than planned.
  if (elapsed < task.batchMs / 2) {
    const grow = elapsed > 0 ? task.batchMs / elapsed : 10;
    task.batchSize = Math.max(1, Math.round(batchSize * Math.min(grow, 10)));
  }
}

/**
 * Time all tasks interleaved (see module doc) until each has spent about
 * `budgetMs` in timed batches and has at least 5 batches (3 for operations
 * slower than a third of the budget).
 */
export function runInterleaved(tasks: readonly Task[], budgetMs: number): void {
  const needs = (t: Task): boolean => {
    const minBatches = t.estimate * 3 > budgetMs ? 3 : 5;
    return t.samples.length < minBatches ||
      (t.spent < budgetMs && t.samples.length < 99);
  };
  for (let round = 0; tasks.some(needs); round++) {
    collectGarbage();
    for (let i = 0; i < tasks.length; i++) {
      const t = tasks[(i + round) % tasks.length];
      if (needs(t)) runBatch(t);
    }
  }
}

/** Median and spread of a task's batches. */
export function summarize(task: Task): Timing {
  const sorted = [...task.samples].sort((a, b) => a - b);
  const med = quantile(sorted, 0.5);
  const iqr = quantile(sorted, 0.75) - quantile(sorted, 0.25);
  return {
    msPerOp: med,
    spread: med > 0 ? iqr / med : 0,
    batches: sorted.length,
    ops: task.ops,
  };
}

// ---------------------------------------------------------------------------
// formatting

/** Format a duration given in milliseconds with 3 significant digits. */
export function fmtTime(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return "";
  const sig = (x: number): string =>
    x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2);
  if (ms < 1e-3) return `${sig(ms * 1e6)} ns`;
  if (ms < 1) return `${sig(ms * 1e3)} µs`;
  if (ms < 1e3) return `${sig(ms)} ms`;
  return `${sig(ms / 1e3)} s`;
}

/** Format a ratio with two decimals. */
export function fmtRatio(r: number | undefined): string {
  if (r === undefined || !Number.isFinite(r)) return "";
  return r.toFixed(2);
}

/** Format an integer with thousands separators. */
export function fmtInt(n: number | undefined): string {
  if (n === undefined || !Number.isFinite(n)) return "";
  return String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/** Column alignment. */
export type Align = "l" | "r";

/** A table row: cells, or `null` for a separator line. */
export type TableRow = readonly string[] | null;

/** Render a plain-text table (monospace, pipe separated). */
export function renderTable(
  headers: readonly string[],
  align: readonly Align[],
  rows: readonly TableRow[],
): string {
  const width = headers.map((h) => [...h].length);
  for (const row of rows) {
    if (row === null) continue;
    row.forEach((cell, i) => {
      width[i] = Math.max(width[i], [...cell].length);
    });
  }
  const pad = (cell: string, i: number): string => {
    const gap = " ".repeat(width[i] - [...cell].length);
    return align[i] === "r" ? gap + cell : cell + gap;
  };
  const line = (cells: readonly string[]): string => "| " + cells.map(pad).join(" | ") + " |";
  const sep = "|" + width.map((w) => "-".repeat(w + 2)).join("|") + "|";
  const out = [line(headers), sep];
  rows.forEach((row, i) => {
    if (row === null) {
      if (i !== 0 && i !== rows.length - 1) out.push(sep);
    } else {
      out.push(line(row));
    }
  });
  return out.join("\n");
}
