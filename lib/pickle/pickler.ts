/**
 * The pickling walk: iterative (an explicit frame stack, no recursion proportional to the
 * value's depth), one memo for every object and unique symbol, repeated object shapes
 * written once. Writes the body of a pickle into a {@linkcode ByteWriter}.
 *
 * @module
 */

import { types } from "node:util";
import { ByteWriter } from "../format/writer.ts";
import * as T from "../format/tags.ts";
import { PicklingError } from "./errors.ts";
import { keySegment } from "./paths.ts";
import { reduce as REDUCE_SYMBOL, type Reduction } from "./options.ts";
import { globalPathOf } from "../code/globals.ts";
import { type Analysis, analyze } from "../code/analyze.ts";
import { explicitCaptures, ScopeRecord } from "../code/captures.ts";
import { FORM_CLASS, formCode, isDeclarable, memberCode } from "../code/functions.ts";
import { classId } from "../code/identity.ts";
import {
  constructorOf,
  functionKeys,
  isNative,
  ownPrototype,
  privateFieldsOf,
  prototypeKeys,
} from "../code/members.ts";
import { sharedScopes } from "../code/shared_scopes.ts";
import { originalSource } from "../code/private_state.ts";
import {
  constructs,
  denseValues,
  flagsOf,
  integrity,
  intrinsic,
  isBranded,
  isIndex,
  isLastIndex,
  isLengthTracking,
  never,
  sameKeys,
  stackAsData,
  stringOwnKeys,
  wellKnownSymbols,
} from "../values/inspect.ts";
import {
  type BoundParts,
  isBoundFunction,
  type PrivateFields,
  type ReadScopes,
  syncScopeReader,
  TDZ,
} from "../runtime/scopes.ts";
import * as K from "../values/kinds.ts";

const OBJECT_PROTO = Object.prototype;
const ARRAY_PROTO = Array.prototype;
const getPrototypeOf = Object.getPrototypeOf;
const getOwnPropertyNames = Object.getOwnPropertyNames;
const getOwnPropertySymbols = Object.getOwnPropertySymbols;
const getOwnPropertyDescriptor = Object.getOwnPropertyDescriptor;
const isExtensible = Object.isExtensible;
const isArray = Array.isArray;
const isProxy = types.isProxy;
const fnToString = Function.prototype.toString;

/** Frames kept for reuse between walks. */
const FRAME_POOL = 1024;

// Frame kinds of the walk.
const F_ARRAY = 0; // items are the array's elements
const F_OBJECT = 1; // items are obj[keys[i]]
const F_LIST = 2; // items is a flat list of values; `sub` says what they mean
// Sub-kinds of F_LIST (for error paths).
const S_ROOT = 0;
const S_MAP = 1;
const S_SET = 2;
const S_PROPS = 3;
const S_SPARSE = 4;
const S_REDUCE = 5;
const S_PROMISE = 6;
const S_PROTO = 7;
const S_SPARSE_DENSE = 8;
const S_SCOPE = 9;
const S_PRIVATE = 10;

/** Stands for a function whose scope the async form must read before walking again. */
const UNREAD: unique symbol = Symbol("unread");

class Frame {
  kind = 0;
  sub = 0;
  obj: unknown = null;
  items: unknown[] | null = null;
  keys: string[] | null = null;
  i = 0;
  n = 0;
  /** A count to write when the frame starts (property lists), or -1. */
  pre = -1;
  /** Set while a reduced object is under construction (REF to it would be a cycle). */
  reducing: object | null = null;
}

/** A node of the shape trie: the keys of a plain object, in order, written once per pickle. */
class ShapeNode {
  children: Map<string, ShapeNode> | undefined = undefined;
  epoch = -1;
  id = 0;
  child(key: string): ShapeNode {
    let c = this.children?.get(key);
    if (c === undefined) {
      c = new ShapeNode();
      (this.children ??= new Map()).set(key, c);
      shapeNodes++;
    }
    return c;
  }
}

let shapeRoots = [new ShapeNode(), new ShapeNode()];
let shapeNodes = 0;
let epochCounter = 0;

/** What the async form has already awaited: Blob bytes and settled promises. */
export type Settled =
  | { kind: "bytes"; bytes: Uint8Array }
  | { kind: "fulfilled"; value: unknown }
  | { kind: "rejected"; value: unknown };

/** The settings a walk needs from its caller. */
export interface WalkOptions {
  bufferCallback?: (buffer: ArrayBuffer) => unknown;
  reducerOverride?: (value: unknown) => Reduction | undefined;
  /** Async form: Blobs and Promises already awaited; undefined in the sync form. */
  settled?: Map<object, Settled>;
  /** Async form: closure scopes read so far by the runtime's scope adapter. */
  scopes?: Map<object, ReadScopes>;
  /** Async form: set when the runtime cannot read closure scopes, saying why. */
  scopesUnavailable?: string;
  /** Async form: what bound functions were made of, where the runtime shows it. */
  bound?: Map<object, BoundParts>;
  /** Async form: private fields of instances, where the runtime shows them. */
  privates?: Map<object, PrivateFields>;
}

/** One pickling walk; instances are reused between calls when idle. */
export class Walker {
  readonly w: ByteWriter = new ByteWriter();
  private frames: Frame[] = [];
  private top = -1;
  private memo = new Map<unknown, number>();
  private nextId = 0;
  private nextShape = 0;
  private epoch = 0;
  private opts: WalkOptions = {};
  /** Header flags collected while walking. */
  flags = 0;
  private lastNames: (string[] | null)[] = [null, null];
  private lastNode: (ShapeNode | null)[] = [null, null];
  /** Async form: Blobs and Promises met that still need awaiting. */
  unsettled: object[] = [];
  /** Async form: functions whose closure scopes still need reading. */
  unread: object[] = [];
  /** Scope records shared by the functions read from one real scope (async form). */
  private fnScopes = new Map<object, ScopeRecord>();
  /** Scope records of instrumented scopes, by scope identity. */
  private byIdentity = new Map<object, ScopeRecord>();
  /** The synchronous scope reader of this process (instrumented code), if any. */
  private syncReader: ((fn: object) => ReadScopes | undefined) | undefined;
  /** Scope records of closure() captures objects, one per object. */
  private explicitScopes = new Map<object, ScopeRecord>();
  /** True while a walk runs (a reducer may pickle re-entrantly). */
  busy = false;

  /** Writes `value` as a pickle body starting at the writer's current position. */
  walk(value: unknown, opts: WalkOptions): void {
    this.opts = opts;
    this.flags = 0;
    this.unsettled = [];
    this.unread = [];
    this.memo.clear();
    this.fnScopes = opts.scopes === undefined ? new Map() : sharedScopes(opts.scopes);
    this.explicitScopes.clear();
    this.byIdentity.clear();
    this.syncReader = syncScopeReader();
    this.nextId = 0;
    this.nextShape = 0;
    this.oobCount = 0;
    this.epoch = ++epochCounter;
    if (shapeNodes > 50_000) {
      shapeRoots = [new ShapeNode(), new ShapeNode()];
      shapeNodes = 0;
    }
    this.lastNames[0] = this.lastNames[1] = null;
    this.lastNode[0] = this.lastNode[1] = null;
    this.top = -1;
    try {
      this.push(F_LIST, S_ROOT, null, 1).items = [value];
      this.run();
    } finally {
      for (let i = 0; i <= this.top; i++) this.clear(this.frames[i]);
      this.top = -1;
      // A very deep value leaves a long pool of frames behind: keep a modest one.
      if (this.frames.length > FRAME_POOL) this.frames.length = FRAME_POOL;
      this.memo.clear();
      this.fnScopes = new Map();
      this.explicitScopes.clear();
      this.byIdentity.clear();
      this.opts = {};
    }
  }

  private clear(f: Frame): void {
    f.obj = null;
    f.items = null;
    f.keys = null;
    f.reducing = null;
  }

  private push(kind: number, sub: number, obj: unknown, n: number): Frame {
    const t = ++this.top;
    let f = this.frames[t];
    if (f === undefined) {
      f = new Frame();
      this.frames.push(f);
    }
    f.kind = kind;
    f.sub = sub;
    f.obj = obj;
    f.i = 0;
    f.n = n;
    f.pre = -1;
    return f;
  }

  private run(): void {
    const frames = this.frames;
    while (this.top >= 0) {
      const f = frames[this.top];
      if (f.i < f.n) {
        if (f.pre >= 0) {
          this.w.varint(f.pre);
          f.pre = -1;
        }
        const i = f.i++;
        let v: unknown;
        if (f.kind === F_ARRAY) v = (f.obj as unknown[])[i];
        else if (f.kind === F_OBJECT) v = (f.obj as Record<string, unknown>)[f.keys![i]];
        else v = f.items![i];
        this.value(v);
      } else {
        if (f.pre >= 0) {
          this.w.varint(f.pre);
          f.pre = -1;
        }
        this.clear(f);
        this.top--;
      }
    }
  }

  /** Writes one value; containers push a frame for their children. */
  private value(v: unknown): void {
    switch (typeof v) {
      case "number":
        this.w.number(v);
        return;
      case "string":
        this.w.string(v);
        return;
      case "boolean":
        this.w.byte(v ? T.TRUE : T.FALSE);
        return;
      case "undefined":
        this.w.byte(T.UNDEFINED);
        return;
      case "object":
        if (v === null) this.w.byte(T.NULL);
        else this.object(v);
        return;
      case "bigint":
        this.w.byte(v < 0n ? T.BIGINT_NEG : T.BIGINT_POS);
        this.w.bigintMagnitude(v < 0n ? -v : v);
        return;
      case "symbol":
        this.symbol(v);
        return;
      case "function":
        this.func(v as (...args: unknown[]) => unknown);
        return;
    }
  }

  private symbol(s: symbol): void {
    const key = Symbol.keyFor(s);
    if (key !== undefined) {
      this.w.byte(T.SYMBOL_FOR);
      this.w.string(key);
      return;
    }
    const known = wellKnownSymbols().get(s);
    if (known !== undefined) {
      this.w.byte(T.SYMBOL_WELL_KNOWN);
      this.w.string(known);
      return;
    }
    const id = this.memo.get(s);
    if (id !== undefined) {
      this.w.byte(T.REF);
      this.w.varint(id);
      return;
    }
    this.memo.set(s, this.nextId++);
    const d = s.description;
    if (d === undefined) {
      this.w.byte2(T.SYMBOL_UNIQUE, 0);
    } else {
      this.w.byte2(T.SYMBOL_UNIQUE, 1);
      this.w.string(d);
    }
  }

  /** Writes a back-reference when `o` was met before; true if it did. */
  private ref(o: object): boolean {
    const id = this.memo.get(o);
    if (id === undefined) return false;
    for (let i = 0; i <= this.top; i++) {
      if (this.frames[i].reducing === o) {
        this.fail(
          "cannot pickle a reference cycle through an object rebuilt by a reducer: " +
            "the object does not exist until its reducer's arguments are loaded",
        );
      }
    }
    this.w.byte(T.REF);
    this.w.varint(id);
    return true;
  }

  private func(fn: (...args: unknown[]) => unknown): void {
    if (this.ref(fn)) return;
    if (this.override(fn)) return;
    const path = globalPathOf(fn);
    if (path !== undefined) {
      this.global(fn, path);
      return;
    }
    this.byValue(fn);
  }

  /** A function by value: its source, its captured scope, its own properties. */
  private byValue(fn: (...args: unknown[]) => unknown): void {
    const name = fn.name ? ` '${fn.name}'` : "";
    if (isBoundFunction(fn)) {
      this.boundFunction(fn, name);
      return;
    }
    let source: string;
    let an: Analysis;
    try {
      source = originalSource(fn) ?? fnToString.call(fn);
      an = analyze(source);
    } catch (e) {
      this.fail(
        `cannot pickle function${name}: ${e instanceof Error ? e.message : String(e)} ` +
          "(native and bound functions are pickled only when reachable from globalThis)",
      );
    }
    const form = formCode(an);
    if (form === undefined) {
      this.fail(
        `cannot pickle method${name} alone: it uses private names (#…), which exist only ` +
          "inside its class",
      );
    }
    if (an.lexicalThis) {
      this.fail(
        `cannot pickle arrow function${name}: it uses the enclosing \`this\`, which the ` +
          "runtime does not expose; assign `this` to a variable outside the arrow and use that",
      );
    }
    if (an.usesSuper && form !== FORM_CLASS) {
      this.fail(
        `cannot pickle method${name} alone: it uses \`super\`, whose home object is not ` +
          "recoverable",
      );
    }
    const scope = this.captured(fn, an, name);
    if (scope === UNREAD) {
      this.w.byte(T.UNDEFINED);
      return;
    }
    this.memo.set(fn, this.nextId++);
    this.flags |= T.FLAG_CODE;
    const w = this.w;
    w.byte(T.FUNCTION);
    w.byte2(form, memberCode(an));
    w.string(source);
    if (form === FORM_CLASS) w.string(classId(fn, source));
    this.scope(scope);
    if (form === FORM_CLASS) this.definitionValues(an, scope);
    // The prototype's list is pushed first so that the function's own list is written first.
    const proto = ownPrototype(fn);
    if (proto === undefined) this.propsFrame(fn, [], null, T.INTEGRITY_EXTENSIBLE);
    else this.propsFrame(proto, prototypeKeys(fn, proto, an, source), null);
    this.propsFrame(fn, functionKeys(fn, an, source, proto !== undefined), null);
  }

  /**
   * A bound function, as the call that makes it again: Reflect.apply(bind, target,
   * [thisArg, ...args]). Its parts are read by the runtime's adapter (async form).
   */
  private boundFunction(fn: (...args: unknown[]) => unknown, name: string): void {
    const parts = this.opts.bound?.get(fn);
    if (parts === undefined) {
      if (this.opts.settled !== undefined && this.opts.scopesUnavailable === undefined) {
        this.unread.push(fn);
        this.w.byte(T.UNDEFINED);
        return;
      }
      this.fail(
        `cannot pickle bound function${name}: its target and arguments are not readable ` +
          (this.opts.settled === undefined
            ? "by the sync form (use the async dumps())"
            : `here (${this.opts.scopesUnavailable})`) +
          "; pickle the target function and its arguments instead",
      );
    }
    for (const k of Reflect.ownKeys(fn)) {
      if (k !== "name" && k !== "length") {
        this.fail(`cannot pickle bound function${name}: it has own property ${String(k)}`);
      }
    }
    this.reduction(fn, [
      Reflect.apply,
      [Function.prototype.bind, parts.target, [parts.thisArg, ...parts.args]],
    ]);
  }

  /**
   * The captured values a class reads while being defined (its parent, computed keys,
   * static initializers), written inline so the loader has them before it evaluates the
   * class; the scope's own list delivers them (again) with everything else.
   */
  private definitionValues(an: Analysis, scope: ScopeRecord | null): void {
    const names: string[] = [];
    const values: unknown[] = [];
    for (const n of an.definitionNames) {
      for (let rec = scope; rec !== null; rec = rec.parent) {
        const i = rec.names.indexOf(n);
        if (i >= 0) {
          names.push(n);
          values.push(rec.values[i]);
          break;
        }
      }
    }
    this.w.varint(names.length);
    for (let i = 0; i < names.length; i++) {
      this.w.string(names[i]);
      this.value(values[i]);
    }
  }

  /** A function's own `prototype` object, pickled as "the prototype of" that function. */
  private prototypeOf(proto: object, ctor: object): void {
    this.memo.set(proto, this.nextId++);
    this.w.byte(T.PROTOTYPE_OF);
    this.value(ctor);
  }

  /**
   * The scope record holding a function's free variables: read from the real scopes by
   * the runtime's adapter, else given with closure(), else left to the loading side's
   * globals. UNREAD (async form) when the adapter has yet to read it.
   */
  private captured(
    fn: object,
    an: Analysis,
    name: string,
  ): ScopeRecord | null | typeof UNREAD {
    const free = an.free;
    if (free.length === 0) return null;
    let read = this.opts.scopes?.get(fn);
    let fromScopes: ScopeRecord | null = null;
    if (read === undefined && this.syncReader !== undefined) {
      read = this.syncReader(fn);
      if (read !== undefined) fromScopes = this.identityScopes(an, read);
    } else if (read !== undefined) {
      fromScopes = this.fnScopes.get(fn) ?? null;
    }
    if (
      read === undefined && this.opts.settled !== undefined &&
      this.opts.scopesUnavailable === undefined
    ) {
      this.unread.push(fn);
      return UNREAD;
    }
    const given = explicitCaptures(fn);
    const extraNames: string[] = [];
    const extraValues: unknown[] = [];
    const missing: string[] = [];
    for (const v of free) {
      const at = read?.found.get(v);
      if (at !== undefined) {
        if (read!.uninitialized.includes(v)) {
          this.fail(
            `cannot pickle function${name}: its variable '${v}' is not initialized yet ` +
              "(it is used before its declaration ran)",
          );
        }
        continue;
      }
      if (given !== undefined && Object.hasOwn(given, v)) {
        extraNames.push(v);
        extraValues.push(given[v]);
      } else if (v === an.heritage && typeof getPrototypeOf(fn) === "function") {
        // `class C extends P`: P's value is C's parent, whether or not a scope shows it.
        extraNames.push(v);
        extraValues.push(getPrototypeOf(fn));
      } else if (!(v in globalThis) && !an.optional.has(v)) {
        missing.push(v);
      }
    }
    if (missing.length > 0) {
      const list = missing.map((m) => `'${m}'`).join(", ");
      const reason = this.opts.scopesUnavailable !== undefined
        ? ` (${this.opts.scopesUnavailable})`
        : this.opts.settled === undefined
        ? " (the sync form cannot read closure scopes: use the async dumps())"
        : "";
      this.fail(
        `cannot pickle function${name}: its free variable${missing.length > 1 ? "s" : ""} ` +
          `${list} could not be read${reason}; pass ${missing.length > 1 ? "them" : "it"} ` +
          `with closure({ ${missing.join(", ")} }, fn)`,
      );
    }
    if (extraNames.length === 0) return fromScopes;
    for (const n of extraNames) {
      if (!isDeclarable(n)) this.fail(`cannot capture a variable named '${n}'`);
    }
    if (
      fromScopes === null && given !== undefined && extraNames.every((n) => Object.hasOwn(given, n))
    ) {
      return this.explicitScope(given);
    }
    return new ScopeRecord(extraNames, extraValues, fromScopes);
  }

  /**
   * Scope records from a reader that knows scope identity (instrumented code): one record
   * per real scope instance, holding every variable of it that closures capture, so all
   * functions of that scope share it exactly.
   */
  private identityScopes(an: Analysis, read: ReadScopes): ScopeRecord | null {
    let first = Infinity;
    for (const v of an.free) {
      const at = read.found.get(v);
      if (at !== undefined && at < first) first = at;
    }
    if (first === Infinity) return null;
    let child: ScopeRecord | null = null;
    let innermost: ScopeRecord | null = null;
    for (let i = first; i < read.chain.length; i++) {
      const snap = read.chain[i];
      const key = snap.identity ?? snap;
      let rec = this.byIdentity.get(key);
      const fresh = rec === undefined;
      if (rec === undefined) {
        const values = snap.values.map((v) => (v === TDZ ? undefined : v));
        rec = new ScopeRecord(snap.names.slice(), values, null);
        this.byIdentity.set(key, rec);
      }
      if (child !== null) child.parent ??= rec;
      innermost ??= rec;
      if (!fresh) break; // its parents were linked when it was first met
      child = rec;
    }
    return innermost;
  }

  /** One scope record per closure() captures object, so its functions share it. */
  private explicitScope(captures: Record<string, unknown>): ScopeRecord {
    let rec = this.explicitScopes.get(captures);
    if (rec === undefined) {
      const names = Object.keys(captures);
      for (const n of names) {
        if (!isDeclarable(n)) this.fail(`cannot capture a variable named '${n}'`);
      }
      rec = new ScopeRecord(names, names.map((n) => captures[n]), null);
      this.explicitScopes.set(captures, rec);
    }
    return rec;
  }

  /** Writes a scope record (or a reference to it, or null). */
  private scope(rec: ScopeRecord | null): void {
    const w = this.w;
    if (rec === null) {
      w.byte(T.NULL);
      return;
    }
    const id = this.memo.get(rec);
    if (id !== undefined) {
      w.byte(T.REF);
      w.varint(id);
      return;
    }
    this.memo.set(rec, this.nextId++);
    w.byte(T.SCOPE);
    w.varint(rec.names.length);
    for (const n of rec.names) w.string(n);
    this.scope(rec.parent);
    if (rec.values.length > 0) {
      this.push(F_LIST, S_SCOPE, rec, rec.values.length).items = rec.values;
    }
  }

  private global(o: object, path: string): void {
    this.memo.set(o, this.nextId++);
    this.flags |= T.FLAG_CODE;
    this.w.byte(T.GLOBAL);
    this.w.string(path);
  }

  private override(o: object): boolean {
    const hook = this.opts.reducerOverride;
    if (hook === undefined) return false;
    let r: Reduction | undefined;
    try {
      r = hook(o);
    } catch (e) {
      if (e instanceof PicklingError) throw e;
      this.fail("reducerOverride threw", e);
    }
    if (r === undefined) return false;
    this.reduction(o, r);
    return true;
  }

  private object(o: object): void {
    if (this.ref(o)) return;
    if (this.opts.reducerOverride !== undefined && this.override(o)) return;
    const proto = getPrototypeOf(o);
    if (proto === OBJECT_PROTO) {
      this.plain(o as Record<string, unknown>, false);
    } else if (proto === ARRAY_PROTO && isArray(o)) {
      this.array(o as unknown[]);
    } else if (proto === null) {
      this.plain(o as Record<string, unknown>, true);
    } else {
      const kind = K.KIND_BY_PROTO.get(proto);
      if (kind === undefined) this.other(o);
      else this.builtin(o, kind, proto);
    }
  }

  private plain(o: Record<string, unknown>, nullProto: boolean): void {
    if (isProxy(o)) this.fail("a Proxy cannot be pickled: its behaviour lives in its handler");
    if (nullProto && types.isModuleNamespaceObject(o)) {
      this.fail("a module namespace object cannot be pickled by value");
    }
    const names = getOwnPropertyNames(o);
    let simple = getOwnPropertySymbols(o).length === 0 && isExtensible(o);
    for (let i = 0; simple && i < names.length; i++) {
      const d = getOwnPropertyDescriptor(o, names[i])!;
      if (d.writable !== true || d.enumerable !== true || d.configurable !== true) simple = false;
    }
    if (!simple) {
      if (typeof o[REDUCE_SYMBOL as unknown as string] === "function") {
        this.other(o);
        return;
      }
      const path = globalPathOf(o);
      if (path !== undefined) {
        this.global(o, path);
        return;
      }
      const ctor = constructorOf(o);
      if (ctor !== undefined) {
        this.prototypeOf(o, ctor);
        return;
      }
      this.w.byte(T.WITH_PROPS);
      this.propsFrame(o, Reflect.ownKeys(o), null);
      this.shape(o, nullProto, []);
      return;
    }
    this.shape(o, nullProto, names);
  }

  /** Writes a plain object's tag with its shape, and pushes its values. */
  private shape(o: object, nullProto: boolean, names: string[]): void {
    const n = names.length;
    // Arrays of records repeat one shape: try the last shape of this kind before the trie.
    const side = nullProto ? 1 : 0;
    const last = this.lastNames[side];
    let node: ShapeNode;
    if (last !== null && last.length === n && sameKeys(last, names)) {
      node = this.lastNode[side]!;
    } else {
      node = shapeRoots[side];
      for (let i = 0; i < n; i++) node = node.child(names[i]);
      this.lastNames[side] = names;
      this.lastNode[side] = node;
    }
    this.memo.set(o, this.nextId++);
    const w = this.w;
    if (node.epoch === this.epoch) {
      w.byte(nullProto ? T.NULL_OBJECT : T.OBJECT);
      w.varint(node.id);
    } else {
      node.epoch = this.epoch;
      node.id = this.nextShape++;
      w.byte(nullProto ? T.NULL_OBJECT_NEW_SHAPE : T.OBJECT_NEW_SHAPE);
      w.varint(n);
      for (let i = 0; i < n; i++) w.string(names[i]);
    }
    if (n > 0) this.push(F_OBJECT, 0, o, n).keys = names;
  }

  private array(a: unknown[]): void {
    if (isProxy(a)) this.fail("a Proxy cannot be pickled: its behaviour lives in its handler");
    const len = a.length;
    const keys = Object.keys(a);
    const dense = keys.length === len && (len === 0 || keys[len - 1] === String(len - 1));
    const syms = getOwnPropertySymbols(a);
    const plain = dense && syms.length === 0 && isExtensible(a) &&
      getOwnPropertyDescriptor(a, "length")!.writable === true;
    this.memo.set(a, this.nextId++);
    if (plain) {
      this.w.byte(T.ARRAY);
      this.w.varint(len);
      if (len > 0) this.push(F_ARRAY, 0, a, len);
      return;
    }
    // The full picture: every own index (enumerable or not), named property and symbol.
    // Elements whose attributes differ from what the integrity level implies go to the
    // property list with their descriptors; the rest are plain elements.
    const level = integrity(a);
    const expected = level === T.INTEGRITY_FROZEN
      ? T.PROP_ENUMERABLE
      : level === T.INTEGRITY_SEALED
      ? T.PROP_ENUMERABLE | T.PROP_WRITABLE
      : T.PROP_DEFAULT;
    const elements: unknown[] = [];
    const named: (string | symbol)[] = [];
    const lengthFixed = level !== T.INTEGRITY_FROZEN &&
      getOwnPropertyDescriptor(a, "length")!.writable !== true;
    for (const name of getOwnPropertyNames(a)) {
      if (isIndex(name)) {
        const d = getOwnPropertyDescriptor(a, name)!;
        if ("value" in d && flagsOf(d) === expected) elements.push(+name, d.value);
        else named.push(name);
      } else if (name !== "length" || lengthFixed) {
        named.push(name);
      }
    }
    for (const sym of syms) named.push(sym);
    // The memo id was taken above; WITH_PROPS must precede the array's own tag.
    if (named.length > 0 || level !== T.INTEGRITY_EXTENSIBLE) {
      this.w.byte(T.WITH_PROPS);
      this.propsFrame(a, named, null);
    }
    const count = elements.length >> 1;
    if (count === len) {
      this.w.byte(T.ARRAY);
      this.w.varint(len);
      if (len > 0) this.push(F_LIST, S_SPARSE_DENSE, a, len).items = denseValues(elements);
    } else {
      this.w.byte(T.SPARSE_ARRAY);
      this.w.varint(len);
      this.w.varint(count);
      if (count > 0) this.push(F_LIST, S_SPARSE, a, elements.length).items = elements;
    }
  }

  /**
   * Pushes a property-list frame for `keys` of `o` (count, entries, integrity). It runs
   * after the frame pushed next (the object's own contents) completes.
   */
  private propsFrame(
    o: object,
    keys: (string | symbol)[],
    fix: ((o: object, key: string | symbol, d: PropertyDescriptor) => PropertyDescriptor) | null,
    level: number = integrity(o),
  ): void {
    const items: unknown[] = [];
    let count = 0;
    for (const key of keys) {
      let d = getOwnPropertyDescriptor(o, key);
      if (d === undefined) continue;
      if (fix !== null) d = fix(o, key, d);
      count++;
      let flags = (d.enumerable ? T.PROP_ENUMERABLE : 0) |
        (d.configurable ? T.PROP_CONFIGURABLE : 0);
      if ("value" in d) {
        if (d.writable) flags |= T.PROP_WRITABLE;
        items.push(key, flags, d.value);
      } else {
        items.push(key, flags | T.PROP_ACCESSOR, d.get, d.set);
      }
    }
    items.push(level);
    const f = this.push(F_LIST, S_PROPS, o, items.length);
    f.items = items;
    f.pre = count;
  }

  /** Writes a WITH_PROPS prefix when `o` has own properties beyond `skip`, or is not extensible. */
  private extras(o: object, skip: (key: string | symbol) => boolean): void {
    const keys = Reflect.ownKeys(o);
    let named: (string | symbol)[] | null = null;
    for (const k of keys) {
      if (!skip(k)) (named ??= []).push(k);
    }
    if (named === null && isExtensible(o)) return;
    this.w.byte(T.WITH_PROPS);
    this.propsFrame(o, named ?? [], null);
  }

  private builtin(o: object, kind: number, proto: object): void {
    const w = this.w;
    if (kind >= K.K_VIEW) {
      this.view(o as ArrayBufferView, kind - K.K_VIEW);
      return;
    }
    if (kind >= K.K_ERROR) {
      this.error(o as Error, kind - K.K_ERROR);
      return;
    }
    switch (kind) {
      case K.K_MAP: {
        if (!types.isMap(o)) break;
        this.extras(o, never);
        this.memo.set(o, this.nextId++);
        const m = o as Map<unknown, unknown>;
        const items: unknown[] = [];
        for (const [k, v] of m) items.push(k, v);
        w.byte(T.MAP);
        w.varint(m.size);
        if (items.length > 0) this.push(F_LIST, S_MAP, o, items.length).items = items;
        return;
      }
      case K.K_SET: {
        if (!types.isSet(o)) break;
        this.extras(o, never);
        this.memo.set(o, this.nextId++);
        const items = Array.from(o as Set<unknown>);
        w.byte(T.SET);
        w.varint(items.length);
        if (items.length > 0) this.push(F_LIST, S_SET, o, items.length).items = items;
        return;
      }
      case K.K_DATE: {
        if (!types.isDate(o)) break;
        this.extras(o, never);
        this.memo.set(o, this.nextId++);
        w.byte(T.DATE);
        w.float64((o as Date).getTime());
        return;
      }
      case K.K_REGEXP: {
        if (!types.isRegExp(o)) break;
        const re = o as RegExp;
        const last = re.lastIndex;
        const inline = Number.isSafeInteger(last) && last >= 0 &&
          getOwnPropertyDescriptor(re, "lastIndex")!.writable === true;
        this.extras(o, inline ? isLastIndex : never);
        this.memo.set(o, this.nextId++);
        w.byte(T.REGEXP);
        w.string(re.source);
        w.string(re.flags);
        w.varint(inline ? last : 0);
        return;
      }
      case K.K_ARRAY_BUFFER: {
        if (!types.isArrayBuffer(o)) break;
        this.extras(o, never);
        this.arrayBuffer(o as ArrayBuffer);
        return;
      }
      case K.K_SHARED_ARRAY_BUFFER: {
        if (!types.isSharedArrayBuffer(o)) break;
        this.extras(o, never);
        const sab = o as SharedArrayBuffer;
        this.memo.set(o, this.nextId++);
        w.byte(T.SHARED_ARRAY_BUFFER);
        if (sab.growable) {
          w.byte(T.BUFFER_RESIZABLE);
          w.varint(sab.maxByteLength);
        } else {
          w.byte(0);
        }
        w.varint(sab.byteLength);
        w.bytes(new Uint8Array(sab));
        return;
      }
      case K.K_BOXED_NUMBER:
      case K.K_BOXED_STRING:
      case K.K_BOXED_BOOLEAN:
      case K.K_BOXED_BIGINT:
      case K.K_BOXED_SYMBOL:
        this.boxed(o, kind);
        return;
      case K.K_URL: {
        if (!isBranded(o, proto, "href")) break;
        this.extras(o, intrinsic(K.K_URL));
        this.memo.set(o, this.nextId++);
        w.byte(T.URL_TAG);
        w.string((o as URL).href);
        return;
      }
      case K.K_URL_SEARCH_PARAMS: {
        if (!isBranded(o, proto, "size")) break;
        this.extras(o, intrinsic(K.K_URL_SEARCH_PARAMS));
        this.memo.set(o, this.nextId++);
        w.byte(T.URL_SEARCH_PARAMS);
        w.string(String(o));
        return;
      }
      case K.K_BLOB:
      case K.K_FILE:
        if (!isBranded(o, Blob.prototype, "size")) break;
        // Bun's File and Blob share one prototype: a File is a Blob with a name.
        this.blob(o as Blob, typeof (o as File).name === "string");
        return;
      case K.K_PROMISE:
        if (!types.isPromise(o)) break;
        this.promise(o as Promise<unknown>);
        return;
      case K.K_REFUSED:
        this.fail(K.REFUSED_REASON.get(proto)!);
    }
    this.other(o);
  }

  private arrayBuffer(ab: ArrayBuffer): void {
    const w = this.w;
    const cb = this.opts.bufferCallback;
    if (cb !== undefined && !ab.detached) {
      let inBand: unknown;
      try {
        inBand = cb(ab);
      } catch (e) {
        this.fail("bufferCallback threw", e);
      }
      if (!inBand) {
        this.memo.set(ab, this.nextId++);
        this.flags |= T.FLAG_OOB;
        w.byte(T.OOB_BUFFER);
        w.varint(this.oobCount++);
        return;
      }
    }
    this.memo.set(ab, this.nextId++);
    w.byte(T.ARRAY_BUFFER);
    if (ab.detached) {
      w.byte(T.BUFFER_DETACHED);
      w.varint(0);
      return;
    }
    if (ab.resizable) {
      w.byte(T.BUFFER_RESIZABLE);
      w.varint(ab.maxByteLength);
    } else {
      w.byte(0);
    }
    w.varint(ab.byteLength);
    w.bytes(new Uint8Array(ab));
  }

  private oobCount = 0;

  private view(v: ArrayBufferView, type: number): void {
    if (!ArrayBuffer.isView(v) || (type === T.VIEW_DATAVIEW) !== types.isDataView(v)) {
      this.other(v);
      return;
    }
    // Named properties of typed arrays are not looked for: listing own keys would
    // enumerate every index. Symbols and integrity are cheap to check.
    const syms = getOwnPropertySymbols(v);
    if (syms.length > 0 || !isExtensible(v)) {
      this.w.byte(T.WITH_PROPS);
      // Views with elements cannot be sealed or frozen: non-extensible is all they can be.
      const level = isExtensible(v) ? T.INTEGRITY_EXTENSIBLE : T.INTEGRITY_NON_EXTENSIBLE;
      this.propsFrame(v, syms, null, level);
    }
    this.memo.set(v, this.nextId++);
    const buffer = v.buffer;
    const tracking = isLengthTracking(v);
    const w = this.w;
    w.byte(T.VIEW);
    w.byte2(type, tracking ? T.VIEW_LENGTH_TRACKING : 0);
    // The buffer is written inline (it has no children), so the view's operands follow it.
    this.bufferValue(buffer);
    w.varint(v.byteOffset);
    if (!tracking) {
      w.varint(type === T.VIEW_DATAVIEW ? v.byteLength : (v as Uint8Array).length);
    }
  }

  private bufferValue(b: ArrayBufferLike): void {
    if (this.ref(b)) return;
    if (types.isSharedArrayBuffer(b)) this.builtin(b, K.K_SHARED_ARRAY_BUFFER, b);
    else this.arrayBuffer(b as ArrayBuffer);
  }

  private boxed(o: object, kind: number): void {
    let sub: number;
    let prim: unknown;
    let skip: (key: string | symbol) => boolean = never;
    try {
      switch (kind) {
        case K.K_BOXED_NUMBER:
          if (!types.isNumberObject(o)) return this.other(o);
          sub = T.BOXED_NUMBER;
          prim = Number.prototype.valueOf.call(o);
          break;
        case K.K_BOXED_STRING:
          if (!types.isStringObject(o)) return this.other(o);
          sub = T.BOXED_STRING;
          prim = String.prototype.valueOf.call(o);
          skip = stringOwnKeys((prim as string).length);
          break;
        case K.K_BOXED_BOOLEAN:
          if (!types.isBooleanObject(o)) return this.other(o);
          sub = T.BOXED_BOOLEAN;
          prim = Boolean.prototype.valueOf.call(o);
          break;
        case K.K_BOXED_BIGINT:
          if (!types.isBigIntObject(o)) return this.other(o);
          sub = T.BOXED_BIGINT;
          prim = BigInt.prototype.valueOf.call(o);
          break;
        default:
          if (!types.isSymbolObject(o)) return this.other(o);
          sub = T.BOXED_SYMBOL;
          prim = Symbol.prototype.valueOf.call(o);
      }
    } catch {
      return this.other(o);
    }
    this.extras(o, skip);
    this.memo.set(o, this.nextId++);
    this.w.byte2(T.BOXED, sub);
    // The primitive has no children: written inline, as the loader reads it.
    this.value(prim);
  }

  private error(e: Error, type: number): void {
    if (!types.isNativeError(e)) {
      this.other(e);
      return;
    }
    this.memo.set(e, this.nextId++);
    this.w.byte2(T.ERROR, type);
    this.propsFrame(e, Reflect.ownKeys(e), stackAsData);
  }

  private blob(b: Blob, isFile: boolean): void {
    this.extras(b, intrinsic(isFile ? K.K_FILE : K.K_BLOB));
    const settled = this.opts.settled;
    if (settled === undefined) {
      this.fail(
        `a ${isFile ? "File" : "Blob"} can only be pickled by the async form (dumps, dump): ` +
          "its bytes are read asynchronously",
      );
    }
    const s = settled.get(b);
    this.memo.set(b, this.nextId++);
    const bytes = s?.kind === "bytes" ? s.bytes : new Uint8Array(0);
    if (s === undefined) this.unsettled.push(b);
    const w = this.w;
    if (isFile) {
      const f = b as File;
      w.byte(T.FILE);
      w.string(f.name);
      w.string(f.type);
      w.number(f.lastModified);
    } else {
      w.byte(T.BLOB);
      w.string(b.type);
    }
    w.varint(bytes.length);
    w.bytes(bytes);
  }

  private promise(p: Promise<unknown>): void {
    const settled = this.opts.settled;
    if (settled === undefined) {
      this.fail(
        "a Promise can only be pickled by the async form (dumps, dump), which awaits it",
      );
    }
    const s = settled.get(p);
    this.memo.set(p, this.nextId++);
    if (s === undefined) this.unsettled.push(p);
    this.w.byte2(T.PROMISE, s?.kind === "rejected" ? 1 : 0);
    const value = s === undefined || s.kind === "bytes" ? undefined : s.value;
    this.push(F_LIST, S_PROMISE, p, 1).items = [value];
  }

  /** Objects of no built-in family: a reducer, a global, or an error. */
  private other(o: object): void {
    const r = (o as Record<symbol, unknown>)[REDUCE_SYMBOL];
    if (typeof r === "function") {
      let red: unknown;
      try {
        red = r.call(o);
      } catch (e) {
        this.fail("the object's [reduce]() method threw", e);
      }
      this.reduction(o, red as Reduction);
      return;
    }
    const path = globalPathOf(o);
    if (path !== undefined) {
      this.global(o, path);
      return;
    }
    if (isProxy(o)) this.fail("a Proxy cannot be pickled: its behaviour lives in its handler");
    if (types.isGeneratorObject(o)) {
      this.fail("a generator object cannot be pickled: its suspended state is not reachable");
    }
    if (types.isWeakMap(o) || types.isWeakSet(o)) {
      this.fail("a weak collection cannot be pickled: its entries cannot be enumerated");
    }
    const ownCtor = constructorOf(o);
    if (ownCtor !== undefined) {
      this.prototypeOf(o, ownCtor);
      return;
    }
    const proto = getPrototypeOf(o);
    // Up the prototype chain to the first built-in: a family we can rebuild (Map, Array,
    // Error…), plain Object.prototype / null, or a host class whose state is unreachable.
    let base: object | null = proto;
    let privateClasses = 0;
    const privateFields: string[] = [];
    while (
      base !== null && base !== OBJECT_PROTO && base !== ARRAY_PROTO && !K.KIND_BY_PROTO.has(base)
    ) {
      const c = constructorOf(base);
      if (c !== undefined && (isNative(c) || globalPathOf(base) !== undefined)) {
        const name = (c as { name?: string }).name || "a built-in class";
        this.fail(
          `cannot pickle an instance of ${name}: its state lives in internal slots that ` +
            "cannot be read (give the class a [reduce]() method)",
        );
      }
      if (c !== undefined) {
        const fields = privateFieldsOf(c);
        if (fields !== undefined) {
          privateClasses++;
          for (const f of fields) {
            if (privateFields.includes(f)) {
              this.fail(
                `cannot pickle an instance of ${(c as { name?: string }).name}: two of its ` +
                  `classes declare a private field #${f}`,
              );
            }
            privateFields.push(f);
          }
        }
      }
      base = getPrototypeOf(base);
    }
    if (privateClasses > 0) {
      this.privateInstance(o, proto, base, privateFields);
      return;
    }
    if (base !== null && base !== OBJECT_PROTO) {
      // An instance of a subclass of a built-in: the built-in's state, then its prototype.
      // Both are written inline (the loader reads them back to back); the frames they push
      // run afterwards, in the same order on both sides.
      this.w.byte(T.SET_PROTO);
      this.value(proto);
      if (base === ARRAY_PROTO && isArray(o)) this.array(o as unknown[]);
      else this.builtin(o, K.KIND_BY_PROTO.get(base)!, base);
      return;
    }
    // A plain object whose prototype is a class's prototype, or itself data.
    this.memo.set(o, this.nextId++);
    this.w.byte(T.OBJECT_WITH_PROTO);
    this.propsFrame(o, Reflect.ownKeys(o), null);
    // Pushed after the property list's frame, so the prototype is written first.
    this.push(F_LIST, S_PROTO, o, 1).items = [proto];
  }

  /**
   * An instance of a class with private members: its prototype, own properties and private
   * field values (read by the runtime's adapter). The loader rebuilds it through its classes
   * so that it carries their private members.
   */
  private privateInstance(o: object, proto: object, base: object | null, fields: string[]): void {
    const name = (constructorOf(proto) as { name?: string } | undefined)?.name || "a class";
    if (base !== null && base !== OBJECT_PROTO) {
      this.fail(
        `cannot pickle an instance of ${name}: private members on a subclass of a built-in ` +
          "are not supported (give the class a [reduce]() method)",
      );
    }
    let read = this.opts.privates?.get(o);
    if (read === undefined) {
      if (fields.length === 0) {
        read = { names: [], values: [] };
      } else if (this.opts.settled !== undefined && this.opts.scopesUnavailable === undefined) {
        this.unread.push(o);
        this.w.byte(T.UNDEFINED);
        return;
      } else {
        this.fail(
          `cannot pickle an instance of ${name}: its private fields (#${fields.join(", #")}) ` +
            (this.opts.settled === undefined
              ? "can only be read by the async dumps()"
              : `cannot be read here (${this.opts.scopesUnavailable})`) +
            "; or give the class a [reduce]() method",
        );
      }
    }
    const items: unknown[] = [];
    let count = 0;
    for (let i = 0; i < read.names.length; i++) {
      if (!fields.includes(read.names[i])) continue;
      items.push(read.names[i], read.values[i]);
      count++;
    }
    this.memo.set(o, this.nextId++);
    this.w.byte(T.INSTANCE);
    const pf = this.push(F_LIST, S_PRIVATE, o, items.length);
    pf.items = items;
    pf.pre = count;
    this.propsFrame(o, Reflect.ownKeys(o), null);
    this.push(F_LIST, S_PROTO, o, 1).items = [proto];
  }

  private reduction(o: object, r: Reduction): void {
    if (!isArray(r) || r.length < 2 || r.length > 3) {
      this.fail("a reducer must return [callable, args] or [callable, args, state]");
    }
    const [callable, args, state] = r;
    if (typeof callable !== "function") this.fail("a reducer's callable must be a function");
    if (!isArray(args)) this.fail("a reducer's args must be an array");
    this.memo.set(o, this.nextId++);
    this.flags |= T.FLAG_CODE;
    this.w.byte2(
      T.REDUCE,
      constructs(callable as (...args: unknown[]) => unknown) ? T.REDUCE_CONSTRUCT : 0,
    );
    const f = this.push(F_LIST, S_REDUCE, o, 3);
    f.items = [callable, Array.from(args), state];
    f.reducing = o;
  }

  /** Throws a PicklingError naming the path of the value being written. */
  fail(message: string, cause?: unknown): never {
    throw new PicklingError(
      message,
      this.path(),
      cause === undefined ? undefined : { cause },
    );
  }

  private path(): string {
    let p = "root";
    for (let t = 0; t <= this.top; t++) {
      const f = this.frames[t];
      if (f.i === 0) continue;
      p += segment(f, f.i - 1);
    }
    return p;
  }
}

function segment(f: Frame, i: number): string {
  if (f.kind === F_ARRAY) return `[${i}]`;
  if (f.kind === F_OBJECT) return keySegment(f.keys![i]);
  const items = f.items!;
  switch (f.sub) {
    case S_MAP:
      return i % 2 === 0 ? `<key ${i >> 1}>` : `<value ${i >> 1}>`;
    case S_SET:
      return `<member ${i}>`;
    case S_SPARSE:
      return `[${items[i & ~1] as number}]`;
    case S_REDUCE:
      return ["<reduce callable>", "<reduce args>", "<reduce state>"][i];
    case S_PROMISE:
      return "<promise value>";
    case S_PROTO:
      return "<prototype>";
    case S_SPARSE_DENSE:
      return `[${i}]`;
    case S_SCOPE:
      return `<captured ${(f.obj as ScopeRecord).names[i]}>`;
    case S_PRIVATE:
      return `.#${items[i & ~1] as string}`;
    case S_PROPS: {
      let j = 0;
      while (j < items.length - 1) {
        const len = ((items[j + 1] as number) & T.PROP_ACCESSOR) ? 4 : 3;
        if (i < j + len) {
          const key = keySegment(items[j] as string | symbol);
          if (i === j + 2 && len === 4) return `${key}<get>`;
          if (i === j + 3) return `${key}<set>`;
          return key;
        }
        j += len;
      }
      return "";
    }
    default:
      return "";
  }
}
