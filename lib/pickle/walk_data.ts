/**
 * The pickling walk over data: iterative (an explicit frame stack, no recursion proportional
 * to the value's depth), one memo for every object and unique symbol, repeated object
 * shapes written once. Writes the body of a pickle into a {@linkcode ByteWriter}. Code
 * (functions, classes, instances) is the subclass's part, in pickler.ts.
 *
 * @module
 */

import { types } from "node:util";
import { ByteWriter } from "../format/writer.ts";
import * as T from "../format/tags.ts";
import { PickleError, PicklingError } from "./errors.ts";
import { keySegment } from "./paths.ts";
import { reduce as REDUCE_SYMBOL, type Reduction } from "./options.ts";
import { globalPathOf } from "../code/globals.ts";
import type { ScopeRecord } from "../code/captures.ts";
import { constructorOf } from "../code/members.ts";
import {
  constructs,
  denseValues,
  flagsOf,
  integrity,
  intrinsic,
  isBranded,
  isDenseWithoutNamed,
  isLastIndex,
  isLengthTracking,
  LONG_ARRAY,
  never,
  sameKeys,
  scanIsExact,
  stackAsData,
  stringOwnKeys,
  wellKnownSymbols,
} from "../values/inspect.ts";
import type { BoundParts, PrivateFields, ReadScopes } from "../runtime/adapter.ts";
import * as K from "../values/kinds.ts";
import {
  B_NONE,
  brandOf,
  dateTime,
  mapEntries,
  regExpFlags,
  regExpSource,
  setValues,
  typedArrayNameOf,
} from "../values/brands.ts";
import { domExceptionKeys, hostErrorOf, isDOMException } from "../values/errors.ts";
import { fileReference } from "../values/resources.ts";
import { BLOB_PROTO } from "../values/intrinsics.ts";
import {
  outOfBoundsMessage,
  VIEW_DETACHED,
  VIEW_OUT_OF_BOUNDS,
  viewState,
} from "../values/views.ts";

const OBJECT_PROTO = Object.prototype;
const ARRAY_PROTO = Array.prototype;
const getPrototypeOf = Object.getPrototypeOf;
const getOwnPropertyNames = Object.getOwnPropertyNames;
const getOwnPropertySymbols = Object.getOwnPropertySymbols;
const getOwnPropertyDescriptor = Object.getOwnPropertyDescriptor;
const isExtensible = Object.isExtensible;
const objectValues = Object.values;
const isArray = Array.isArray;
const isProxy = types.isProxy;

type Upsert = { getOrInsert(key: unknown, value: number): number };
const hasGetOrInsert = typeof (Map.prototype as unknown as Partial<Upsert>).getOrInsert ===
  "function";

/** The id `memo` holds for `o`, after giving it `id` when it held none. */
function memoGetOrInsert(memo: Map<unknown, number>, o: object, id: number): number {
  if (hasGetOrInsert) return (memo as unknown as Upsert).getOrInsert(o, id);
  const had = memo.get(o);
  if (had !== undefined) return had;
  memo.set(o, id);
  return id;
}

/** Objects with more keys than this are written without the shape trie. */
const SHAPE_KEYS_MAX = 1024;

/** Frames kept for reuse between walks. */
const FRAME_POOL = 1024;

// Frame kinds of the walk.
const F_ARRAY = 0; // items are the array's elements
const F_OBJECT = 1; // items are the values of obj's keys, in order
export const F_LIST = 2; // items is a flat list of values; `sub` says what they mean
// Sub-kinds of F_LIST (for error paths).
const S_ROOT = 0;
const S_MAP = 1;
const S_SET = 2;
const S_PROPS = 3;
const S_SPARSE = 4;
const S_REDUCE = 5;
const S_PROMISE = 6;
export const S_PROTO = 7;
const S_SPARSE_DENSE = 8;
export const S_SCOPE = 9;
export const S_PRIVATE = 10;
/** The captured values a class's definition reads (`keys` holds their names). */
export const S_DEFINITION = 11;

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
  /** The first child's key and node: most nodes have one child, found without hashing. */
  firstKey: string | undefined = undefined;
  first: ShapeNode | undefined = undefined;
  children: Map<string, ShapeNode> | undefined = undefined;
  /** The key count and keys as written in a pickle, once written. */
  bytes: Uint8Array | undefined = undefined;
  epoch = -1;
  id = 0;
  child(key: string): ShapeNode {
    if (this.firstKey === key) return this.first!;
    let c = this.children?.get(key);
    if (c === undefined) {
      c = new ShapeNode();
      if (this.first === undefined) {
        this.firstKey = key;
        this.first = c;
      } else {
        (this.children ??= new Map()).set(key, c);
      }
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
  /**
   * Keep the scope records of instrumented scopes from the previous walk: set when a walk is
   * repeated because a record grew after it was written.
   */
  keepScopes?: boolean;
  /** Async form: private fields of instances, where the runtime shows them. */
  privates?: Map<object, PrivateFields>;
  /**
   * What bufferCallback answered so far in this call: buffer → out-of-band index (-1: in
   * band), and how many went out of band. A call that walks again asks once per buffer.
   */
  oob?: { ids: Map<ArrayBuffer, number>; count: number };
  /** Extra by-value modules of this call, as registry entries (`DumpOptions.byValue`). */
  byValue?: readonly string[];
  /** The root that module names are relative to, a file URL ending in "/". */
  moduleRoot?: string;
  /** Async form: values the module source has looked for already (missing for good). */
  rechecked?: ReadonlySet<object>;
  /** Async form: the defining modules of functions that import() (null: not found). */
  locations?: ReadonlyMap<object, string | null>;
  /** Async form: scopes are read by the adapter only, to be given exact identities. */
  exactScopes?: boolean;
}

/** The walk over data values; code (functions, classes, instances) is added by a subclass. */
export abstract class DataWalker {
  readonly w: ByteWriter = new ByteWriter();
  protected frames: Frame[] = [];
  protected top = -1;
  protected memo = new Map<unknown, number>();
  protected nextId = 0;
  protected nextShape = 0;
  protected epoch = 0;
  protected opts: WalkOptions = {};
  /** Header flags collected while walking. */
  flags = 0;
  protected lastNames: (string[] | null)[] = [null, null];
  protected lastNode: (ShapeNode | null)[] = [null, null];
  /** Async form: Blobs and Promises met that still need awaiting. */
  unsettled: object[] = [];
  /** Async form: functions whose closure scopes still need reading. */
  unread: object[] = [];
  /** Async form: instances and classes whose private fields still need reading. */
  unreadPrivate: object[] = [];
  /** Whether long arrays may be scanned in this walk: 0 not asked yet, 1 yes, 2 no. */
  protected scanExact = 0;
  /** How many frames on the stack rebuild an object through a reducer. */
  protected reducing = 0;
  /** True while a walk runs (a reducer may pickle re-entrantly). */
  busy = false;

  /**
   * Writes `value` as a pickle body starting at the writer's current position. With `keep`
   * (async form), what the walk met stays for {@linkcode resume} until {@linkcode release}.
   */
  walk(value: unknown, opts: WalkOptions, keep?: boolean): void {
    this.opts = opts;
    this.flags = 0;
    this.unsettled = [];
    this.unread = [];
    this.unreadPrivate = [];
    this.memo.clear();
    this.startCode(opts);
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
    this.reducing = 0;
    this.scanExact = 0;
    try {
      this.push(F_LIST, S_ROOT, null, 1).items = [value];
      this.run();
    } catch (e) {
      if (e instanceof PickleError) throw e;
      // A Proxy trap or an engine check that threw while the value was read.
      this.fail(`reading the value threw: ${e instanceof Error ? e.message : String(e)}`, e);
    } finally {
      for (let i = 0; i <= this.top; i++) this.clear(this.frames[i]);
      this.top = -1;
      // A very deep value leaves a long pool of frames behind: keep a modest one.
      if (this.frames.length > FRAME_POOL) this.frames.length = FRAME_POOL;
      if (!keep) this.release();
      this.opts = {};
    }
  }

  /**
   * Async form: walks on from `values` after the awaits that the walks so far asked for,
   * keeping their memo, so that no object is examined twice. Objects among `values` that
   * were met before (a promise now settled, a class whose private fields were read) are
   * walked again. What this writes is not a pickle: the caller discards it.
   */
  resume(values: unknown[], opts: WalkOptions): void {
    this.opts = opts;
    this.unsettled = [];
    this.unread = [];
    this.unreadPrivate = [];
    for (const v of values) this.memo.delete(v);
    this.resumeCode(opts);
    try {
      this.push(F_LIST, S_ROOT, null, values.length).items = values;
      this.run();
    } finally {
      for (let i = 0; i <= this.top; i++) this.clear(this.frames[i]);
      this.top = -1;
      if (this.frames.length > FRAME_POOL) this.frames.length = FRAME_POOL;
      this.opts = {};
    }
  }

  /** Drops what a walk kept (see {@linkcode walk}). */
  release(): void {
    this.memo.clear();
    this.endCode();
  }

  protected clear(f: Frame): void {
    f.obj = null;
    f.items = null;
    f.keys = null;
    if (f.reducing !== null) {
      f.reducing = null;
      this.reducing--;
    }
  }

  protected push(kind: number, sub: number, obj: unknown, n: number): Frame {
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

  /** Runs the frames above `level` (all of them by default) until they are done. */
  protected run(level = -1): void {
    const frames = this.frames;
    while (this.top > level) {
      const f = frames[this.top];
      if (f.i < f.n) {
        if (f.pre >= 0) {
          this.w.varint(f.pre);
          f.pre = -1;
        }
        // Numbers, strings and booleans are written in a tight loop; anything else goes
        // through value(), with f.i past it so that error paths name it.
        const src = f.kind === F_ARRAY ? f.obj as unknown[] : f.items!;
        const n = f.n;
        const w = this.w;
        let i = f.i;
        for (; i < n; i++) {
          const v = src[i];
          if (typeof v === "number") w.number(v);
          else if (typeof v === "string") w.string(v);
          else if (typeof v === "boolean") w.byte(v ? T.TRUE : T.FALSE);
          else break;
        }
        f.i = i;
        if (i < n) {
          f.i = i + 1;
          this.value(src[i]);
        }
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
  protected value(v: unknown): void {
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

  protected symbol(s: symbol): void {
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
  protected ref(o: object): boolean {
    const id = this.memo.get(o);
    if (id === undefined) return false;
    this.backRef(o, id);
    return true;
  }

  /** Writes a back-reference to `o`, met before with memo id `id`. */
  protected backRef(o: object, id: number): void {
    for (let i = 0; this.reducing > 0 && i <= this.top; i++) {
      if (this.frames[i].reducing === o) {
        if (this.frames[i].sub === S_DEFINITION) {
          this.fail(
            "cannot pickle a class whose definition reads a value that refers back to the " +
              "class (a static field, static block, computed key or parent): the class does " +
              "not exist until those values are loaded; assign it after the class body instead",
          );
        }
        this.fail(
          "cannot pickle a reference cycle through an object rebuilt by a reducer: " +
            "the object does not exist until its reducer's arguments are loaded",
        );
      }
    }
    this.w.byte(T.REF);
    this.w.varint(id);
  }

  protected global(o: object, path: string): void {
    this.memo.set(o, this.nextId++);
    this.flags |= T.FLAG_CODE;
    this.w.byte(T.GLOBAL);
    this.w.string(path);
  }

  protected override(o: object): boolean {
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

  protected object(o: object): void {
    let proto = getPrototypeOf(o);
    const hook = this.opts.reducerOverride !== undefined;
    if ((proto === OBJECT_PROTO || proto === ARRAY_PROTO) && !hook) {
      // One hash lookup for plain objects and arrays: the object takes the next id
      // provisionally, kept when nothing but its values needs writing, given back otherwise.
      const memo = this.memo;
      const next = this.nextId;
      const id = memoGetOrInsert(memo, o, next);
      if (id !== next) {
        this.backRef(o, id);
        return;
      }
      if (
        proto === OBJECT_PROTO
          ? this.simplePlain(o as Record<string, unknown>)
          : isArray(o) && this.simpleArray(o as unknown[])
      ) return;
      memo.delete(o);
    } else if (this.ref(o)) {
      return;
    }
    if (hook) {
      if (this.override(o)) return;
      proto = getPrototypeOf(o);
    }
    if (proto === OBJECT_PROTO) {
      this.plain(o as Record<string, unknown>, false);
    } else if (proto === ARRAY_PROTO && isArray(o)) {
      this.array(o as unknown[], !hook);
    } else if (proto === null) {
      this.plain(o as Record<string, unknown>, true);
    } else {
      const kind = K.KIND_BY_PROTO.get(proto);
      if (kind === undefined) this.other(o);
      else this.builtin(o, kind, proto);
    }
  }

  /**
   * Writes a plain object whose own properties are all default data properties with string
   * keys, as an id-holding object of its shape; false (nothing written) for any other.
   */
  protected simplePlain(o: Record<string, unknown>): boolean {
    if (isProxy(o)) return false;
    const names = getOwnPropertyNames(o);
    if (getOwnPropertySymbols(o).length !== 0 || !isExtensible(o)) return false;
    for (let i = 0; i < names.length; i++) {
      const d = getOwnPropertyDescriptor(o, names[i])!;
      if (d.writable !== true || d.enumerable !== true || d.configurable !== true) return false;
    }
    this.nextId++;
    this.shapeOf(o, false, names);
    return true;
  }

  /** Writes a dense, extensible array with no other own properties; false for any other. */
  protected simpleArray(a: unknown[]): boolean {
    if (isProxy(a)) return false;
    const len = a.length;
    if (
      !this.denseWithoutNamed(a, len) || getOwnPropertySymbols(a).length !== 0 ||
      !isExtensible(a) ||
      getOwnPropertyDescriptor(a, "length")!.writable !== true
    ) return false;
    this.nextId++;
    this.w.byte(T.ARRAY);
    this.w.varint(len);
    if (len > 0) this.push(F_ARRAY, 0, a, len);
    return true;
  }

  protected plain(o: Record<string, unknown>, nullProto: boolean): void {
    if (isProxy(o)) this.fail("a Proxy cannot be pickled: its behaviour lives in its handler");
    if (nullProto && types.isModuleNamespaceObject(o)) {
      this.moduleNamespace(o);
      return;
    }
    // A built-in whose prototype was set to null (`Object.setPrototypeOf(new Map(), null)`).
    if (nullProto && brandOf(o) !== B_NONE) {
      this.other(o);
      return;
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
      if (this.moduleObject(o)) return;
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
  protected shape(o: object, nullProto: boolean, names: string[]): void {
    this.memo.set(o, this.nextId++);
    this.shapeOf(o, nullProto, names);
  }

  /** {@linkcode DataWalker.shape} for an object whose memo id is already taken. */
  protected shapeOf(o: object, nullProto: boolean, names: string[]): void {
    const n = names.length;
    const w = this.w;
    if (n > SHAPE_KEYS_MAX) {
      // An object with this many keys (a dictionary) is written with its own shape, kept out
      // of the trie, which it would fill and empty on every pickle.
      this.nextShape++;
      w.byte(nullProto ? T.NULL_OBJECT_NEW_SHAPE : T.OBJECT_NEW_SHAPE);
      w.varint(n);
      for (let i = 0; i < n; i++) w.string(names[i]);
      this.pushValues(o, names);
      return;
    }
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
    if (node.epoch === this.epoch) {
      w.byte(nullProto ? T.NULL_OBJECT : T.OBJECT);
      w.varint(node.id);
    } else {
      node.epoch = this.epoch;
      node.id = this.nextShape++;
      w.byte(nullProto ? T.NULL_OBJECT_NEW_SHAPE : T.OBJECT_NEW_SHAPE);
      // The count and keys are the same bytes in every pickle: encoded once per node.
      const bytes = node.bytes;
      if (bytes === undefined) {
        const start = w.pos;
        w.varint(n);
        for (let i = 0; i < n; i++) w.string(names[i]);
        node.bytes = w.buf.slice(start, w.pos);
      } else {
        w.raw(bytes);
      }
    }
    if (n > 0) this.pushValues(o, names);
  }

  /** Pushes the frame of a simple object's values. */
  protected pushValues(o: object, names: string[]): void {
    const n = names.length;
    const f = this.push(F_OBJECT, 0, o, n);
    f.keys = names;
    if (n <= SHAPE_KEYS_MAX) {
      // Every property is an enumerable data property here: values() reads them in key order.
      f.items = objectValues(o);
    } else {
      // V8 keeps objects this large in dictionary mode, where values() sorts the keys again:
      // reading them by name costs a tenth.
      const items = new Array<unknown>(n);
      for (let i = 0; i < n; i++) items[i] = (o as Record<string, unknown>)[names[i]];
      f.items = items;
    }
  }

  /** {@linkcode isDenseWithoutNamed}, asking {@linkcode scanIsExact} once per walk. */
  protected denseWithoutNamed(a: unknown[], len: number): boolean {
    if (len < LONG_ARRAY) return isDenseWithoutNamed(a, len, false);
    if (this.scanExact === 0) this.scanExact = scanIsExact() ? 1 : 2;
    return isDenseWithoutNamed(a, len, this.scanExact === 1);
  }

  /** Writes an array; `notSimple` when {@linkcode DataWalker.simpleArray} already said no. */
  protected array(a: unknown[], notSimple: boolean): void {
    if (isProxy(a)) this.fail("a Proxy cannot be pickled: its behaviour lives in its handler");
    const len = a.length;
    const syms = getOwnPropertySymbols(a);
    const plain = !notSimple && this.denseWithoutNamed(a, len) && syms.length === 0 &&
      isExtensible(a) && getOwnPropertyDescriptor(a, "length")!.writable === true;
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
    // An array's own keys are its indices in ascending order, then "length" (made with the
    // array), then its named properties in creation order.
    const names = getOwnPropertyNames(a);
    let i = 0;
    for (; i < names.length; i++) {
      const name = names[i];
      if (name === "length") break;
      const d = getOwnPropertyDescriptor(a, name)!;
      if ("value" in d && flagsOf(d) === expected) elements.push(+name, d.value);
      else named.push(name);
    }
    if (lengthFixed) named.push("length");
    for (i++; i < names.length; i++) named.push(names[i]);
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
  protected propsFrame(
    o: object,
    keys: (string | symbol)[],
    fix: ((o: object, key: string | symbol, d: PropertyDescriptor) => PropertyDescriptor) | null,
    level: number = integrity(o),
  ): Frame {
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
    return f;
  }

  /** Writes a WITH_PROPS prefix when `o` has own properties beyond `skip`, or is not extensible. */
  protected extras(o: object, skip: (key: string | symbol) => boolean): void {
    // Most built-ins have no own property at all: two cheap counts say so (ownKeys is slow
    // on V8).
    if (
      skip === never && getOwnPropertyNames(o).length === 0 &&
      getOwnPropertySymbols(o).length === 0 && isExtensible(o)
    ) return;
    const keys = Reflect.ownKeys(o);
    let named: (string | symbol)[] | null = null;
    for (const k of keys) {
      if (!skip(k)) (named ??= []).push(k);
    }
    if (named === null && isExtensible(o)) return;
    this.w.byte(T.WITH_PROPS);
    this.propsFrame(o, named ?? [], null);
  }

  protected builtin(o: object, kind: number, proto: object): void {
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
        // Through the intrinsics: its prototype may be anything (a reparented Map).
        for (const [k, v] of mapEntries.call(m)) items.push(k, v);
        w.byte(T.MAP);
        w.varint(items.length >> 1);
        if (items.length > 0) this.push(F_LIST, S_MAP, o, items.length).items = items;
        return;
      }
      case K.K_SET: {
        if (!types.isSet(o)) break;
        this.extras(o, never);
        this.memo.set(o, this.nextId++);
        const items = Array.from(setValues.call(o as Set<unknown>));
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
        w.float64(dateTime.call(o as Date));
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
        w.string(regExpSource(re));
        w.string(regExpFlags(re));
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
        if (!isBranded(o, BLOB_PROTO, "size")) break;
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

  protected arrayBuffer(ab: ArrayBuffer): void {
    const w = this.w;
    const cb = this.opts.bufferCallback;
    if (cb !== undefined && !ab.detached) {
      const index = this.oobIndex(ab, cb);
      if (index >= 0) {
        this.memo.set(ab, this.nextId++);
        this.flags |= T.FLAG_OOB;
        w.byte(T.OOB_BUFFER);
        w.varint(index);
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

  protected oobCount = 0;

  /**
   * The out-of-band index of `ab`, or -1 for a buffer written in band. With
   * `WalkOptions.oob`, bufferCallback is asked once per buffer over all the walks of a call.
   */
  private oobIndex(ab: ArrayBuffer, cb: (buffer: ArrayBuffer) => unknown): number {
    const oob = this.opts.oob;
    let index = oob?.ids.get(ab);
    if (index !== undefined) return index;
    let inBand: unknown;
    try {
      inBand = cb(ab);
    } catch (e) {
      this.fail("bufferCallback threw", e);
    }
    index = inBand ? -1 : oob === undefined ? this.oobCount++ : oob.count++;
    oob?.ids.set(ab, index);
    return index;
  }

  protected view(v: ArrayBufferView, type: number): void {
    if (
      type === T.VIEW_DATAVIEW
        ? !types.isDataView(v)
        : typedArrayNameOf(v) !== (type === T.VIEW_BUFFER ? "Uint8Array" : T.VIEW_TYPES[type])
    ) {
      this.other(v);
      return;
    }
    const state = viewState(v, type === T.VIEW_DATAVIEW);
    if (state === VIEW_OUT_OF_BOUNDS) {
      this.fail(outOfBoundsMessage(type === T.VIEW_BUFFER ? "Buffer" : T.VIEW_TYPES[type]));
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
    // A detached view is empty whatever it was: offset and length 0 (a DataView's throw).
    const detached = state === VIEW_DETACHED;
    const tracking = !detached && isLengthTracking(v);
    const w = this.w;
    w.byte(T.VIEW);
    w.byte2(type, tracking ? T.VIEW_LENGTH_TRACKING : 0);
    // The buffer is written inline (it has no children), so the view's operands follow it.
    this.bufferValue(buffer);
    w.varint(detached ? 0 : v.byteOffset);
    if (!tracking) {
      w.varint(
        detached ? 0 : type === T.VIEW_DATAVIEW ? v.byteLength : (v as Uint8Array).length,
      );
    }
  }

  protected bufferValue(b: ArrayBufferLike): void {
    if (this.ref(b)) return;
    if (types.isSharedArrayBuffer(b)) this.builtin(b, K.K_SHARED_ARRAY_BUFFER, b);
    else this.arrayBuffer(b as ArrayBuffer);
  }

  protected boxed(o: object, kind: number): void {
    let sub: number;
    let prim: unknown;
    let skip: (key: string | symbol) => boolean = never;
    // Not boxed (`Object.create(Number.prototype)`): an ordinary object, written by other().
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
    this.extras(o, skip);
    this.memo.set(o, this.nextId++);
    this.w.byte2(T.BOXED, sub);
    // The primitive has no children: written inline, as the loader reads it.
    this.value(prim);
  }

  protected error(e: Error, type: number): void {
    if (type === T.ERROR_DOM_EXCEPTION) {
      this.domException(e);
      return;
    }
    if (!types.isNativeError(e)) {
      this.other(e);
      return;
    }
    this.memo.set(e, this.nextId++);
    this.w.byte2(T.ERROR, type);
    this.propsFrame(e, Reflect.ownKeys(e), stackAsData);
  }

  /** A DOMException: its message and name (internal slots), then its own properties. */
  protected domException(e: Error): void {
    if (!isDOMException(e)) {
      this.other(e);
      return;
    }
    this.memo.set(e, this.nextId++);
    const w = this.w;
    w.byte2(T.ERROR, T.ERROR_DOM_EXCEPTION);
    w.string(e.message);
    w.string(e.name);
    this.propsFrame(e, domExceptionKeys(e), stackAsData);
  }

  /**
   * An error of a class the runtime defines (`Deno.errors.NotFound`, Bun's `ResolveMessage`):
   * the nearest standard constructor, the class's path, and its properties, so that it loads
   * in a runtime without that class too. False when `e` is not one.
   */
  protected hostError(e: Error, proto: object): boolean {
    const host = hostErrorOf(e, proto);
    if (host === undefined) return false;
    this.memo.set(e, this.nextId++);
    this.w.byte2(T.ERROR, host.type | T.ERROR_HOST);
    this.w.string(host.path);
    const f = this.propsFrame(e, Reflect.ownKeys(e), stackAsData);
    if (host.shown.length > 0) {
      const items = f.items!;
      items.splice(items.length - 1, 0, ...host.shown);
      f.n = items.length;
      f.pre += host.shown.length / 3;
    }
    return true;
  }

  protected blob(b: Blob, isFile: boolean): void {
    const reference = fileReference(b);
    if (reference !== undefined) this.fail(reference);
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

  protected promise(p: Promise<unknown>): void {
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

  protected reduction(o: object, r: Reduction): void {
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
    this.reducing++;
  }

  /** Throws a PicklingError naming the path of the value being written. */
  fail(message: string, cause?: unknown): never {
    throw new PicklingError(
      message,
      this.path(),
      cause === undefined ? undefined : { cause },
    );
  }

  protected path(): string {
    let p = "root";
    for (let t = 0; t <= this.top; t++) {
      const f = this.frames[t];
      if (f.i === 0) continue;
      p += segment(f, f.i - 1);
    }
    return p;
  }

  /** Prepares what pickling code needs for one walk. */
  protected abstract startCode(opts: WalkOptions): void;
  /** Drops what pickling code kept during a walk. */
  protected abstract endCode(): void;
  /** Brings what pickling code keeps up to date with `opts` before {@linkcode resume}. */
  protected resumeCode(_opts: WalkOptions): void {}
  /** Writes a function. */
  protected abstract func(fn: (...args: unknown[]) => unknown): void;
  /** Writes an object of no built-in family (instances, prototypes, reducers). */
  protected abstract other(o: object): void;

  /** Writes `o` by reference when it is a module's export object (a built-in's); true if so. */
  protected moduleObject(_o: object): boolean {
    return false;
  }
  /** A module namespace object (`import * as m`): by reference, which needs the code walk. */
  protected moduleNamespace(_o: object): void {
    this.fail("a module namespace object cannot be pickled by value");
  }
  /** Writes a function's own `prototype` object as "the prototype of" that function. */
  protected abstract prototypeOf(proto: object, ctor: object): void;
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
    case S_DEFINITION:
      return `<captured ${f.keys![i]}>`;
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
