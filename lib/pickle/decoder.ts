/**
 * The decoder: the build loop over a pickle body, iterative (an explicit frame stack), with
 * the memo and the limits of one load. It reads a tag and calls that tag's read function from
 * the dispatch table (decode_table.ts); the families (lib/values/*, lib/code/*) hold the read
 * functions. Containers are created before their children so cycles and shared references
 * resolve through the memo; values that need their children first (reducer calls) are
 * delivered to their parent when their frame finishes.
 *
 * @module
 */

import { CORRUPT } from "../format/header.ts";
import { ByteReader } from "../format/reader.ts";
import { readStr } from "../format/module_table.ts";
import { UnpicklingError } from "../errors.ts";
import { admits, type AllowPolicy, refused } from "./allow.ts";
import type { ScopeHandle } from "../code/functions.ts";
import type { Shape } from "./shapes.ts";
import type { InstanceShape } from "../code/instances.ts";
import type { Definition } from "./code_cache.ts";
import { NOT_PRIMITIVE, readPrimitive } from "../values/primitives.ts";
import { readShapedObject } from "../values/objects.ts";
import { readArray } from "../values/arrays.ts";
import { ARRAY, OBJECT, WEAK_ENTRIES } from "../format/tags.ts";
import { refillScopes } from "../code/scope_read.ts";
import { settlePromises } from "../values/async_values.ts";
import { addLiveEntries, readWeakEntries } from "../values/weak.ts";
import {
  BEGIN,
  DELIVER,
  FINISH,
  K_ARRAY,
  K_OBJECT,
  K_ROOT,
  READ,
  TAG_NAMES,
} from "./decode_table.ts";
import {
  DEFAULT_LIMITS,
  DEFAULT_MAX_DEPTH,
  factoryBudget,
  type Limits,
  maxDepthOf,
  maxErrorsOf,
  maxObjectsOf,
} from "./limits.ts";

/** Marks a memo slot whose object is still being built (a reducer call). */
export const HOLE: unique symbol = Symbol("hole");
/** Returned by a read function for values delivered later, when their frame finishes. */
export const PENDING: unique symbol = Symbol("pending");
/** The length of a frame whose end is decided while it runs (property lists). */
export const NOT_DONE = Number.MAX_SAFE_INTEGER;
/** Stands for the prototype of a function that has none: defining on it fails. */
export const NO_PROTOTYPE = Object.freeze(Object.create(null)) as object;
const EMPTY = new Uint8Array(0);
/** Frames kept for reuse between loads. */
const FRAME_POOL = 1024;
/** Arrays of a load this long or shorter are replaced when the load ends (see decode). */
const SMALL_ARRAY = 64;
/**
 * Deepest nesting of values read inside one another by nested calls (see
 * `Decoder.inlineValue`). Real pickles nest them a few levels (an instance's prototype, its
 * class); V8 runs out of stack near 3 000.
 */
const INLINE_MAX = 1000;
/**
 * The tag of no value: the root frame, outside of any value, or between the children of a
 * frame (whose own tag then applies).
 */
export const NO_TAG = -1;

/**
 * One container being filled: a frame per level of nesting, so it is kept small (its fields
 * are reused by the kinds that need them; decode_table.ts lists the kinds).
 */
export class DecodeFrame {
  kind = 0;
  /** The tag whose value this frame fills (for UnpicklingError.tag). */
  tag = NO_TAG;
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

/** Settings of one load. */
export interface DecodeOptions {
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
  /** The definitions of the pickle's code table, by index (code_cache.ts). */
  code?: readonly Definition[];
}

/**
 * The state of one load; instances are reused between loads when idle. The read functions
 * of the families take it as their first argument.
 */
export class Decoder {
  r: ByteReader = new ByteReader(EMPTY);
  /**
   * The tag whose read function runs (NO_TAG between the children of a frame), for
   * UnpicklingError.tag: kept with one store on entry and one on return of each read.
   */
  tag = NO_TAG;
  /** The dispatch table (decode_table.ts), held here for a cheaper lookup. */
  private readonly read = READ;
  /** Scope handles made by this load (a REF must point at one where a scope is due). */
  scopes = new WeakSet<object>();
  scopeDepth = 0;
  /** Pairs (earlier scope, scope of this pickle) to copy once the pickle is built. */
  refill: (ScopeHandle | null)[] = [];
  /** Detached buffers of the pickle, created attached so views can be built over them. */
  detach: ArrayBuffer[] = [];
  /** Deepest frame used by the current load (frames above it are clean). */
  private high = -1;
  frames: DecodeFrame[] = [];
  top = -1;
  /** Frames the current load may stack (LoadOptions.maxDepth). */
  private maxDepth = DEFAULT_MAX_DEPTH;
  /**
   * Objects of shapes without a generated factory the current load may still make with
   * the chance to generate one (a factory costs 50-100 µs to compile); past this budget they
   * are made without it.
   */
  slowObjects = 0;
  /** Units of LoadOptions.maxObjects the current load may still spend. */
  private objectsLeft = 0;
  private maxObjects = 0;
  /** Errors the current load may create (LoadOptions.maxErrors), and has created. */
  private maxErrors = 0;
  private errors = 0;
  memo: unknown[] = [];
  shapes: Shape[] = [];
  /** The last object shape the current load defined (shapes.ts predicts the next one). */
  lastShape: Shape | null = null;
  /** The instance shapes of the current load, by id (lib/code/instances.ts). */
  instanceShapes: InstanceShape[] = [];
  /**
   * Where the value the frame loop is reading starts: an object that starts there has its
   * values right after it (objects.ts reads its arrays at once).
   */
  framedAt = -1;
  /** Values of a new object's leading primitive properties (reused; cleared after use). */
  vals: unknown[] = [];
  opts: DecodeOptions = { allowCode: true, buffers: [] };
  /**
   * The values taken by reference (a global, a module's namespace or export) and the
   * prototypes of those: the loading process had them before the load, so no property list
   * or prototype of the pickle may change them. In data-only loads with an allow-list they
   * are what it admitted, which may be the callables of reducers and the prototypes of objects.
   */
  admitted: Set<unknown> = new Set();
  /** Promises to fulfil with objects once the load built them: resolve, value, offset, … */
  settle: unknown[] = [];
  /** The weak collections this load made or found (only those take WEAK_ENTRIES). */
  weak: Set<object> = new Set();
  /** Entries for weak collections the process had, added once the load succeeded (weak.ts). */
  weakLater: unknown[] = [];
  /** Values being read inline (inside the read of another, not through a frame). */
  private inline = 0;
  /** True while a load runs (a reducer may unpickle re-entrantly). */
  busy = false;
  /** What this load spent of its limits: RegExp cost, bytes reserved by resizable buffers. */
  spentRegExp = 0;
  spentReserve = 0;
  /** What this load may spend building regular expressions: the option plus its length. */
  regExpBudget = 0;

  /** Decodes the single value in `buf[start..end)`. */
  decode(buf: Uint8Array, start: number, end: number, opts: DecodeOptions): unknown {
    this.r.reset(buf, start, end);
    this.opts = opts;
    this.spentRegExp = this.spentReserve = 0;
    this.regExpBudget = (opts.limits ?? DEFAULT_LIMITS).maxRegExpCost + (end - start);
    this.maxDepth = maxDepthOf(opts.maxDepth);
    this.maxErrors = maxErrorsOf(opts.maxErrors, end - start);
    this.objectsLeft = this.maxObjects = maxObjectsOf(opts.maxObjects, end - start);
    this.slowObjects = factoryBudget(end - start);
    this.errors = 0;
    // (Storing an array's length costs V8 and JavaScriptCore 30-40 ns even when it is 0
    // already: these arrays are emptied by every load, so only a load interrupted by a
    // re-entrant one finds them otherwise.)
    if (this.memo.length !== 0) this.memo.length = 0;
    if (this.shapes.length !== 0) this.shapes.length = 0;
    if (this.instanceShapes.length !== 0) this.instanceShapes.length = 0;
    this.top = -1;
    this.tag = NO_TAG;
    this.framedAt = -1;
    this.lastShape = null;
    try {
      const root = this.push(K_ROOT, null, 1);
      this.run();
      const value = root.value;
      if (this.r.pos < end && this.r.buf[this.r.pos] === WEAK_ENTRIES) {
        readWeakEntries(this, end);
      }
      // Buffers that were detached are detached last, once the views over them exist.
      for (const b of this.detach) b.transfer();
      if (this.r.pos !== end) {
        this.corrupt(`${end - this.r.pos} unexpected bytes follow its value`);
      }
      if (this.weakLater.length > 0) addLiveEntries(this.weakLater);
      if (this.refill.length > 0) refillScopes(this.refill);
      if (this.settle.length > 0) settlePromises(this);
      return value;
    } catch (e) {
      throw this.failure(e);
    } finally {
      for (let i = 0; i <= this.high; i++) clearFrame(this.frames[i]);
      this.high = -1;
      if (this.frames.length > FRAME_POOL) this.frames.length = FRAME_POOL;
      if (this.detach.length !== 0) this.detach.length = 0;
      if (this.refill.length !== 0) this.refill.length = 0;
      if (this.settle.length !== 0) this.settle.length = 0;
      this.scopeDepth = 0;
      this.inline = 0;
      this.top = -1;
      // (A small array is replaced by a new one: storing the length is a native setter, which
      // costs about as much as a small load's objects. A large one keeps V8 faster emptied.)
      const memo = this.memo.length;
      if (memo > SMALL_ARRAY) this.memo.length = 0;
      else if (memo !== 0) this.memo = [];
      const shapes = this.shapes.length;
      if (shapes > SMALL_ARRAY) this.shapes.length = 0;
      else if (shapes !== 0) this.shapes = [];
      if (this.instanceShapes.length !== 0) this.instanceShapes.length = 0;
      this.lastShape = null;
      if (this.admitted.size > 0) this.admitted.clear();
      if (this.weak.size > 0) this.weak.clear();
      if (this.weakLater.length > 0) this.weakLater.length = 0;
      if (this.vals.length > FRAME_POOL) this.vals.length = 0;
      this.r.reset(EMPTY, 0, 0);
    }
  }

  /**
   * The error a failed load throws: an UnpicklingError with the offset and the name of the
   * tag being decoded: the enclosing frame's between its children, or when the failing byte
   * is no known tag.
   */
  private failure(e: unknown): UnpicklingError {
    // A load that failed while reading an object's values leaves some behind (a load that
    // succeeds leaves none): emptied here, since Array.prototype.fill is a native call that
    // cost V8 about 5% of a small message's load when made by every load.
    this.vals.fill(undefined);
    let tag = TAG_NAMES[this.tag];
    if (tag === undefined && this.top >= 0) tag = TAG_NAMES[this.frames[this.top].tag];
    if (e instanceof UnpicklingError) {
      if (e.tag === undefined) e.tag = tag;
      return e;
    }
    return new UnpicklingError(
      `cannot load the pickle: ${e instanceof Error ? e.message : String(e)}`,
      this.r.pos,
      { cause: e, tag },
    );
  }

  /** Stacks a frame of `kind` that fills `target` with `n` values. */
  push(kind: number, target: unknown, n: number): DecodeFrame {
    const t = ++this.top;
    if (t > this.maxDepth) this.tooDeep();
    let f = this.frames[t];
    if (f === undefined) {
      f = new DecodeFrame();
      this.frames.push(f);
    }
    if (t > this.high) this.high = t;
    f.kind = kind;
    f.tag = this.tag;
    f.count = 0;
    f.target = target;
    f.i = 0;
    f.n = n;
    return f;
  }

  private tooDeep(): never {
    return this.r.fail(
      `cannot load the pickle: its values nest deeper than ${this.maxDepth} levels; ` +
        "raise LoadOptions.maxDepth if the pickle is trusted",
    );
  }

  /**
   * Counts an object whose memory outweighs its bytes in the pickle against
   * LoadOptions.maxObjects: `units` of about 350 bytes (measured on V8, the heavier).
   */
  heavy(at: number, units: number): void {
    if ((this.objectsLeft -= units) < 0) {
      this.r.fail(
        `cannot load the pickle: it makes more than ${this.maxObjects} objects of the kinds ` +
          "that LoadOptions.maxObjects limits; raise LoadOptions.maxObjects if it is trusted",
        at,
      );
    }
  }

  /** Counts one more error against LoadOptions.maxErrors. */
  countError(at: number): void {
    if (++this.errors > this.maxErrors) {
      this.r.fail(
        `cannot load the pickle: it holds more than ${this.maxErrors} errors; ` +
          "raise LoadOptions.maxErrors if it is trusted",
        at,
      );
    }
  }

  /** Runs the frames above `level` (all of them by default) until they are done. */
  run(level = -1): void {
    const frames = this.frames;
    const deliver = DELIVER;
    while (this.top > level) {
      const f = frames[this.top];
      if (f.i < f.n) {
        if (f.count < 0) {
          BEGIN[f.kind](this, f);
          continue;
        }
        this.framedAt = this.r.pos;
        const v = this.value();
        if (v === PENDING) continue;
        // The two commonest kinds inline (a call through the table costs V8 an inlining).
        const kind = f.kind;
        if (kind === K_ARRAY) {
          // By index: the object may already have another prototype (SET_PROTO, subclasses).
          (f.target as unknown[])[f.i++] = v;
        } else if (kind === K_OBJECT) {
          (f.target as Record<string, unknown>)[(f.items as string[])[f.i++]] = v;
        } else deliver[kind](this, f, v, f.i++);
      } else {
        this.top--;
        const finish = FINISH[f.kind];
        if (finish !== null) {
          // A failure while it finishes names the frame's tag (its frame is popped already).
          this.tag = f.tag;
          const result = finish(this, f);
          this.tag = NO_TAG;
          clearFrame(f);
          const parent = frames[this.top];
          deliver[parent.kind](this, parent, result, parent.i++);
        } else if (f.kind !== K_ROOT) {
          // The root frame keeps its value for decode() to return.
          clearFrame(f);
        }
      }
    }
  }

  /** Reads one value. Containers are returned at once and push a frame for their children. */
  value(): unknown {
    const p = readPrimitive(this);
    if (p !== NOT_PRIMITIVE) return p;
    const r = this.r;
    const at = r.pos;
    const tag = r.byte();
    const outer = this.tag;
    this.tag = tag;
    // The commonest containers through direct calls, which the engine can inline; the rest
    // through the table.
    const v = tag === OBJECT
      ? readShapedObject(this, at, tag)
      : tag === ARRAY
      ? readArray(this)
      : this.read[tag](this, at, tag);
    this.tag = outer;
    return v;
  }

  /** Reads a value that must be a string. */
  string(): string {
    return readStr(this.r);
  }

  /**
   * Fails on bytes no pickle of this library holds: `why` says what was found, in the
   * grammar of every message (what could not be done, why, the remedy).
   */
  corrupt(why: string, at: number = this.r.pos, cause?: unknown): never {
    return this.r.fail(
      `cannot load the pickle: ${why}; ${CORRUPT}`,
      at,
      cause,
    );
  }

  /** Refuses code (allowCode: false). */
  code(at: number): void {
    if (!this.opts.allowCode) {
      this.r.fail(
        "cannot load the pickle: it holds code, and code is not allowed (allowCode: false); " +
          "load it with allowCode: true if it is trusted",
        at,
      );
    }
  }

  /**
   * A reference to code by name (a built-in, a module's export or namespace): allowed with
   * allowCode, else only when LoadOptions.allow admits it. Call {@linkcode admit} on its value.
   */
  reference(
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

  /** Remembers a value taken by reference (see {@linkcode reference} and `admitted`). */
  admit(v: unknown): void {
    this.admitted.add(v);
  }

  /**
   * Fails when `o`, which the pickle is about to change (give properties or a prototype), is a
   * value taken by reference: a pickle of this library never changes those.
   */
  checkOwned(o: unknown, at: number): void {
    if (this.admitted.has(o)) {
      this.corrupt(
        "it would change a value the loading process already has (a built-in, a module's " +
          "export, or the prototype of one)",
        at,
      );
    }
  }

  /**
   * Reads a value inside the read of another (a prototype, a boxed primitive, a view's
   * buffer), by a nested call rather than a frame: such values may nest only
   * {@linkcode INLINE_MAX} deep, so a hand-made pickle cannot exhaust the call stack.
   */
  inlineValue(): unknown {
    if (++this.inline > INLINE_MAX) {
      this.r.fail(
        `cannot load the pickle: its prototypes, boxed values or views nest deeper than ` +
          `${INLINE_MAX} levels inside one another; ${CORRUPT}`,
      );
    }
    const v = this.value();
    this.inline--;
    return v;
  }

  /**
   * Data-only loads assign no prototype but null and those the allow-list admitted: an
   * object, an instance or a built-in of the pickle is refused as a prototype.
   */
  checkPrototype(proto: unknown, at: number): void {
    if (this.opts.allowCode || proto === null || this.admitted.has(proto)) return;
    this.r.fail(
      "cannot give a loaded object a prototype that is not a built-in one (an object or an " +
        "instance the pickle builds): that needs allowCode: true" +
        (this.opts.allow === undefined ? "" : ", or its class by reference in LoadOptions.allow"),
      at,
    );
  }
}

/** Drops what a finished frame holds. */
function clearFrame(f: DecodeFrame): void {
  f.target = null;
  f.key = undefined;
  f.value = undefined;
  f.items = null;
}
