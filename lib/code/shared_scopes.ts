/**
 * Scope sharing from what the V8 inspector shows: it gives snapshots of each function's
 * scopes without their identity, so scopes are matched by content.
 *
 * @module
 */

import { type Analysis, analyze } from "./analyze.ts";
import { ScopeRecord } from "./captures.ts";
import type { ReadScopes } from "../runtime/adapter.ts";

const fnToString = Function.prototype.toString;

/**
 * Groups what the scope adapter read into shared scope records: two functions whose
 * scopes show the same kind, the same variables and the same values are taken as closures
 * of one scope (the runtime has no scope identity to ask), so they share it after loading.
 */
export function sharedScopes(reads: Map<object, ReadScopes>): Map<object, ScopeRecord> {
  const instances: {
    kind: string;
    names: readonly string[];
    values: readonly unknown[];
    rec: ScopeRecord;
  }[] = [];
  const byIdentity = new Map<object, ScopeRecord>();
  const instance = (
    kind: string,
    names: readonly string[],
    values: readonly unknown[],
    identity: object | undefined,
  ) => {
    if (identity !== undefined) {
      // The scope's real identity is known (exactScopes): one record per scope instance.
      let rec = byIdentity.get(identity);
      if (rec === undefined) {
        rec = new ScopeRecord([], [], null);
        byIdentity.set(identity, rec);
        instances.push({ kind, names, values, rec });
      }
      return rec;
    }
    outer: for (const it of instances) {
      if (it.kind !== kind || it.names.length !== names.length) continue;
      for (let i = 0; i < names.length; i++) {
        if (it.names[i] !== names[i] || !Object.is(it.values[i], values[i])) continue outer;
      }
      return it.rec;
    }
    const rec = new ScopeRecord([], [], null);
    instances.push({ kind, names, values, rec });
    return rec;
  };
  const out = new Map<object, ScopeRecord>();
  for (const [fn, read] of reads) {
    let an: Analysis;
    try {
      an = analyze(fnToString.call(fn));
    } catch {
      continue;
    }
    let first = Infinity;
    for (const v of an.free) {
      const at = read.found.get(v);
      if (at !== undefined && at < first) first = at;
    }
    if (first === Infinity) continue;
    const recs: ScopeRecord[] = [];
    for (let i = first; i < read.chain.length; i++) {
      const snap = read.chain[i];
      const rec = instance(snap.kind, snap.names, snap.values, snap.identity);
      // Two scopes of one chain are never one scope, though their content may match (the
      // head of a `for (let …)` loop and its first iteration's copy hold the same values).
      recs.push(recs.includes(rec) ? new ScopeRecord([], [], null) : rec);
    }
    for (let i = 0; i + 1 < recs.length; i++) recs[i].parent ??= recs[i + 1];
    for (const v of an.free) {
      const at = read.found.get(v);
      if (at === undefined) continue;
      const rec = recs[at - first];
      if (rec.names.includes(v)) continue;
      const snap = read.chain[at];
      rec.names.push(v);
      const value = snap.values[snap.names.indexOf(v)];
      rec.values.push(value);
    }
    out.set(fn, recs[0]);
  }
  // Scopes none of whose variables is used are skipped over in the parent chains.
  for (const it of instances) {
    let p = it.rec.parent;
    while (p !== null && p.names.length === 0) p = p.parent;
    it.rec.parent = p;
  }
  return out;
}
