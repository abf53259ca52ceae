/**
 * Exact scope identity on V8 (the `exactScopes` option): the inspector's `[[Scopes]]` shows
 * copies of a closure's scopes without identity, so two scope instances holding equal values
 * look alike. A heap snapshot tells them apart: each closure has a `context` edge to its
 * innermost context, contexts link outwards through `previous`, and their `context` edges
 * name the variables they hold. Taken once per pickling call (0.2-0.6 s: the whole heap is
 * serialized; V8 sends it asynchronously, so this is for the async forms).
 *
 * @module
 */

import type { ReadScopes, ScopeSnapshot } from "../adapter.ts";
import { inspectorStash, STASH_LOOKUP as LOOKUP, withInspectorAsync } from "./session.ts";

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; edge_fields: string[]; edge_types: unknown[] } };
  nodes: number[];
  edges: number[];
  strings: string[];
}

/**
 * The reads of `reads` with each scope given its real identity (one object per scope
 * instance), where the heap shows it; scopes it cannot place keep matching by content.
 */
export async function withExactIdentities(
  reads: ReadonlyMap<object, ReadScopes>,
): Promise<Map<object, ReadScopes>> {
  const fns = [...reads.keys()];
  const stash = inspectorStash();
  const { heap, ids } = await withInspectorAsync(async ({ call, post, on }) => {
    const chunks: string[] = [];
    on("HeapProfiler.addHeapSnapshotChunk", (p) => {
      chunks.push((p as { chunk: string }).chunk);
    });
    call("HeapProfiler.enable", {});
    try {
      await post("HeapProfiler.takeHeapSnapshot", { reportProgress: false });
      const ids: (number | undefined)[] = [];
      for (const fn of fns) {
        stash.set(0, fn);
        const ev = call("Runtime.evaluate", { expression: LOOKUP, objectGroup: "cloudpickle" });
        const objectId = (ev.result as { objectId?: string } | undefined)?.objectId;
        const r = objectId === undefined ? {} : call("HeapProfiler.getHeapObjectId", { objectId });
        const id = Number((r as { heapSnapshotObjectId?: string }).heapSnapshotObjectId);
        ids.push(Number.isFinite(id) ? id : undefined);
      }
      return { heap: JSON.parse(chunks.join("")) as Snapshot, ids };
    } finally {
      stash.delete(0);
      call("HeapProfiler.disable", {});
    }
  });
  const graph = index(heap);
  const tokens = new Map<number, object>();
  const out = new Map<object, ReadScopes>();
  fns.forEach((fn, i) => {
    const read = reads.get(fn)!;
    const node = ids[i] === undefined ? undefined : graph.byId.get(ids[i]!);
    out.set(fn, node === undefined ? read : place(read, graph.contexts(node), tokens));
  });
  return out;
}

/** The read with identities: each scope matched, in order, to a context holding its names. */
function place(
  read: ReadScopes,
  contexts: { id: number; names: Set<string> }[],
  tokens: Map<number, object>,
): ReadScopes {
  let at = 0;
  const chain = read.chain.map((snap): ScopeSnapshot => {
    if (snap.names.length === 0 || !/^(Closure|Block|Catch)/.test(snap.kind)) return snap;
    for (let j = at; j < contexts.length; j++) {
      const c = contexts[j];
      if (!holds(c.names, snap)) continue;
      at = j + 1;
      let token = tokens.get(c.id);
      if (token === undefined) tokens.set(c.id, token = {});
      return { ...snap, identity: token, byContent: false };
    }
    return snap;
  });
  return { ...read, chain };
}

/**
 * Whether a context whose edges name `names` is the scope `snap` shows: it names no variable
 * the scope lacks, and each variable of the scope is named, or holds a value the snapshot
 * has no edge for (a small integer is no heap object: a context holding only `let c = 0`
 * shows no variable at all).
 */
function holds(names: ReadonlySet<string>, snap: ScopeSnapshot): boolean {
  for (const n of names) if (!snap.names.includes(n)) return false;
  for (let i = 0; i < snap.names.length; i++) {
    if (!names.has(snap.names[i]) && !smallInteger(snap.values[i])) return false;
  }
  return true;
}

/** A number V8 may keep unboxed (a Smi: 31 or 32 bits, by build). */
function smallInteger(v: unknown): boolean {
  return typeof v === "number" && Number.isInteger(v) && v >= -(2 ** 31) && v < 2 ** 31 &&
    !Object.is(v, -0);
}

/** Nodes by heap id, and the context chain of a closure node. */
function index(heap: Snapshot): {
  byId: Map<number, number>;
  contexts(node: number): { id: number; names: Set<string> }[];
} {
  const meta = heap.snapshot.meta;
  const nf = meta.node_fields.length;
  const ef = meta.edge_fields.length;
  const idOff = meta.node_fields.indexOf("id");
  const countOff = meta.node_fields.indexOf("edge_count");
  const typeOff = meta.edge_fields.indexOf("type");
  const nameOff = meta.edge_fields.indexOf("name_or_index");
  const toOff = meta.edge_fields.indexOf("to_node");
  const edgeTypes = meta.edge_types[0] as string[];
  const CONTEXT = edgeTypes.indexOf("context");
  const INTERNAL = edgeTypes.indexOf("internal");
  const { nodes, edges, strings } = heap;
  const byId = new Map<number, number>();
  const firstEdge: number[] = [];
  for (let n = 0, e = 0; n < nodes.length; n += nf) {
    byId.set(nodes[n + idOff], n);
    firstEdge.push(e);
    e += nodes[n + countOff] * ef;
  }
  /** The edges of the node at offset `n`, as [type, name, to] triples. */
  const edgesOf = function* (n: number): Generator<[number, number, number]> {
    const start = firstEdge[n / nf];
    const end = start + nodes[n + countOff] * ef;
    for (let e = start; e < end; e += ef) {
      yield [edges[e + typeOff], edges[e + nameOff], edges[e + toOff]];
    }
  };
  const internal = (n: number, name: string): number | undefined => {
    for (const [type, nameIndex, to] of edgesOf(n)) {
      if (type === INTERNAL && strings[nameIndex] === name) return to;
    }
    return undefined;
  };
  return {
    byId,
    contexts(node: number): { id: number; names: Set<string> }[] {
      const out: { id: number; names: Set<string> }[] = [];
      const seen = new Set<number>();
      for (let c = internal(node, "context"); c !== undefined && !seen.has(c);) {
        seen.add(c);
        const names = new Set<string>();
        for (const [type, nameIndex] of edgesOf(c)) {
          if (type === CONTEXT) names.add(strings[nameIndex]);
        }
        out.push({ id: nodes[c + idOff], names });
        c = internal(c, "previous");
      }
      return out;
    },
  };
}
