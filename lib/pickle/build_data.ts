/**
 * The loading build over data: iterative (an explicit frame stack), mirrors the pickling
 * walk tag by tag. Containers are created before their children so cycles and shared
 * references resolve through the memo; values that need their children first (reducer
 * calls) are delivered to their parent when they complete. Code tags are the subclass's part,
 * in unpickler.ts.
 *
 * @module
 */

import { types } from "node:util";
import { ByteReader } from "../format/reader.ts";
import { copyToBuffer } from "../format/allocate.ts";
import * as T from "../format/tags.ts";
import { UnpicklingError } from "./errors.ts";
import { setState as SET_STATE } from "./options.ts";
import { resolveGlobalPath } from "../code/globals.ts";
import { admits, type AllowPolicy, refused } from "./allow.ts";
import { isDOMExceptionIntrinsic } from "../values/errors.ts";
import {
  BlobClass,
  FileClass,
  INTRINSICS,
  URLClass,
  URLSearchParamsClass,
} from "../values/intrinsics.ts";
import type { ScopeHandle } from "../code/functions.ts";
import { setPrivate, setStaticPrivate } from "../code/private_state.ts";
import { addShape, findShape, fromTemplate, hashShape, newObject, type Shape } from "./shapes.ts";
import {
  DEFAULT_LIMITS,
  DEFAULT_MAX_DEPTH,
  factoryBudget,
  type Limits,
  maxDepthOf,
  maxErrorsOf,
  maxObjectsOf,
  overLimit,
  regExpCost,
  urlAuthorityLength,
} from "./limits.ts";

const ignore = () => {};
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
/** Arrays up to this length are made at their size. */
const SIZED_ARRAY = 16;
/** Frames kept for reuse between builds. */
const FRAME_POOL = 1024;

const errorLimit = Error as { stackTraceLimit?: number };
/** Whether `Error.stackTraceLimit` can be set (V8 and JavaScriptCore have it). */
const limitWritable = typeof errorLimit.stackTraceLimit === "number" &&
  Object.getOwnPropertyDescriptor(Error, "stackTraceLimit")?.writable === true;

/**
 * Constructs an error without capturing a stack trace: its own properties, the stack among
 * them, come from the pickle. Deno still records a detailed trace of every new error for its
 * uncaught-error reports, whatever `Error.stackTraceLimit` says (8-20 µs an error, growing
 * with the caller's stack depth; Bun 0.2 µs): hence LoadOptions.maxErrors.
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

const g = INTRINSICS;
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

/**
 * One container being filled: a frame per level of nesting, so it is kept small (eleven
 * fields, each reused by the kinds that need it).
 */
export class Frame {
  kind = 0;
  target: unknown = null;
  i = 0;
  n = 0;
  /** Property lists: entries left (-1 until the count is read), and the entry being read. */
  count = 0;
  step = 0;
  /** Maps, property lists: the key read; promises: the resolve function. */
  key: unknown = undefined;
  /** Property lists: an accessor's getter; promises: the reject function. */
  value: unknown = undefined;
  /** Reducer calls: collected operands; objects: the shape's keys. */
  items: unknown[] | null = null;
  /** Reducer calls: the memo slot of the result. */
  slot = 0;
  /** By kind: property flags, promise state, reduce flags, next sparse index. */
  extra = 0;
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
  /** With allowCode false: the references to code by name the caller admits. */
  allow?: AllowPolicy;
  /** Resource limits (limits.ts); the defaults when absent. */
  limits?: Limits;
  /** LoadOptions.maxDepth (see limits.ts for the default). */
  maxDepth?: number;
  /** LoadOptions.maxErrors (see limits.ts for the default). */
  maxErrors?: number;
  /** LoadOptions.maxObjects (see limits.ts for the default). */
  maxObjects?: number;
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
  /** Frames the current build may stack (LoadOptions.maxDepth). */
  protected maxDepth = DEFAULT_MAX_DEPTH;
  /**
   * Objects of shapes without a generated factory the current build may still make with
   * the chance to generate one (a factory costs 50-100 µs to compile); past this budget they
   * are made without it.
   */
  protected slowObjects = 0;
  /** Units of LoadOptions.maxObjects the current build may still spend. */
  protected objectsLeft = 0;
  protected maxObjects = 0;
  /** Errors the current build may create (LoadOptions.maxErrors), and has created. */
  protected maxErrors = 0;
  protected errors = 0;
  protected memo: unknown[] = [];
  protected shapes: Shape[] = [];
  /** Values of a new object's leading primitive properties (reused; cleared after use). */
  protected vals: unknown[] = [];
  protected opts: BuildOptions = { allowCode: true, buffers: [] };
  /**
   * Data-only loads with an allow-list: the values it admitted by reference, and the
   * prototypes of those, which may be the callables of reducers and the prototypes of objects.
   */
  protected admitted: Set<unknown> = new Set();
  /** True while a build runs (a reducer may unpickle re-entrantly). */
  busy = false;
  /** What this build spent of its limits: RegExp cost, bytes reserved by resizable buffers. */
  protected spentRegExp = 0;
  protected spentReserve = 0;
  /** What this build may spend building regular expressions: the option plus its length. */
  protected regExpBudget = 0;

  /** Decodes the single value in `buf[start..end)`. */
  build(buf: Uint8Array, start: number, end: number, opts: BuildOptions): unknown {
    this.r.reset(buf, start, end);
    this.opts = opts;
    this.spentRegExp = this.spentReserve = 0;
    this.regExpBudget = (opts.limits ?? DEFAULT_LIMITS).maxRegExpCost + (end - start);
    this.maxDepth = maxDepthOf(opts.maxDepth);
    this.maxErrors = maxErrorsOf(opts.maxErrors, end - start);
    this.objectsLeft = this.maxObjects = maxObjectsOf(opts.maxObjects, end - start);
    this.slowObjects = factoryBudget(end - start);
    this.errors = 0;
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
      if (this.admitted.size > 0) this.admitted.clear();
      // A build that failed while reading an object's values leaves some behind.
      this.vals.fill(undefined);
      if (this.vals.length > FRAME_POOL) this.vals.length = 0;
      this.r.reset(EMPTY, 0, 0);
    }
  }

  protected clear(f: Frame): void {
    f.target = null;
    f.key = undefined;
    f.value = undefined;
    f.items = null;
  }

  protected push(kind: number, target: unknown, n: number): Frame {
    const t = ++this.top;
    if (t > this.maxDepth) this.tooDeep();
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

  protected tooDeep(): never {
    return this.r.fail(
      `nesting deeper than ${this.maxDepth} levels (LoadOptions.maxDepth raises the limit)`,
    );
  }

  /**
   * Counts an object whose memory outweighs its bytes in the pickle against
   * LoadOptions.maxObjects: `units` of about 350 bytes (measured on V8, the heavier).
   */
  protected heavy(at: number, units: number): void {
    if ((this.objectsLeft -= units) < 0) {
      this.r.fail(
        `more than ${this.maxObjects} objects of the kinds that LoadOptions.maxObjects limits ` +
          "(it raises the limit)",
        at,
      );
    }
  }

  /** Counts one more error against LoadOptions.maxErrors. */
  protected countError(at: number): void {
    if (++this.errors > this.maxErrors) {
      this.r.fail(
        `more than ${this.maxErrors} errors (LoadOptions.maxErrors raises the limit)`,
        at,
      );
    }
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
        // By index: the object may already have another prototype (SET_PROTO, subclasses).
        (f.target as unknown[])[i] = v;
        return;
      case D_OBJECT:
        (f.target as Record<string, unknown>)[(f.items as string[])[i]] = v;
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
        if (f.extra === 1) (f.value as (v: unknown) => void)(v);
        else if (types.isPromise(v)) {
          // A fulfilled promise never holds a promise (it would have adopted its state):
          // only a hand-made pickle says so, e.g. a promise fulfilled with itself.
          this.r.fail("a fulfilled promise cannot hold a promise");
        } else (f.key as (v: unknown) => void)(v);
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
        f.extra = v;
        f.step = 2;
        return;
      case 2:
        if (f.extra & T.PROP_ACCESSOR) {
          f.value = v;
          f.step = 3;
          return;
        }
        this.define(f, {
          value: v,
          writable: (f.extra & T.PROP_WRITABLE) !== 0,
          enumerable: (f.extra & T.PROP_ENUMERABLE) !== 0,
          configurable: (f.extra & T.PROP_CONFIGURABLE) !== 0,
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
          enumerable: (f.extra & T.PROP_ENUMERABLE) !== 0,
          configurable: (f.extra & T.PROP_CONFIGURABLE) !== 0,
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
   * A reference to code by name (a built-in, a module's export or namespace): allowed with
   * allowCode, else only when LoadOptions.allow admits it. Call {@linkcode admit} on its value.
   */
  protected reference(
    kind: "global" | "export" | "namespace",
    module: string,
    path: string,
    at: number,
  ): void {
    if (this.opts.allowCode) return;
    const policy = this.opts.allow;
    if (policy === undefined) this.code(at);
    else if (!admits(policy, kind, module, path, at)) this.r.fail(refused(kind, module, path), at);
  }

  /** Remembers a value admitted by reference in a data-only load (see {@linkcode reference}). */
  protected admit(v: unknown): void {
    if (!this.opts.allowCode) this.admitted.add(v);
  }

  /**
   * Data-only loads assign no prototype but null and those the allow-list admitted: an
   * object, an instance or a built-in of the pickle is refused as a prototype.
   */
  protected checkPrototype(proto: unknown, at: number): void {
    if (this.opts.allowCode || proto === null || this.admitted.has(proto)) return;
    this.r.fail(
      "the pickle gives an object a prototype that is not a built-in one (an object or an " +
        "instance it builds): that needs allowCode: true" +
        (this.opts.allow === undefined ? "" : ", or its class by reference in LoadOptions.allow"),
      at,
    );
  }

  /**
   * The caller's out-of-band buffer at the next OOB_BUFFER tag, copied: the pickle is about
   * to give it properties or a prototype, which the caller's own buffer never gets.
   */
  protected ownedBuffer(at: number): ArrayBuffer {
    const r = this.r;
    r.pos++;
    const b = this.oob(r.varint(), at);
    let copy: ArrayBuffer;
    try {
      copy = b.resizable
        ? new ArrayBuffer(b.byteLength, { maxByteLength: b.maxByteLength })
        : new ArrayBuffer(b.byteLength);
      new Uint8Array(copy).set(new Uint8Array(b));
    } catch (e) {
      return r.fail("cannot copy an out-of-band buffer", at, e);
    }
    this.memo.push(copy);
    return copy;
  }

  private oob(i: number, at: number): ArrayBuffer {
    const b = this.opts.buffers[i];
    if (b === undefined) {
      this.r.fail(`out-of-band buffer ${i} was not supplied (LoadOptions.buffers)`, at);
    }
    return b;
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
        this.heavy(at, 1);
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
        // A shape costs its keys, a cache entry and a hidden class (10-20 µs in Deno).
        this.heavy(at, 4);
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
        // A short array gets its exact size (V8 gives a pushed-to empty array room for 17
        // elements: 190 bytes for one); a long one grows as it is filled.
        const a: unknown[] = n <= SIZED_ARRAY ? new Array(n) : [];
        this.memo.push(a);
        let i = 0;
        for (; i < n; i++) {
          // Small integers and floats (arrays of numbers) without the general dispatch.
          const p = r.pos;
          const tag = p < r.end ? r.buf[p] : -1;
          if (tag >= 0 && tag <= T.SMALL_INT_MAX) {
            r.pos = p + 1;
            a[i] = tag;
            continue;
          }
          if (tag === T.FLOAT64) {
            r.pos = p + 1;
            a[i] = r.float64();
            continue;
          }
          const v = this.primitive();
          if (v === NOT_PRIMITIVE) break;
          a[i] = v;
        }
        if (i < n) this.push(D_ARRAY, a, n).i = i;
        return a;
      }
      case T.SPARSE_ARRAY: {
        this.heavy(at, 1);
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
        const inner = next === T.OOB_BUFFER ? this.ownedBuffer(r.pos) : this.value();
        if (inner === null || (typeof inner !== "object" && typeof inner !== "function")) {
          r.fail("property list on a value that cannot take one", at);
        }
        props.target = inner;
        return inner;
      }
      case T.MAP: {
        this.heavy(at, 1);
        const n = r.length(2);
        const m = new Map();
        this.memo.push(m);
        if (n > 0) this.push(D_MAP, m, n * 2);
        return m;
      }
      case T.SET: {
        this.heavy(at, 1);
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
        this.spentRegExp += regExpCost(source, flags);
        if (this.spentRegExp > this.regExpBudget) {
          r.fail(
            overLimit(
              "the cost of the pickle's regular expressions (limit: LoadOptions.maxRegExpCost " +
                "plus one per byte of the pickle)",
              this.spentRegExp,
              "maxRegExpCost",
              this.regExpBudget,
            ),
            at,
          );
        }
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
        const b = this.oob(r.varint(), at);
        this.memo.push(b);
        return b;
      }
      case T.VIEW:
        return this.view(at);
      case T.BOXED:
        return this.boxed(at);
      case T.URL_TAG: {
        this.heavy(at, 1);
        const href = this.string();
        const maxHost = (this.opts.limits ?? DEFAULT_LIMITS).maxUrlHostLength;
        const host = urlAuthorityLength(href);
        if (host > maxHost) {
          r.fail(overLimit("the length of a URL's host", host, "maxUrlHostLength", maxHost), at);
        }
        let u: URL;
        try {
          u = new URLClass(href);
        } catch (e) {
          return r.fail("invalid URL", at, e);
        }
        this.memo.push(u);
        return u;
      }
      case T.URL_SEARCH_PARAMS: {
        this.heavy(at, 1);
        const p = new URLSearchParamsClass(this.string());
        this.memo.push(p);
        return p;
      }
      case T.BLOB:
      case T.FILE:
        return this.blob(tag === T.FILE, at);
      case T.PROMISE: {
        this.heavy(at, 2);
        const state = r.byte();
        if (state > 1) r.fail("invalid promise state", at);
        const { promise, resolve, reject } = Promise.withResolvers<unknown>();
        // A rejected promise is handed over as it was; marking it handled keeps the
        // runtime from reporting it before the caller gets to it, or at all when the load
        // fails and the promise is dropped (a fulfilled one may adopt a thenable that rejects).
        promise.catch(ignore);
        this.memo.push(promise);
        const f = this.push(D_PROMISE, promise, 1);
        f.extra = state;
        f.key = resolve;
        f.value = reject;
        return promise;
      }
      case T.GLOBAL: {
        if (!this.opts.allowCode && this.opts.allow === undefined) this.code(at);
        const path = this.string();
        this.reference("global", "", path, at);
        const v = resolveGlobalPath(path);
        if (v === undefined) {
          r.fail(
            `built-in '${path}' does not exist in this runtime (the pickle refers to it by ` +
              "name): load it where that built-in exists, or pickle code that does not use it",
            at,
          );
        }
        this.memo.push(v);
        this.admit(v);
        return v;
      }
      case T.REDUCE: {
        // Data only: a callable the allow-list admitted (checked when it is called).
        if (!this.opts.allowCode && this.opts.allow === undefined) this.code(at);
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
        this.heavy(at, 1);
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
        this.checkPrototype(proto, at);
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
    if (shape.nullProto) this.heavy(this.r.pos, 1);
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
    // Data-only loads generate no code (see shapes.ts); objects of shapes without a factory
    // yet (each may compile one) are budgeted.
    const o = !this.opts.allowCode
      ? fromTemplate(shape, vals)
      : shape.make !== null || --this.slowObjects >= 0
      ? newObject(shape, vals)
      : newObject(shape, vals, false);
    for (let j = 0; j < i; j++) vals[j] = undefined;
    this.memo.push(o);
    if (i < n) {
      const f = this.push(D_OBJECT, o, n);
      f.items = keys;
      f.i = i;
    }
    return o;
  }

  protected error(at: number): Error {
    const r = this.r;
    this.countError(at);
    this.heavy(at, 4);
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
    const host = byte !== type ? this.hostClass(this.string(), Ctor as Ctor, at) : Ctor as Ctor;
    const args = name === "AggregateError" ? [[]] : [];
    const e = constructWithoutStack(Ctor as Ctor, args, host) as Error;
    for (const k of Reflect.ownKeys(e)) delete (e as unknown as Record<PropertyKey, unknown>)[k];
    this.memo.push(e);
    this.push(D_PROPS, e, NOT_DONE).count = -1;
    return e;
  }

  /**
   * The class of an error the runtime defines, from its path. Data only, the standard class,
   * unless LoadOptions.allow admits that path as a built-in.
   */
  private hostClass(path: string, Ctor: Ctor, at: number): Ctor {
    const o = this.opts;
    if (
      o.allowCode ||
      (o.allow !== undefined && path !== "" && admits(o.allow, "global", "", path, at))
    ) {
      return hostClass(path, Ctor);
    }
    return Ctor;
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
    this.heavy(at, 2);
    const r = this.r;
    const flags = r.byte();
    if (flags > (shared ? 1 : 3)) r.fail("invalid buffer flags", at);
    const max = flags & T.BUFFER_RESIZABLE ? r.varint() : -1;
    const len = r.length(1);
    if (max >= 0 && max < len) r.fail("buffer longer than its maximum length", at);
    if (max >= 0) {
      // Resizable buffers reserve their maximum length at once.
      const reserve = (this.opts.limits ?? DEFAULT_LIMITS).maxBufferReserve;
      this.spentReserve += max;
      if (this.spentReserve > reserve) {
        r.fail(
          overLimit(
            "the maxByteLength reserved by the pickle's resizable buffers",
            this.spentReserve,
            "maxBufferReserve",
            reserve,
          ),
          at,
        );
      }
    }
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
    this.heavy(at, 1);
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
    // By the internal slots: an object given a buffer's prototype would be read as an
    // array-like of any length.
    if (!types.isArrayBuffer(buffer) && !types.isSharedArrayBuffer(buffer)) {
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
    this.heavy(at, 1);
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
    // An empty part list makes an empty blob several times faster (Deno).
    const parts = n === 0 ? [] : [r.bytes(n).slice()];
    const b = isFile
      ? new FileClass(parts, name, { type, lastModified })
      : new BlobClass(parts, { type });
    this.memo.push(b);
    return b;
  }

  /** Calls a reducer's callable with its loaded arguments, then applies its state. */
  protected construct(f: Frame): unknown {
    const [callable, args, state] = f.items!;
    const at = f.count;
    if (typeof callable !== "function") this.r.fail("reducer callable is not a function", at);
    if (!this.opts.allowCode && !this.admitted.has(callable)) {
      this.r.fail(
        "a reduce call of a function that LoadOptions.allow does not admit (allowCode: false): " +
          "admit the function by name, or load with allowCode: true",
        at,
      );
    }
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
