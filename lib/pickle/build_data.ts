/**
 * The loading build over data: iterative (an explicit frame stack), mirrors the pickling
 * walk tag by tag. Containers are created before their children so cycles and shared
 * references resolve through the memo; values that need their children first (reducer
 * calls) are delivered to their parent when they complete. Code tags are the subclass's part,
 * in unpickler.ts.
 *
 * @module
 */

import { ByteReader } from "../format/reader.ts";
import { copyToBuffer } from "../format/allocate.ts";
import * as T from "../format/tags.ts";
import { UnpicklingError } from "./errors.ts";
import { setState as SET_STATE } from "./options.ts";
import { resolveGlobalPath } from "../code/globals.ts";
import { isDOMExceptionIntrinsic } from "../values/errors.ts";
// Function sources instrumented by Bun's preload name its helpers: make them defined here.
import "../runtime/scopes_instrumented.ts";
import type { ScopeHandle } from "../code/functions.ts";
import { setPrivate, setStaticPrivate } from "../code/private_state.ts";
import { addShape, findShape, hashShape, newObject, type Shape } from "./shapes.ts";

const arrayPush = Array.prototype.push;
const mapSet = Map.prototype.set;
const setAdd = Set.prototype.add;
const D_ROOT = 0;
const D_ARRAY = 1;
const D_OBJECT = 2;
const D_MAP = 3;
const D_SET = 4;
const D_SPARSE = 5;
export const D_PROPS = 6;
const D_PROMISE = 7;
const D_REDUCE = 8;
export const D_SCOPE = 9;
export const D_PRIVATE = 10;
/** Collects values read whole, with everything they hold (see Builder.definitionValues). */
export const D_DEFINE = 11;

/** Marks a memo slot whose object is still being built (a reducer call). */
export const HOLE: unique symbol = Symbol("hole");
/** Returned by readValue for values delivered later, when their frame completes. */
export const PENDING: unique symbol = Symbol("pending");
/** Returned by primitive() when the next value is not one it reads (nothing was read). */
const NOT_PRIMITIVE: unique symbol = Symbol("not primitive");
export const NOT_DONE = Number.MAX_SAFE_INTEGER;
const EMPTY = new Uint8Array(0);
/** Stands for the prototype of a function that has none: defining on it fails. */
export const NO_PROTOTYPE = Object.freeze(Object.create(null)) as object;
/** Frames kept for reuse between builds. */
const FRAME_POOL = 1024;

const errorLimit = Error as { stackTraceLimit?: number };
/** Whether `Error.stackTraceLimit` can be set (V8 and JavaScriptCore have it). */
const limitWritable = typeof errorLimit.stackTraceLimit === "number" &&
  Object.getOwnPropertyDescriptor(Error, "stackTraceLimit")?.writable === true;

/**
 * Constructs an error without capturing a stack trace (about 5 µs an error): its own
 * properties, the stack among them, come from the pickle.
 */
function constructWithoutStack(Ctor: Ctor, args: unknown[], newTarget: Ctor = Ctor): object {
  if (!limitWritable) return Reflect.construct(Ctor, args, newTarget);
  const limit = errorLimit.stackTraceLimit;
  errorLimit.stackTraceLimit = 0;
  try {
    return Reflect.construct(Ctor, args, newTarget);
  } finally {
    errorLimit.stackTraceLimit = limit;
  }
}

const g = globalThis as unknown as Record<string, unknown>;
type Ctor = new (...args: unknown[]) => object;

/**
 * The class at `path` from globalThis when this runtime has it and it extends `Ctor`, else
 * `Ctor` itself.
 */
function hostClass(path: string, Ctor: Ctor): Ctor {
  if (path === "") return Ctor;
  const cls = resolveGlobalPath(path);
  if (typeof cls !== "function") return Ctor;
  const proto = Object.getOwnPropertyDescriptor(cls, "prototype")?.value;
  if (proto === null || typeof proto !== "object") return Ctor;
  return Object.prototype.isPrototypeOf.call(Ctor.prototype, proto) ? cls as Ctor : Ctor;
}

const defineProperty = Object.defineProperty;

export class Frame {
  kind = 0;
  target: unknown = null;
  keys: string[] | null = null;
  i = 0;
  n = 0;
  /** Property lists: entries left (-1 until the count is read), and the entry being read. */
  count = 0;
  step = 0;
  key: unknown = undefined;
  flags = 0;
  value: unknown = undefined;
  /** Reducer calls and promises: collected operands, memo slot, flags. */
  items: unknown[] | null = null;
  slot = 0;
  extra = 0;
  resolve: ((v: unknown) => void) | null = null;
  reject: ((v: unknown) => void) | null = null;
}

export function hasRepeat(keys: string[]): boolean {
  const n = keys.length;
  if (n > 16) return new Set(keys).size !== n;
  for (let i = 1; i < n; i++) {
    for (let j = 0; j < i; j++) if (keys[i] === keys[j]) return true;
  }
  return false;
}

/** Settings of one load. */
export interface BuildOptions {
  allowCode: boolean;
  buffers: ArrayBuffer[];
  /** The namespaces of the pickle's module table, in order (code by reference). */
  modules?: readonly object[];
  /** The portable names of the module table, for messages. */
  specs?: readonly string[];
}

/** Builds one value from a pickle body; instances are reused between calls when idle. */
export class DataBuilder {
  protected r: ByteReader = new ByteReader(EMPTY);
  /** Scope handles made by this build (a REF must point at one where a scope is due). */
  protected scopes = new WeakSet<object>();
  protected scopeDepth = 0;
  /** Detached buffers of the pickle, created attached so views can be built over them. */
  protected detach: ArrayBuffer[] = [];
  /** Deepest frame used by the current build (frames above it are clean). */
  protected high = -1;
  protected frames: Frame[] = [];
  protected top = -1;
  protected memo: unknown[] = [];
  protected shapes: Shape[] = [];
  /** Values of a new object's leading primitive properties (reused; cleared after use). */
  protected vals: unknown[] = [];
  protected opts: BuildOptions = { allowCode: true, buffers: [] };
  /** True while a build runs (a reducer may unpickle re-entrantly). */
  busy = false;

  /** Decodes the single value in `buf[start..end)`. */
  build(buf: Uint8Array, start: number, end: number, opts: BuildOptions): unknown {
    this.r.reset(buf, start, end);
    this.opts = opts;
    this.memo.length = 0;
    this.shapes.length = 0;
    this.top = -1;
    try {
      const root = this.push(D_ROOT, null, 1);
      this.run();
      // Buffers that were detached are detached last, once the views over them exist.
      for (const b of this.detach) b.transfer();
      if (this.r.pos !== end) {
        this.r.fail(`${end - this.r.pos} unexpected bytes after the value`);
      }
      return root.value;
    } catch (e) {
      if (e instanceof UnpicklingError) throw e;
      throw new UnpicklingError(
        `corrupt pickle: ${e instanceof Error ? e.message : String(e)}`,
        this.r.pos,
        { cause: e },
      );
    } finally {
      for (let i = 0; i <= this.high; i++) this.clear(this.frames[i]);
      this.high = -1;
      if (this.frames.length > FRAME_POOL) this.frames.length = FRAME_POOL;
      this.detach.length = 0;
      this.scopeDepth = 0;
      this.top = -1;
      this.memo.length = 0;
      this.shapes.length = 0;
      // A build that failed while reading an object's values leaves some behind.
      this.vals.fill(undefined);
      if (this.vals.length > FRAME_POOL) this.vals.length = 0;
      this.r.reset(EMPTY, 0, 0);
    }
  }

  protected clear(f: Frame): void {
    f.target = null;
    f.keys = null;
    f.key = undefined;
    f.value = undefined;
    f.items = null;
    f.resolve = null;
    f.reject = null;
  }

  protected push(kind: number, target: unknown, n: number): Frame {
    const t = ++this.top;
    let f = this.frames[t];
    if (f === undefined) {
      f = new Frame();
      this.frames.push(f);
    }
    if (t > this.high) this.high = t;
    f.kind = kind;
    f.count = 0;
    f.target = target;
    f.i = 0;
    f.n = n;
    return f;
  }

  /** Runs the frames above `level` (all of them by default) until they are done. */
  protected run(level = -1): void {
    const frames = this.frames;
    while (this.top > level) {
      const f = frames[this.top];
      if (f.i < f.n) {
        if (f.count < 0) {
          if (f.kind === D_PROPS) {
            f.count = this.r.length(3);
            f.step = 0;
          } else if (f.kind === D_PRIVATE) {
            f.count = this.r.length(2);
            f.n = f.count * 2;
            continue;
          }
        }
        const v = this.value();
        if (v !== PENDING) this.deliver(f, v);
      } else {
        this.top--;
        if (f.kind === D_REDUCE) {
          const result = this.construct(f);
          this.clear(f);
          this.deliver(frames[this.top], result);
        } else if (f.kind === D_ROOT) {
          // The root frame keeps its value for build() to return.
        } else {
          this.clear(f);
        }
      }
    }
  }

  /** Hands a finished child value to its parent frame. */
  protected deliver(f: Frame, v: unknown): void {
    const i = f.i++;
    switch (f.kind) {
      case D_ARRAY:
        // Intrinsics: the object may already have another prototype (SET_PROTO, subclasses).
        arrayPush.call(f.target as unknown[], v);
        return;
      case D_OBJECT:
        (f.target as Record<string, unknown>)[f.keys![i]] = v;
        return;
      case D_MAP:
        if (i & 1) mapSet.call(f.target as Map<unknown, unknown>, f.key, v);
        else f.key = v;
        return;
      case D_SET:
        setAdd.call(f.target as Set<unknown>, v);
        return;
      case D_SPARSE:
        if (i & 1) {
          (f.target as unknown[])[f.key as number] = v;
        } else {
          if (
            typeof v !== "number" || !Number.isInteger(v) || v < f.extra ||
            v >= (f.target as unknown[]).length
          ) {
            this.r.fail("sparse array index out of order or out of range");
          }
          f.key = v;
          f.extra = v + 1;
        }
        return;
      case D_PROPS:
        this.property(f, v);
        return;
      case D_ROOT:
        f.value = v;
        return;
      case D_PROMISE:
        if (f.extra === 1) f.reject!(v);
        else f.resolve!(v);
        return;
      case D_REDUCE:
      case D_DEFINE:
        f.items![i] = v;
        return;
      case D_SCOPE:
        (f.target as ScopeHandle).s(i, v);
        return;
      case D_PRIVATE:
        if ((i & 1) === 0) {
          if (typeof v !== "string") this.r.fail("private field name is not a string");
          f.key = v;
          return;
        }
        if (f.target === null) return;
        try {
          if (f.extra === 1) setStaticPrivate(f.target as object, f.key as string, v);
          else setPrivate(f.target as object, f.key as string, v);
        } catch (e) {
          this.r.fail(`cannot restore private field #${String(f.key)}`, this.r.pos, e);
        }
        return;
    }
  }

  /** One item of a property list: key, flags, value or getter, setter; then integrity. */
  protected property(f: Frame, v: unknown): void {
    if (f.count === 0) {
      if (typeof v !== "number" || v < 0 || v > 3 || (v | 0) !== v) {
        this.r.fail("invalid integrity level");
      }
      const o = f.target as object;
      if (v === T.INTEGRITY_FROZEN) Object.freeze(o);
      else if (v === T.INTEGRITY_SEALED) Object.seal(o);
      else if (v === T.INTEGRITY_NON_EXTENSIBLE) Object.preventExtensions(o);
      f.n = f.i;
      return;
    }
    switch (f.step) {
      case 0:
        if (typeof v !== "string" && typeof v !== "symbol") {
          this.r.fail("property key is neither a string nor a symbol");
        }
        f.key = v;
        f.step = 1;
        return;
      case 1:
        if (typeof v !== "number" || v < 0 || v > 15 || (v | 0) !== v) {
          this.r.fail("invalid property flags");
        }
        f.flags = v;
        f.step = 2;
        return;
      case 2:
        if (f.flags & T.PROP_ACCESSOR) {
          f.value = v;
          f.step = 3;
          return;
        }
        this.define(f, {
          value: v,
          writable: (f.flags & T.PROP_WRITABLE) !== 0,
          enumerable: (f.flags & T.PROP_ENUMERABLE) !== 0,
          configurable: (f.flags & T.PROP_CONFIGURABLE) !== 0,
        });
        return;
      default: {
        const get = f.value;
        if (
          (get !== undefined && typeof get !== "function") ||
          (v !== undefined && typeof v !== "function")
        ) {
          this.r.fail("accessor property with a getter or setter that is not a function");
        }
        this.define(f, {
          get: get as () => unknown,
          set: v as (x: unknown) => void,
          enumerable: (f.flags & T.PROP_ENUMERABLE) !== 0,
          configurable: (f.flags & T.PROP_CONFIGURABLE) !== 0,
        });
      }
    }
  }

  protected define(f: Frame, d: PropertyDescriptor): void {
    try {
      defineProperty(f.target, f.key as PropertyKey, d);
    } catch (e) {
      this.r.fail(`cannot define property ${String(f.key)}`, this.r.pos, e);
    }
    f.value = undefined;
    f.step = 0;
    f.count--;
  }

  /** Moves past a value that must be a string, without decoding it. */
  protected skipString(): void {
    const r = this.r;
    const at = r.pos;
    const tag = r.byte();
    let n: number;
    if (tag >= T.SHORT_STRING && tag < T.UNDEFINED) n = tag - T.SHORT_STRING;
    else if (tag === T.LATIN1) n = r.varint();
    else if (tag === T.STR8) n = r.byte();
    else if (tag === T.STR32) n = r.u32();
    else if (tag === T.STR16) n = r.length(2) * 2;
    else return r.fail("expected a string", at);
    r.need(n);
    r.pos += n;
  }

  /**
   * Reads the module table that opens a body with FLAG_MODULES: the portable names, the
   * offset of each, and where the value starts.
   */
  moduleTable(
    buf: Uint8Array,
    start: number,
    end: number,
  ): { specs: string[]; offsets: number[]; valueStart: number } {
    const r = this.r;
    r.reset(buf, start, end);
    const specs: string[] = [];
    const offsets: number[] = [];
    try {
      const n = r.varint();
      if (n > end - r.pos) r.fail("module table longer than the pickle", start);
      for (let i = 0; i < n; i++) {
        offsets.push(r.pos);
        const spec = this.string();
        if (spec === "") r.fail("empty module name in the module table", offsets[i]);
        specs.push(spec);
      }
    } catch (e) {
      if (e instanceof UnpicklingError) throw e;
      throw new UnpicklingError("corrupt module table", r.pos, { cause: e });
    }
    return { specs, offsets, valueStart: r.pos };
  }

  /** Reads a value that must be a string. */
  protected string(): string {
    const r = this.r;
    const at = r.pos;
    const tag = r.byte();
    if (tag >= T.SHORT_STRING && tag < T.UNDEFINED) return r.latin1(tag - T.SHORT_STRING);
    if (tag === T.LATIN1) return r.latin1(r.varint());
    if (tag === T.STR8) return r.utf8(r.byte());
    if (tag === T.STR32) return r.utf8(r.u32());
    if (tag === T.STR16) return r.utf16(r.length(2));
    return r.fail("expected a string", at);
  }

  protected code(at: number): void {
    if (!this.opts.allowCode) {
      this.r.fail("the pickle holds code, and code is not allowed (allowCode: false)", at);
    }
  }

  /**
   * Reads the next value if it is a common primitive (number, string, boolean, null,
   * undefined); otherwise reads nothing and returns {@linkcode NOT_PRIMITIVE}. Containers use
   * it to take their leading primitive children at once, without a trip through the frame loop.
   */
  protected primitive(): unknown {
    const r = this.r;
    const at = r.pos;
    if (at >= r.end) return NOT_PRIMITIVE;
    const tag = r.buf[at];
    if (tag <= T.SMALL_INT_MAX) {
      r.pos = at + 1;
      return tag;
    }
    if (tag < T.UNDEFINED) {
      r.pos = at + 1;
      return r.latin1(tag - T.SHORT_STRING);
    }
    switch (tag) {
      case T.UNDEFINED:
        r.pos = at + 1;
        return undefined;
      case T.NULL:
        r.pos = at + 1;
        return null;
      case T.FALSE:
        r.pos = at + 1;
        return false;
      case T.TRUE:
        r.pos = at + 1;
        return true;
      case T.INT_POS:
        r.pos = at + 1;
        return r.varint();
      case T.INT_NEG: {
        r.pos = at + 1;
        const m = r.varint();
        if (m === 0) r.fail("negative integer of magnitude 0", at);
        return -m;
      }
      case T.FLOAT64:
        r.pos = at + 1;
        return r.float64();
      case T.NAN:
        r.pos = at + 1;
        return NaN;
      case T.NEG_ZERO:
        r.pos = at + 1;
        return -0;
      case T.LATIN1:
        r.pos = at + 1;
        return r.latin1(r.varint());
      case T.STR8:
        r.pos = at + 1;
        return r.utf8(r.byte());
      default:
        return NOT_PRIMITIVE;
    }
  }

  /** Reads one value. Containers are returned at once and push a frame for their children. */
  protected value(): unknown {
    const p = this.primitive();
    if (p !== NOT_PRIMITIVE) return p;
    const r = this.r;
    const at = r.pos;
    const tag = r.byte();
    switch (tag) {
      case T.BIGINT_POS:
        return r.bigintMagnitude();
      case T.BIGINT_NEG:
        return -r.bigintMagnitude();
      case T.STR32:
        return r.utf8(r.u32());
      case T.STR16:
        return r.utf16(r.length(2));
      case T.SYMBOL_FOR:
        return Symbol.for(this.string());
      case T.SYMBOL_WELL_KNOWN: {
        const name = this.string();
        const s = Object.hasOwn(Symbol, name)
          ? (Symbol as unknown as Record<string, unknown>)[name]
          : undefined;
        if (typeof s !== "symbol") r.fail(`unknown well-known symbol Symbol.${name}`, at);
        return s;
      }
      case T.SYMBOL_UNIQUE: {
        const has = r.byte();
        if (has > 1) r.fail("invalid symbol description flag", at);
        const s = Symbol(has ? this.string() : undefined);
        this.memo.push(s);
        return s;
      }
      case T.REF: {
        const id = r.varint();
        if (id >= this.memo.length) r.fail(`reference to unknown memo id ${id}`, at);
        const v = this.memo[id];
        if (v === HOLE) r.fail("reference to an object that is still being built", at);
        return v;
      }
      case T.OBJECT_NEW_SHAPE:
      case T.NULL_OBJECT_NEW_SHAPE: {
        const nullProto = tag === T.NULL_OBJECT_NEW_SHAPE;
        const start = r.pos;
        const n = r.length(1);
        for (let i = 0; i < n; i++) this.skipString();
        const end = r.pos;
        const hash = hashShape(r.buf, start, end, nullProto);
        let shape = findShape(r.buf, start, end, hash, nullProto);
        if (shape === undefined) {
          r.pos = start;
          r.varint();
          const keys: string[] = new Array(n);
          for (let i = 0; i < n; i++) keys[i] = this.string();
          if (hasRepeat(keys)) r.fail("object shape with a repeated key", at);
          shape = addShape(keys, nullProto, r.buf.subarray(start, end), hash);
        }
        this.shapes.push(shape);
        return this.object(shape);
      }
      case T.OBJECT:
      case T.NULL_OBJECT: {
        const id = r.varint();
        const shape = this.shapes[id];
        if (shape === undefined) r.fail(`unknown object shape ${id}`, at);
        if (shape.nullProto !== (tag === T.NULL_OBJECT)) r.fail("object shape of other kind", at);
        return this.object(shape);
      }
      case T.ARRAY: {
        const n = r.length(1);
        const a: unknown[] = [];
        this.memo.push(a);
        let i = 0;
        for (; i < n; i++) {
          // Small integers and floats (arrays of numbers) without the general dispatch.
          const p = r.pos;
          const tag = p < r.end ? r.buf[p] : -1;
          if (tag >= 0 && tag <= T.SMALL_INT_MAX) {
            r.pos = p + 1;
            a.push(tag);
            continue;
          }
          if (tag === T.FLOAT64) {
            r.pos = p + 1;
            a.push(r.float64());
            continue;
          }
          const v = this.primitive();
          if (v === NOT_PRIMITIVE) break;
          a.push(v);
        }
        if (i < n) this.push(D_ARRAY, a, n).i = i;
        return a;
      }
      case T.SPARSE_ARRAY: {
        const len = r.varint();
        if (len > 4294967295) r.fail("array length out of range", at);
        const count = r.length(2);
        if (count > len) r.fail("sparse array with more elements than its length", at);
        // Not `new Array(len)`: it reserves storage for len elements (V8 below 2^25, 256 MB;
        // on Bun seconds), so a 39-byte pickle could cost that. An element at the end,
        // deleted, gives the length with sparse storage in both engines.
        const a: unknown[] = [];
        if (len > 0) {
          a[len - 1] = undefined;
          delete a[len - 1];
        }
        this.memo.push(a);
        if (count > 0) this.push(D_SPARSE, a, count * 2).extra = 0;
        return a;
      }
      case T.WITH_PROPS: {
        const props = this.push(D_PROPS, null, NOT_DONE);
        props.count = -1;
        const next = r.pos < r.end ? r.buf[r.pos] : -1;
        if (next === T.WITH_PROPS || next === T.REF || next === T.REDUCE) {
          r.fail("property list on a value that cannot take one", at);
        }
        const inner = this.value();
        if (inner === null || (typeof inner !== "object" && typeof inner !== "function")) {
          r.fail("property list on a value that cannot take one", at);
        }
        props.target = inner;
        return inner;
      }
      case T.MAP: {
        const n = r.length(2);
        const m = new Map();
        this.memo.push(m);
        if (n > 0) this.push(D_MAP, m, n * 2);
        return m;
      }
      case T.SET: {
        const n = r.length(1);
        const s = new Set();
        this.memo.push(s);
        if (n > 0) this.push(D_SET, s, n);
        return s;
      }
      case T.DATE: {
        const d = new Date(r.float64());
        this.memo.push(d);
        return d;
      }
      case T.REGEXP: {
        const source = this.string();
        const flags = this.string();
        const last = r.varint();
        let re: RegExp;
        try {
          re = new RegExp(source, flags);
        } catch (e) {
          return r.fail("invalid regular expression", at, e);
        }
        re.lastIndex = last;
        this.memo.push(re);
        return re;
      }
      case T.ERROR:
        return this.error(at);
      case T.ARRAY_BUFFER:
      case T.SHARED_ARRAY_BUFFER:
        return this.arrayBuffer(tag === T.SHARED_ARRAY_BUFFER, at);
      case T.OOB_BUFFER: {
        const i = r.varint();
        const b = this.opts.buffers[i];
        if (b === undefined) {
          r.fail(`out-of-band buffer ${i} was not supplied (LoadOptions.buffers)`, at);
        }
        this.memo.push(b);
        return b;
      }
      case T.VIEW:
        return this.view(at);
      case T.BOXED:
        return this.boxed(at);
      case T.URL_TAG: {
        const href = this.string();
        let u: URL;
        try {
          u = new URL(href);
        } catch (e) {
          return r.fail("invalid URL", at, e);
        }
        this.memo.push(u);
        return u;
      }
      case T.URL_SEARCH_PARAMS: {
        const p = new URLSearchParams(this.string());
        this.memo.push(p);
        return p;
      }
      case T.BLOB:
      case T.FILE:
        return this.blob(tag === T.FILE, at);
      case T.PROMISE: {
        const state = r.byte();
        if (state > 1) r.fail("invalid promise state", at);
        const { promise, resolve, reject } = Promise.withResolvers<unknown>();
        // A rejected promise is handed over as it was; marking it handled keeps the
        // runtime from reporting it before the caller gets to it.
        if (state === 1) promise.catch(() => {});
        this.memo.push(promise);
        const f = this.push(D_PROMISE, promise, 1);
        f.extra = state;
        f.resolve = resolve;
        f.reject = reject;
        return promise;
      }
      case T.GLOBAL: {
        this.code(at);
        const path = this.string();
        const v = resolveGlobalPath(path);
        if (v === undefined) {
          r.fail(
            `built-in '${path}' does not exist in this runtime (the pickle refers to it by ` +
              "name): load it where that built-in exists, or pickle code that does not use it",
            at,
          );
        }
        this.memo.push(v);
        return v;
      }
      case T.REDUCE: {
        this.code(at);
        const flags = r.byte();
        if (flags > 1) r.fail("invalid reduce flags", at);
        const f = this.push(D_REDUCE, null, 3);
        f.items = [undefined, undefined, undefined];
        f.extra = flags;
        f.slot = this.memo.length;
        f.count = at;
        this.memo.push(HOLE);
        return PENDING;
      }
      case T.OBJECT_WITH_PROTO: {
        const slot = this.memo.length;
        this.memo.push(HOLE);
        // The property list is read after the prototype's own contents: its frame goes first.
        const props = this.push(D_PROPS, null, NOT_DONE);
        props.count = -1;
        const proto = this.value();
        if (
          proto === PENDING ||
          (proto !== null && typeof proto !== "object" && typeof proto !== "function")
        ) {
          r.fail("prototype is neither an object nor null", at);
        }
        const o = Object.create(proto as object | null) as object;
        this.memo[slot] = o;
        props.target = o;
        return o;
      }
      default:
        return this.codeValue(tag, at);
    }
  }

  /** Tags of code by value (functions, scopes, class instances); the subclass reads them. */
  protected codeValue(tag: number, at: number): unknown {
    const r = this.r;
    switch (tag) {
      default:
        return r.fail(`unknown tag 0x${tag.toString(16).padStart(2, "0")}`, at);
    }
  }

  protected object(shape: Shape): Record<string, unknown> {
    const keys = shape.keys;
    const n = keys.length;
    // Leading primitive values go straight into the new object (they take no memo slot,
    // so the object's slot is still the next one); the rest come through a frame.
    const vals = this.vals;
    let i = 0;
    for (; i < n; i++) {
      const v = this.primitive();
      if (v === NOT_PRIMITIVE) break;
      vals[i] = v;
    }
    for (let j = i; j < n; j++) vals[j] = undefined;
    const o = newObject(shape, vals);
    for (let j = 0; j < i; j++) vals[j] = undefined;
    this.memo.push(o);
    if (i < n) {
      const f = this.push(D_OBJECT, o, n);
      f.keys = keys;
      f.i = i;
    }
    return o;
  }

  protected error(at: number): Error {
    const r = this.r;
    const byte = r.byte();
    const type = byte & ~T.ERROR_HOST;
    const name = T.ERROR_TYPES[type];
    const Ctor = name === undefined ? undefined : g[name];
    if (typeof Ctor !== "function") {
      r.fail(`error type ${name ?? type} does not exist in this runtime`, at);
    }
    if (type === T.ERROR_DOM_EXCEPTION) {
      if (byte !== type) r.fail("invalid error type", at);
      return this.domException(Ctor as Ctor);
    }
    // An error of a class the runtime defines: that class where this runtime has it, else
    // the standard constructor (its name and properties come from the pickle all the same).
    const host = byte !== type ? hostClass(this.string(), Ctor as Ctor) : Ctor as Ctor;
    const args = name === "AggregateError" ? [[]] : [];
    const e = constructWithoutStack(Ctor as Ctor, args, host) as Error;
    for (const k of Reflect.ownKeys(e)) delete (e as unknown as Record<PropertyKey, unknown>)[k];
    this.memo.push(e);
    this.push(D_PROPS, e, NOT_DONE).count = -1;
    return e;
  }

  /** A DOMException: its message and name, then its own properties. */
  protected domException(Ctor: Ctor): Error {
    const message = this.string();
    const exceptionName = this.string();
    const e = constructWithoutStack(Ctor, [message, exceptionName]) as Error;
    // The runtime's own symbols hold its internal state (Deno): only the rest is cleared.
    for (const k of Reflect.ownKeys(e)) {
      if (!isDOMExceptionIntrinsic(k)) delete (e as unknown as Record<PropertyKey, unknown>)[k];
    }
    this.memo.push(e);
    this.push(D_PROPS, e, NOT_DONE).count = -1;
    return e;
  }

  protected arrayBuffer(shared: boolean, at: number): ArrayBuffer | SharedArrayBuffer {
    const r = this.r;
    const flags = r.byte();
    if (flags > (shared ? 1 : 3)) r.fail("invalid buffer flags", at);
    const max = flags & T.BUFFER_RESIZABLE ? r.varint() : -1;
    const len = r.length(1);
    if (max >= 0 && max < len) r.fail("buffer longer than its maximum length", at);
    let b: ArrayBuffer | SharedArrayBuffer;
    try {
      if (shared) {
        b = max >= 0
          ? new SharedArrayBuffer(len, { maxByteLength: max })
          : new SharedArrayBuffer(len);
      } else if (flags & T.BUFFER_DETACHED) {
        if (len !== 0) r.fail("detached buffer with bytes", at);
        b = new ArrayBuffer(0);
        this.detach.push(b);
      } else if (max < 0 && r.buf.buffer instanceof ArrayBuffer) {
        // One allocation that copies, rather than a zero-filled buffer and a second pass.
        b = copyToBuffer(r.bytes(len));
        this.memo.push(b);
        return b;
      } else {
        b = new ArrayBuffer(len, { maxByteLength: max });
      }
    } catch (e) {
      if (e instanceof UnpicklingError) throw e;
      return r.fail("cannot allocate buffer", at, e);
    }
    if (len > 0) new Uint8Array(b).set(r.bytes(len));
    this.memo.push(b);
    return b;
  }

  protected view(at: number): ArrayBufferView {
    const r = this.r;
    const type = r.byte();
    const flags = r.byte();
    if (flags > 1) r.fail("invalid view flags", at);
    const name = T.VIEW_TYPES[type];
    const Ctor = name === undefined ? undefined : g[name];
    if (typeof Ctor !== "function") {
      r.fail(`view type ${name ?? type} does not exist in this runtime`, at);
    }
    const slot = this.memo.length;
    this.memo.push(HOLE);
    const buffer = this.value();
    if (!(buffer instanceof ArrayBuffer) && !(buffer instanceof SharedArrayBuffer)) {
      r.fail("view over something that is not a buffer", at);
    }
    const offset = r.varint();
    const tracking = flags & T.VIEW_LENGTH_TRACKING;
    const length = tracking ? undefined : r.varint();
    let v: ArrayBufferView;
    try {
      if (type === T.VIEW_BUFFER) {
        v = (Ctor as unknown as { from(b: ArrayBufferLike, o: number, l?: number): Uint8Array })
          .from(buffer as ArrayBufferLike, offset, length);
      } else {
        v = tracking
          ? Reflect.construct(Ctor as Ctor, [buffer, offset]) as ArrayBufferView
          : Reflect.construct(Ctor as Ctor, [buffer, offset, length]) as ArrayBufferView;
      }
    } catch (e) {
      return r.fail(`invalid ${name}`, at, e);
    }
    this.memo[slot] = v;
    return v;
  }

  protected boxed(at: number): object {
    const r = this.r;
    const sub = r.byte();
    const slot = this.memo.length;
    this.memo.push(HOLE);
    const v = this.value();
    const expected = ["number", "string", "boolean", "bigint", "symbol"][sub];
    if (expected === undefined || typeof v !== expected) r.fail("invalid boxed primitive", at);
    const o = Object(v) as object;
    this.memo[slot] = o;
    return o;
  }

  protected blob(isFile: boolean, at: number): Blob {
    const r = this.r;
    let name = "";
    let lastModified = 0;
    if (isFile) name = this.string();
    const type = this.string();
    if (isFile) {
      const lm = this.value();
      if (typeof lm !== "number") r.fail("invalid File lastModified", at);
      lastModified = lm as number;
    }
    const n = r.length(1);
    const bytes = r.bytes(n).slice();
    const b = isFile
      ? new File([bytes], name, { type, lastModified })
      : new Blob([bytes], { type });
    this.memo.push(b);
    return b;
  }

  /** Calls a reducer's callable with its loaded arguments, then applies its state. */
  protected construct(f: Frame): unknown {
    const [callable, args, state] = f.items!;
    const at = f.count;
    if (typeof callable !== "function") this.r.fail("reducer callable is not a function", at);
    if (!Array.isArray(args)) this.r.fail("reducer arguments are not an array", at);
    let o: unknown;
    try {
      o = f.extra & T.REDUCE_CONSTRUCT
        ? Reflect.construct(callable, args)
        : Reflect.apply(callable, undefined, args);
    } catch (e) {
      return this.r.fail(`reducer call ${callable.name || "(anonymous)"}() failed`, at, e);
    }
    if (state !== undefined) {
      try {
        const set = o !== null && (typeof o === "object" || typeof o === "function")
          ? (o as Record<symbol, unknown>)[SET_STATE]
          : undefined;
        if (typeof set === "function") set.call(o, state);
        else Object.assign(o as object, state);
      } catch (e) {
        return this.r.fail("applying the reducer's state failed", at, e);
      }
    }
    this.memo[f.slot] = o;
    return o;
  }
}
