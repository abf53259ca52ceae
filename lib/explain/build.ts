/**
 * Turns what the recorder saw during the walk that wrote the pickle into the plain report
 * ({@linkcode Explanation}): the tree with each node's bytes, the flat lists of functions,
 * scopes, buffers and modules, and the largest contributors.
 *
 * @module
 */

import { FLAG_MODULES } from "../format/tags.ts";
import { readHeader } from "../format/header.ts";
import { readModuleTable } from "../format/module_table.ts";
import { isBun, isDeno } from "../host.ts";
import type { Node, Recorder } from "./recorder.ts";
import type { ScopeRecord } from "../code/captures.ts";
import { describe } from "./describe.ts";
import { verdict } from "./reasons.ts";
import type { Location } from "./located.ts";
import { explicitCaptures } from "../code/captures.ts";
import { loadedFunction } from "../code/loaded.ts";
import type {
  Contributor,
  ExplainedFunction,
  ExplainedModule,
  ExplainedScope,
  ExplainNode,
  Explanation,
} from "./types.ts";

/** Default number of largest contributors listed. */
const TOP = 10;

/** The runtime, as the report names it. */
function runtimeName(): string {
  const g = globalThis as {
    Deno?: { version?: { deno?: string } };
    Bun?: { version?: string };
    process?: { versions?: { node?: string } };
  };
  if (isDeno()) return `Deno ${g.Deno?.version?.deno ?? ""}`.trim();
  if (isBun()) return `Bun ${g.Bun?.version ?? ""}`.trim();
  return `Node ${g.process?.versions?.node ?? ""}`.trim();
}

/** Functions and classes by value for no module's sake: those whose defining module helps. */
export function unexplained(rec: Recorder): object[] {
  return preorder(rec.root)
    .filter((n) =>
      n.an !== undefined && n.byValue === undefined && n.ref === undefined &&
      loadedFunction(n.value as object) === undefined &&
      explicitCaptures(n.value as object) === undefined
    )
    .map((n) => n.value as object);
}

/** Nodes in pre-order (parents before children), without recursion. */
function preorder(root: Node): Node[] {
  const out: Node[] = [];
  const stack: Node[] = [root];
  while (stack.length > 0) {
    const n = stack.pop()!;
    out.push(n);
    for (let i = n.children.length - 1; i >= 0; i--) stack.push(n.children[i]);
  }
  return out;
}

/**
 * The report of a pickle: `rec` recorded the walk that wrote `pickle`; `root` is the
 * module root of the call (for module names), `top` how many contributors to list.
 */
export function buildExplanation(
  rec: Recorder,
  pickle: Uint8Array,
  root: string | undefined,
  top: number = TOP,
  where?: ReadonlyMap<object, Location>,
): Explanation {
  const order = preorder(rec.root);
  // Bytes with children, children first.
  for (let i = order.length - 1; i >= 0; i--) {
    const n = order[i];
    let sum = n.self;
    for (const c of n.children) sum += c.bytes;
    n.bytes = sum;
  }
  // (Records of no variable keep the nesting of scopes in the pickle: not shown.)
  const ids = (records: readonly ScopeRecord[] | undefined) =>
    records?.filter((r) => r.names.length > 0).map((r) => rec.records.get(r)?.id ?? 0)
      .filter((id) => id > 0);
  const built = new Map<Node, ExplainNode>();
  const functions: ExplainedFunction[] = [];
  for (const n of order) {
    const v = verdict(n, root, where);
    const out: ExplainNode = {
      kind: n.kind,
      name: n.name,
      path: n.path,
      value: describe(n.value),
      bytes: n.bytes,
      selfBytes: n.self,
      children: [],
    };
    if (v !== undefined) {
      out.travel = v.travel;
      out.reason = v.reason;
      out.why = v.why;
      if (v.module !== undefined) out.module = v.module;
      if (v.export !== undefined) out.export = v.export;
    }
    const scopes = ids(n.scopes);
    if (scopes !== undefined && scopes.length > 0) out.scopes = scopes;
    if (n.kind === "variable") {
      const id = n.record === undefined ? undefined : rec.records.get(n.record)?.id;
      if (id !== undefined) out.scope = id;
      if (n.from !== undefined) out.from = n.from;
    }
    if (n.kind === "class") {
      const d = Object.getOwnPropertyDescriptor(n.value as object, "prototype");
      const count = d !== undefined && "value" in d ? rec.instances.get(d.value) : undefined;
      if (count !== undefined) out.instances = count;
    }
    built.set(n, out);
    if ((n.kind === "function" || n.kind === "class") && v !== undefined && v.reason !== "seen") {
      const f: ExplainedFunction = {
        path: n.path,
        name: n.name,
        kind: n.kind,
        travel: v.travel,
        reason: v.reason,
        bytes: n.bytes,
      };
      if (v.module !== undefined) f.module = v.module;
      if (v.export !== undefined) f.export = v.export;
      functions.push(f);
    }
  }
  for (const n of order) {
    const out = built.get(n)!;
    for (const c of n.children) out.children.push(built.get(c)!);
  }
  const scopes: ExplainedScope[] = [];
  for (const [r, info] of rec.records) {
    if (r.names.length === 0) continue;
    const variables = rec.variablesOf(r).map((v) => ({
      name: v.name,
      bytes: v.bytes,
      from: v.from ?? "scope",
    }));
    const s: ExplainedScope = {
      id: info.id,
      variables,
      functions: info.functions.map((f) => f.path),
      shared: info.functions.length > 1,
      bytes: variables.reduce((a, v) => a + v.bytes, 0),
    };
    let up = r.parent;
    while (up !== null && up.names.length === 0) up = up.parent;
    const parent = up === null ? undefined : rec.records.get(up)?.id;
    if (parent !== undefined) s.parent = parent;
    scopes.push(s);
  }
  const largest: Contributor[] = order
    .filter((n) => n.self > 0)
    .sort((a, b) => b.self - a.self)
    .slice(0, Math.max(0, top))
    .map((n) => ({
      path: n.path,
      kind: n.kind,
      name: n.name,
      value: built.get(n)!.value,
      selfBytes: n.self,
      bytes: n.bytes,
    }));
  return {
    runtime: runtimeName(),
    bytes: pickle.length,
    overheadBytes: pickle.length - rec.root.bytes,
    root: built.get(rec.root)!,
    functions,
    scopes,
    buffers: rec.buffers.map((b) => ({ ...b })),
    modules: moduleTable(rec, pickle),
    largest,
  };
}

/** The pickle's module table, with what the value takes from each module. */
function moduleTable(rec: Recorder, pickle: Uint8Array): ExplainedModule[] {
  const header = readHeader(pickle);
  if (header === undefined || !(header.flags & FLAG_MODULES)) return [];
  const { specs } = readModuleTable(pickle, header.bodyStart, header.bodyEnd);
  return specs.map((module) => ({
    module,
    uses: rec.moduleUses
      .filter((u) => u.module === module)
      .map((u) => ({ export: u.export, path: u.path })),
  }));
}
