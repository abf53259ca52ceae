/**
 * The exactness case: what the checks that make a pickle exact cost on their own, for the 10k
 * records of case 2, against node:v8's whole `serialize` in the same run. The pickler must do
 * each of them for every object before it writes a byte of it:
 *
 * - a memo entry per object (shared references and cycles), one `Map` lookup-or-insert;
 * - for a plain object: not a Proxy, its own names and symbols, extensible, and a descriptor
 *   per property (non-writable, non-enumerable, non-configurable and accessor properties are
 *   kept; node:v8 drops them or calls the getter);
 * - for an array: not a Proxy, no holes, no named or symbol properties, extensible, a
 *   writable length.
 *
 * When their sum alone comes near node:v8's time, no exact pickler written in JavaScript can
 * encode as fast as node:v8 on that engine: the table shows by how much.
 *
 * @module
 */

import { types } from "node:util";
import { serialize } from "node:v8";
import { dumpsSync } from "../mod.ts";
import { buildCases } from "./cases.ts";
import {
  calibrate,
  fmtRatio,
  fmtTime,
  renderTable,
  runInterleaved,
  sink,
  summarize,
  type TableRow,
} from "./harness.ts";

type Rec = Record<string, unknown>;
type Upsert = { getOrInsert(key: unknown, value: number): number };

const isProxy = types.isProxy;
const getOwnPropertyNames = Object.getOwnPropertyNames;
const getOwnPropertySymbols = Object.getOwnPropertySymbols;
const getOwnPropertyDescriptor = Object.getOwnPropertyDescriptor;
const isExtensible = Object.isExtensible;

function memoEntries(objects: readonly object[]): number {
  const memo = new Map<unknown, number>();
  const upsert = memo as unknown as Partial<Upsert>;
  let next = 0;
  for (const o of objects) {
    if (upsert.getOrInsert !== undefined) {
      if (upsert.getOrInsert(o, next) === next) next++;
    } else if (memo.get(o) === undefined) {
      memo.set(o, next++);
    }
  }
  return next;
}

function objectProofs(records: readonly Rec[]): number {
  let simple = 0;
  for (const o of records) {
    if (isProxy(o)) continue;
    const names = getOwnPropertyNames(o);
    if (getOwnPropertySymbols(o).length !== 0 || !isExtensible(o)) continue;
    let ok = true;
    for (let i = 0; ok && i < names.length; i++) {
      const d = getOwnPropertyDescriptor(o, names[i])!;
      ok = d.writable === true && d.enumerable === true && d.configurable === true;
    }
    if (ok) simple++;
  }
  return simple;
}

function arrayProofs(arrays: readonly unknown[][]): number {
  let simple = 0;
  for (const a of arrays) {
    if (isProxy(a)) continue;
    const len = a.length;
    const keys = Object.keys(a);
    if (keys.length !== len || (len !== 0 && keys[len - 1] !== String(len - 1))) continue;
    if (getOwnPropertySymbols(a).length !== 0 || !isExtensible(a)) continue;
    if (getOwnPropertyDescriptor(a, "length")!.writable === true) simple++;
  }
  return simple;
}

/** Runs the case and prints its table. */
export function runExactnessCase(budgetMs: number): void {
  const value = buildCases().find((c) => c.id === "records")!.build() as Rec[];
  const arrays = value.map((r) => r.tags as unknown[]);
  const objects: object[] = [];
  for (const r of value) objects.push(r, r.tags as object);
  const labels = [
    "node:v8 serialize (whole encode)",
    "cloudpickle dumpsSync (whole encode)",
    "memo: a Map entry per object (20k)",
    "plain-object proof (10k records)",
    "array proof (10k tag arrays)",
  ];
  const fns = [
    () => serialize(value),
    () => dumpsSync(value),
    () => memoEntries(objects),
    () => objectProofs(value),
    () => arrayProofs(arrays),
  ];
  const tasks = fns.map((fn) => calibrate(() => sink(fn()), budgetMs));
  runInterleaved(tasks, budgetMs);
  const ms = tasks.map((t) => summarize(t).msPerOp);
  const v8 = ms[0];
  const checks = ms[2] + ms[3] + ms[4];
  const rows: TableRow[] = labels.map((label, i) => [label, fmtTime(ms[i]), fmtRatio(ms[i] / v8)]);
  rows.push(null, ["the three checks together", fmtTime(checks), fmtRatio(checks / v8)]);
  console.log("\nexactness case: what exact pickling must check before writing, 10k records");
  console.log(renderTable(["part", "time/op", "÷ v8 serialize"], ["l", "r", "r"], rows));
  console.log(
    `  the checks alone take ${fmtRatio(checks / v8)}x node:v8's whole encode; ` +
      `writing the bytes comes on top`,
  );
}
