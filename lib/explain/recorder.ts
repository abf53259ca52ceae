/**
 * The recorder behind {@linkcode explain}: an {@linkcode EncodeObserver} that builds a tree
 * of the value's parts (functions and classes, their captured variables, the root value's
 * children) while the pickler writes it, and gives each part the bytes written while it was
 * the one being written. Every byte goes to exactly one node: the node current when it was
 * written, where the frames of the walk belong to the node that pushed them. The decisions
 * (by value or by reference, and why) are the pickler's own, reported through the hook.
 *
 * @module
 */

import type { EncodeObserver } from "../pickle/observer.ts";
import {
  type EncodeFrame,
  type Encoder,
  F_ARRAY,
  F_LIST,
  S_DEFINITION,
  S_PROTO,
  S_SCOPE,
} from "../pickle/encoder.ts";
import { writeValue } from "../pickle/dispatch.ts";
import { segment } from "../pickle/paths.ts";
import type { Analysis } from "../code/analyze.ts";
import type { ScopeRecord } from "../code/captures.ts";
import { explicitCaptures } from "../code/captures.ts";
import type { CaptureSource, NodeKind } from "./types.ts";
import { TDZ } from "../runtime/adapter.ts";

/** Children of the root value shown as nodes at most (a larger container is one node). */
const MAX_ITEMS = 256;

/** A node of the tree being built. */
export class Node {
  /** Bytes written while this node was current. */
  self = 0;
  /** Nodes inside it. */
  readonly children: Node[] = [];
  /** Functions: their analysis (by value). */
  an: Analysis | undefined;
  /** Functions by value: the scope records of their captures, innermost first. */
  scopes: ScopeRecord[] | undefined;
  /** Variables: the record holding them. */
  record: ScopeRecord | undefined;
  /** Variables: where the value came from. */
  from: CaptureSource | undefined;
  /** By reference: what the pickler wrote. */
  ref: { kind: "global" | "export" | "namespace"; module: string; path: string } | undefined;
  /** Exported by a module that goes by value: its URL and the BY_VALUE_* code. */
  byValue: { url: string; why: number } | undefined;
  /** Functions: the first tag written for them (a back-reference, a call…). */
  tag = -1;
  /** Its bytes with its children's (computed by the report). */
  bytes = 0;
  /** Functions: the node of the same function written earlier (a back-reference). */
  first: Node | undefined;

  constructor(
    public kind: NodeKind,
    readonly name: string,
    readonly path: string,
    readonly value: unknown,
  ) {}
}

/** What the report knows of one scope record. */
export interface RecordInfo {
  /** Its number, from 1. */
  id: number;
  /** The functions that close over it, in the order met. */
  functions: Node[];
  /** Where each of its variables came from. */
  from: Map<string, CaptureSource>;
}

/** A buffer that bufferCallback was asked about. */
export interface BufferSeen {
  outOfBand: boolean;
  index: number;
  byteLength: number;
  path: string;
}

/** A use of a module of the module table. */
export interface ModuleUse {
  module: string;
  export: string;
  path: string;
}

/** The identity of a frame's contents: a frame at the same level with other contents is new. */
function stampOf(f: EncodeFrame): unknown {
  return f.kind === F_ARRAY ? f.obj : (f.items ?? f.obj);
}

/** Records one call's walks; what the last walk recorded is the pickle's. */
export class Recorder implements EncodeObserver {
  /** The encoder of the walk. */
  enc: Encoder | undefined;
  /** The root node of the last walk. */
  root: Node = new Node("root", "root", "root", undefined);
  /** The node bytes go to now. */
  private cur: Node = this.root;
  /** Where the bytes not yet given to a node start. */
  private mark = 0;
  /** The node each frame of the stack belongs to, by level, and what the frame held then. */
  private owners: Node[] = [];
  private stamps: unknown[] = [];
  /** The last item node of a root-level frame (an entry's key, flags and value merge). */
  private lastItem: { stamp: unknown; label: string; node: Node } | undefined;
  /** Scope records met, in order. */
  readonly records: Map<ScopeRecord, RecordInfo> = new Map();
  /** Variable nodes by record and name. */
  private vars: Map<ScopeRecord, Map<string, Node>> = new Map();
  /** The first node of each function. */
  readonly fnNodes: Map<object, Node> = new Map();
  /** Records of captures no runtime scope holds (closure() captures, parents, globals). */
  private extrasRecords: WeakSet<ScopeRecord> = new WeakSet();
  /** Instances met, by prototype. */
  readonly instances: Map<unknown, number> = new Map();
  /** Module table uses. */
  readonly moduleUses: ModuleUse[] = [];
  /** Buffers bufferCallback was asked about (kept over the walks: it is asked once each). */
  readonly buffers: BufferSeen[] = [];
  private oobCount = 0;

  /** Starts recording a walk (or the resumption of one). */
  private begin(enc: Encoder, f: EncodeFrame): void {
    this.enc = enc;
    this.root = new Node("root", "root", "root", f.items?.[0]);
    this.cur = this.root;
    this.mark = enc.w.pos;
    this.owners.length = 0;
    this.stamps.length = 0;
    this.lastItem = undefined;
    this.records.clear();
    this.vars.clear();
    this.fnNodes.clear();
    this.instances.clear();
    this.moduleUses.length = 0;
  }

  /**
   * Gives the bytes written since the last sync to the current node, and the frames pushed
   * since to it too (frames above the highest level whose contents are unchanged).
   */
  private sync(): void {
    const enc = this.enc!;
    const pos = enc.w.pos;
    this.cur.self += pos - this.mark;
    this.mark = pos;
    const frames = enc.frames;
    for (let k = enc.top; k >= 0; k--) {
      const s = stampOf(frames[k]);
      if (this.stamps[k] === s) break;
      this.stamps[k] = s;
      this.owners[k] = this.cur;
    }
  }

  instance(proto: object): void {
    this.instances.set(proto, (this.instances.get(proto) ?? 0) + 1);
  }

  step(enc: Encoder, f: EncodeFrame): boolean {
    const t = enc.top;
    if (t === 0 && f.i === 0) this.begin(enc, f);
    this.sync();
    const owner = this.owners[t];
    this.cur = owner;
    if (f.i >= f.n) return false;
    let node: Node | undefined;
    if (f.kind === F_LIST && f.sub === S_SCOPE) {
      const rec = f.obj as ScopeRecord;
      node = this.variable(enc, rec, rec.names[f.i], owner, f);
    } else if (f.kind === F_LIST && f.sub === S_DEFINITION) {
      node = this.definitionValue(enc, f, owner);
    } else if (f.kind === F_LIST && f.sub === S_PROTO) {
      if (f.i === 0) this.instance(f.items![0] as object);
      return false;
    } else if (owner === this.root && t > 0 && f.obj === this.root.value && f.n <= MAX_ITEMS) {
      // (A function is a node of its own.)
      const v = (f.kind === F_ARRAY ? f.obj as unknown[] : f.items!)[f.i];
      if (typeof v !== "function") node = this.item(enc, f, owner);
    }
    if (node === undefined) return false;
    if (f.pre >= 0) {
      enc.w.varint(f.pre);
      f.pre = -1;
    }
    const i = f.i;
    f.i = i + 1;
    const v = (f.kind === F_ARRAY ? f.obj as unknown[] : f.items!)[i];
    this.sync();
    this.cur = node;
    writeValue(enc, v);
    this.sync();
    return true;
  }

  /** The node of a captured variable (one per record and name). */
  private variable(
    enc: Encoder,
    rec: ScopeRecord | undefined,
    name: string,
    owner: Node,
    f: EncodeFrame,
  ): Node {
    const key = rec ?? (f.obj as ScopeRecord);
    let byName = this.vars.get(key);
    if (byName === undefined) this.vars.set(key, byName = new Map());
    let node = byName.get(name);
    if (node === undefined) {
      const value = rec !== undefined && rec.values[f.i] === TDZ
        ? TDZ
        : (f.kind === F_ARRAY ? f.obj as unknown[] : f.items!)[f.i];
      node = new Node("variable", name, pathAfter(enc, f), value);
      node.record = rec;
      node.from = rec === undefined ? "scope" : this.records.get(rec)?.from.get(name) ?? "scope";
      owner.children.push(node);
      byName.set(name, node);
    }
    return node;
  }

  /** A value a class's definition reads: the node of that captured variable. */
  private definitionValue(enc: Encoder, f: EncodeFrame, owner: Node): Node {
    const name = f.keys![f.i];
    const fnNode = this.fnNodes.get(f.obj as object) ?? owner;
    const rec = fnNode.scopes?.find((r) => r.names.includes(name));
    return this.variable(enc, rec, name, fnNode, f);
  }

  /** A child of the root value: one node per path segment. */
  private item(enc: Encoder, f: EncodeFrame, owner: Node): Node | undefined {
    const label = segment(f, f.i);
    if (label === "") return undefined;
    const stamp = stampOf(f);
    const last = this.lastItem;
    if (last !== undefined && last.stamp === stamp && last.label === label) return last.node;
    const value = (f.kind === F_ARRAY ? f.obj as unknown[] : f.items!)[f.i];
    const node = new Node("item", label, pathAfter(enc, f), value);
    owner.children.push(node);
    this.lastItem = { stamp, label, node };
    return node;
  }

  fn(enc: Encoder, fn: object, write: (enc: Encoder, fn: object) => void): void {
    this.enc = enc;
    this.sync();
    const parent = this.cur;
    const node = new Node("function", nameOf(fn), enc.path(), fn);
    const start = enc.w.pos;
    parent.children.push(node);
    const first = this.fnNodes.get(fn);
    if (first === undefined) this.fnNodes.set(fn, node);
    else node.first = first;
    this.cur = node;
    try {
      write(enc, fn);
    } finally {
      this.sync();
      this.cur = parent;
      if (enc.w.pos > start) node.tag = enc.w.buf[start];
    }
  }

  reference(
    value: object,
    kind: "global" | "export" | "namespace",
    module: string,
    path: readonly string[],
    start: number,
  ): void {
    const enc = this.enc;
    if (enc === undefined) return;
    const ref = { kind, module, path: path.join(".") };
    let node = this.cur;
    if (node.value !== value) {
      // An object by reference: a leaf with the bytes from `start`.
      node = new Node("reference", nameOf(value), enc.path(), value);
      this.cur.self += start - this.mark;
      node.self = enc.w.pos - start;
      this.mark = enc.w.pos;
      this.cur.children.push(node);
    }
    node.ref = ref;
    if (kind !== "global") this.moduleUses.push({ module, export: ref.path, path: node.path });
  }

  byValue(value: object, url: string, why: number): void {
    // A function, or the namespace a variable or a child of the root holds.
    if (this.cur.value === value) this.cur.byValue = { url, why };
  }

  code(fn: object, an: Analysis, scope: ScopeRecord | null): void {
    const node = this.cur.value === fn ? this.cur : this.fnNodes.get(fn);
    if (node === undefined) return;
    node.an = an;
    if (an.form === "class") node.kind = "class";
    const chain: ScopeRecord[] = [];
    for (let r = scope; r !== null && !chain.includes(r); r = r.parent) chain.push(r);
    node.scopes = chain;
    for (const r of chain) {
      let info = this.records.get(r);
      if (info === undefined) {
        info = { id: this.records.size + 1, functions: [], from: this.sources(fn, an, r) };
        this.records.set(r, info);
      }
      if (!info.functions.includes(node)) info.functions.push(node);
    }
  }

  extras(rec: ScopeRecord): void {
    this.extrasRecords.add(rec);
  }

  /** Where the variables of `rec` come from, as the pickler chose them for `fn`. */
  private sources(fn: object, an: Analysis, rec: ScopeRecord): Map<string, CaptureSource> {
    const out = new Map<string, CaptureSource>();
    const given = explicitCaptures(fn);
    const enc = this.enc!;
    let all: CaptureSource = "scope";
    if (given !== undefined && enc.explicitScopes.get(given) === rec) all = "closure()";
    else if ([...enc.byLoaded.values()].includes(rec)) all = "loaded";
    const extra = this.extrasRecords.has(rec);
    for (const name of rec.names) {
      // The order of scope_records.ts `captured`: the given captures, the parent, a global.
      if (!extra) out.set(name, all);
      else if (given !== undefined && Object.hasOwn(given, name)) out.set(name, "closure()");
      else if (name === an.heritage) out.set(name, "parent class");
      else out.set(name, "global");
    }
    return out;
  }

  /** Wraps the caller's bufferCallback to note each buffer's answer and place. */
  bufferCallback(
    callback: (buffer: ArrayBuffer) => unknown,
  ): (buffer: ArrayBuffer) => unknown {
    return (buffer) => {
      const answer = callback(buffer);
      const outOfBand = !answer;
      this.buffers.push({
        outOfBand,
        index: outOfBand ? this.oobCount++ : -1,
        byteLength: buffer.byteLength,
        path: this.enc?.path() ?? "root",
      });
      return answer;
    };
  }

  /** The variable nodes of a scope record, in the order written. */
  variablesOf(rec: ScopeRecord): Node[] {
    return [...(this.vars.get(rec)?.values() ?? [])];
  }
}

/** The path of the child the frame `f` is about to write (its index is `f.i`). */
function pathAfter(enc: Encoder, f: EncodeFrame): string {
  f.i++;
  try {
    return enc.path();
  } finally {
    f.i--;
  }
}

/** A function's own name, read without running a getter. */
function nameOf(value: object): string {
  try {
    const d = Object.getOwnPropertyDescriptor(value, "name");
    return d !== undefined && typeof d.value === "string" ? d.value : "";
  } catch {
    return "";
  }
}
