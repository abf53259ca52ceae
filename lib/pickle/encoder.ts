/**
 * The encoder: the walk loop over a value, iterative (an explicit frame stack, no recursion
 * proportional to the value's depth), with one memo for every object and unique symbol and
 * the value path for errors. It writes the body of a pickle into a {@linkcode ByteWriter}.
 * What each value becomes is its family's part (lib/values/*, lib/code/*), reached through
 * the dispatch table (dispatch.ts); the families are functions that take the encoder first.
 *
 * @module
 */

import { ByteWriter } from "../format/writer.ts";
import { ModuleList } from "../format/module_table.ts";
import * as T from "../format/tags.ts";
import { PickleError, PicklingError } from "../errors.ts";
import { segment } from "./paths.ts";
import type { Reduction } from "./options.ts";
import { writeValue } from "./dispatch.ts";
import { startShapes } from "../values/objects.ts";
import { writeWeakEntries } from "../values/weak.ts";
import { rootValue } from "../code/by_reference.ts";
import { withLoadedClosures } from "../code/by_value.ts";
import type { Chain } from "../code/instances.ts";
import type { ScopeRecord } from "../code/captures.ts";
import type { ScopeHandle } from "../code/functions.ts";
import { sharedScopes } from "../code/shared_scopes.ts";
import type { BoundParts, PrivateFields, ReadScopes, ScopeSnapshot } from "../runtime/adapter.ts";
import { instrumentedScopeReader, syncScopeReader } from "../runtime/detect.ts";
import type { ShapeNode } from "../values/objects.ts";
import type { EncodeObserver } from "./observer.ts";
import type { CodeCache } from "./code_cache.ts";
import { CodeUses } from "./code_table.ts";

/** Frames kept for reuse between walks. */
const FRAME_POOL = 1024;

export * from "./encode_frames.ts";
import { F_ARRAY, F_LIST, S_DEFINITION, S_ROOT } from "./encode_frames.ts";

/** The sync or async form of a call: what the encoder may leave for the prefetch pass. */
export type EncodeMode = "sync" | "async";

/** One entry of the encoder's frame stack: a container whose children are being written. */
export class EncodeFrame {
  /** F_ARRAY, F_OBJECT or F_LIST. */
  kind = 0;
  /** What an F_LIST's items are (S_MAP, S_PROPS…), for error paths. */
  sub = 0;
  /** The container (F_ARRAY: the array whose elements are written). */
  obj: unknown = null;
  /** The values to write (F_OBJECT, F_LIST). */
  items: unknown[] | null = null;
  /** F_OBJECT: the keys of `items`; S_DEFINITION: the captured names. */
  keys: string[] | null = null;
  /** The next child to write. */
  i = 0;
  /** How many children there are. */
  n = 0;
  /** A count to write when the frame starts (property lists), or -1. */
  pre = -1;
  /** Set while a reduced object is under construction (REF to it would be a cycle). */
  reducing: object | null = null;
}

/** What the async form has already awaited: Blob bytes and settled promises. */
export type Settled =
  | { kind: "bytes"; bytes: Uint8Array }
  | { kind: "fulfilled"; value: unknown }
  | { kind: "rejected"; value: unknown };

/** The settings an encoding needs from its caller. */
export interface EncodeOptions {
  /** Sync form (dumpsSync) or async form (dumps, dump, with the prefetch pass). */
  mode: EncodeMode;
  /** `DumpOptions.bufferCallback`: which buffers go out of band. */
  bufferCallback?: (buffer: ArrayBuffer) => unknown;
  /** The reducer that goes before every object's own (`Pickler.reducerOverride`). */
  reducerOverride?: (value: unknown) => Reduction | undefined;
  /** Async form: Blobs and Promises already awaited. */
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
  /** A recorder of the walk's decisions and steps (lib/explain/), usually absent. */
  observer?: EncodeObserver;
  /** `DumpOptions.fidelity` is "structured": plain objects and arrays as their enumerable data. */
  structured?: boolean;
  /** `DumpOptions.codeCache`: definitions by hash (code_cache.ts). */
  codeCache?: CodeCache;
  /** `DumpOptions.classNamespace`: the namespace of the class ids written. */
  classNamespace?: string;
}

const NO_OPTIONS: EncodeOptions = { mode: "sync" };
const NOT_READ: unique symbol = Symbol("not read");
const NO_SCOPES: Map<object, ScopeRecord> = new Map();

/** The state of one encoding; instances are reused between calls when idle. */
export class Encoder {
  /** Where the pickle's body is written. */
  readonly w: ByteWriter = new ByteWriter();
  /** The frame stack (and a pool of frames for reuse above `top`). */
  frames: EncodeFrame[] = [];
  /** The index of the top frame; -1 when the stack is empty. */
  top = -1;
  /** Memo ids of the objects and unique symbols written so far. */
  memo: Map<unknown, number> = new Map();
  /** The memo id of the next object written. */
  nextId = 0;
  /** The options of the running walk. */
  opts: EncodeOptions = NO_OPTIONS;
  /** True in the async form: what needs awaiting is noted for the prefetch pass. */
  async = false;
  /** Header flags collected while walking. */
  flags = 0;
  /** How many frames on the stack rebuild an object through a reducer. */
  reducing = 0;
  /** True while a walk runs (a reducer may pickle re-entrantly). */
  busy = false;
  /** `EncodeOptions.structured` of the running walk. */
  structured = false;

  /** The id of the next new shape (objects.ts). */
  nextShape = 0;
  /** This walk's epoch: shapes written in it carry it. */
  epoch = 0;
  /** The keys of the last shape written, for plain and null-prototype objects. */
  lastNames: (string[] | null)[] = [null, null];
  /** The trie node of the last shape written, for plain and null-prototype objects. */
  lastNode: (ShapeNode | null)[] = [null, null];
  /** Whether long arrays may be scanned in this walk: 0 not asked yet, 1 yes, 2 no. */
  scanExact = 0;
  /** Out-of-band buffers of this walk, without `EncodeOptions.oob`. */
  oobCount = 0;

  // Left for the prefetch pass (async form).
  /** Blobs and Promises met that still need awaiting. */
  unsettled: object[] = [];
  /** Functions whose closure scopes still need reading. */
  unread: object[] = [];
  /** Instances and classes whose private fields still need reading. */
  unreadPrivate: object[] = [];
  /**
   * Functions no known module exports, and unknown namespaces (written as placeholders),
   * for the module source to look for before the pickle is final.
   */
  moduleMisses: object[] = [];
  /** Functions that import() whose defining module is still to be found. */
  unlocated: object[] = [];

  // Code by value (lib/code/by_value.ts).
  /** Scope records shared by the functions read from one real scope (async form). */
  fnScopes: Map<object, ScopeRecord> = NO_SCOPES;
  /** Scope records of scopes the loader built, by scope. */
  byLoaded: Map<ScopeHandle, ScopeRecord> = new Map();
  /** Scope records of instrumented scopes, by scope identity. */
  byIdentity: Map<object, ScopeRecord> = new Map();
  /** Snapshots standing for scopes matched by content (see contentIdentity). */
  byContent: ScopeSnapshot[] = [];
  /** Scope records written by this walk, with how many values they had then. */
  written: Map<ScopeRecord, number> = new Map();
  /** Set when a record written by this walk gained a variable afterwards: walk again. */
  scopesGrew = false;
  /** {@linkcode syncReader} once a walk asked for it; NOT_READ before. */
  private reader: ((fn: object) => ReadScopes | undefined) | undefined | typeof NOT_READ = NOT_READ;

  /**
   * The synchronous scope reader of this process (instrumented code), if any: looked up when
   * a walk first needs it (a walk of data never does).
   */
  get syncReader(): ((fn: object) => ReadScopes | undefined) | undefined {
    let r = this.reader;
    if (r === NOT_READ) {
      r = this.reader = withLoadedClosures(
        this.opts.exactScopes ? instrumentedScopeReader() : syncScopeReader(),
      );
    }
    return r;
  }
  /** Scope records of closure() captures objects, one per object. */
  explicitScopes: Map<object, ScopeRecord> = new Map();
  /** Functions whose prototype prefix is being written (guards against a loop). */
  reparentedFns: object[] = [];
  /** The definitions this walk wrote by hash (with a code cache), in code table order. */
  codeUses: CodeUses = new CodeUses();

  // Code by reference (lib/code/by_reference.ts).
  /** The portable names of the modules this walk refers to, in table order. */
  modules: ModuleList = new ModuleList();
  /** The stand-ins of by-value namespaces met by this walk. */
  namespaceCopies: Map<object, object> = new Map();
  /** Set once this walk has brought the module table up to date. */
  modulesFresh = false;
  /** The entry module's URL ("" when none), read once per walk when needed. */
  entry: string | undefined;
  /** The root module names are relative to (see moduleRoot), read once per walk. */
  root: string | undefined;

  // Instances (lib/code/instances.ts).
  /** What each prototype chain met in this walk says about its objects. */
  chains: Map<object, Chain> = new Map();
  /** The built-in object being written under another prototype (guards against a loop). */
  reparenting: object | null = null;
  /** Above 0 while the prototype of a reparented built-in is written (its object follows). */
  inlineProto = 0;
  /** The id of the next instance shape of this walk. */
  nextInstanceShape = 0;
  /** The WeakMaps and WeakSets this walk met (lib/values/weak.ts). */
  weak: object[] = [];

  /**
   * Writes `value` as a pickle body starting at the writer's current position. With `keep`
   * (async form), what the walk met stays for {@linkcode resume} until {@linkcode release}.
   */
  walk(value: unknown, opts: EncodeOptions, keep?: boolean): void {
    value = rootValue(value);
    this.opts = opts;
    this.async = opts.mode === "async";
    this.structured = opts.structured === true;
    this.flags = this.structured ? T.FLAG_STRUCTURED : 0;
    this.unsettled = [];
    this.unread = [];
    this.unreadPrivate = [];
    // A new map, not clear(): V8 fills a cleared map at half the speed of a new one.
    if (this.memo.size > 0) this.memo = new Map();
    this.startCode(opts);
    this.nextId = 0;
    this.oobCount = 0;
    startShapes(this);
    this.top = -1;
    this.reducing = 0;
    this.scanExact = 0;
    try {
      this.push(F_LIST, S_ROOT, null, 1).items = [value];
      this.run();
      if (this.weak.length > 0) writeWeakEntries(this);
    } catch (e) {
      if (e instanceof PickleError) throw e;
      // A Proxy trap or an engine check that threw while the value was read.
      this.fail(`reading the value threw: ${e instanceof Error ? e.message : String(e)}`, e);
    } finally {
      this.unwind();
      if (!keep) this.release();
      this.opts = NO_OPTIONS;
    }
  }

  /**
   * Async form: walks on from `values` after the awaits that the walks so far asked for,
   * keeping their memo, so that no object is examined twice. Objects among `values` that
   * were met before (a promise now settled, a class whose private fields were read) are
   * walked again. What this writes is not a pickle: the caller discards it.
   */
  resume(values: unknown[], opts: EncodeOptions): void {
    this.opts = opts;
    this.async = opts.mode === "async";
    this.structured = opts.structured === true;
    this.unsettled = [];
    this.unread = [];
    this.unreadPrivate = [];
    for (const v of values) this.memo.delete(v);
    const read = opts.scopes;
    if (read !== undefined && read.size > 0) this.fnScopes = sharedScopes(read);
    try {
      this.push(F_LIST, S_ROOT, null, values.length).items = values;
      this.run();
      if (this.weak.length > 0) writeWeakEntries(this);
    } finally {
      this.unwind();
      this.opts = NO_OPTIONS;
    }
  }

  /** Drops what a walk kept (see {@linkcode walk}). */
  release(): void {
    if (this.memo.size > 0) this.memo = new Map();
    this.fnScopes = NO_SCOPES;
    if (this.byLoaded.size > 0) this.byLoaded.clear();
    if (this.chains.size > 0) this.chains.clear();
    if (this.explicitScopes.size > 0) this.explicitScopes.clear();
    if (this.written.size > 0) this.written.clear();
  }

  /**
   * The values that scope records gained after this walk wrote them (a later function of an
   * instrumented scope used more of its variables), for the walk to go on from (resume).
   */
  grownValues(): unknown[] {
    const out: unknown[] = [];
    if (!this.scopesGrew) return out;
    this.scopesGrew = false;
    for (const [rec, n] of this.written) {
      if (rec.values.length === n) continue;
      for (let i = n; i < rec.values.length; i++) out.push(rec.values[i]);
      this.written.set(rec, rec.values.length);
    }
    return out;
  }

  /** Prepares what pickling code needs for one walk. */
  private startCode(opts: EncodeOptions): void {
    this.fnScopes = opts.scopes === undefined ? NO_SCOPES : sharedScopes(opts.scopes);
    if (this.explicitScopes.size > 0) this.explicitScopes.clear();
    if (this.byLoaded.size > 0) this.byLoaded.clear();
    if (!opts.keepScopes) {
      if (this.byIdentity.size > 0) this.byIdentity.clear();
      if (this.byContent.length > 0) this.byContent = [];
    }
    if (this.written.size > 0) this.written.clear();
    this.scopesGrew = false;
    this.reader = NOT_READ;
    this.modules.clear();
    if (this.moduleMisses.length > 0) this.moduleMisses = [];
    if (this.namespaceCopies.size > 0) this.namespaceCopies.clear();
    if (this.unlocated.length > 0) this.unlocated = [];
    this.modulesFresh = false;
    this.entry = undefined;
    this.root = undefined;
    this.reparenting = null;
    if (this.reparentedFns.length > 0) this.reparentedFns = [];
    if (this.chains.size > 0) this.chains.clear();
    this.nextInstanceShape = 0;
    if (this.weak.length > 0) this.weak = [];
    this.codeUses.clear();
  }

  /** Clears the frames left on the stack (after an error) and trims the pool. */
  private unwind(): void {
    for (let i = 0; i <= this.top; i++) this.clear(this.frames[i]);
    this.top = -1;
    // A very deep value leaves a long pool of frames behind: keep a modest one.
    if (this.frames.length > FRAME_POOL) this.frames.length = FRAME_POOL;
  }

  private clear(f: EncodeFrame): void {
    f.obj = null;
    f.items = null;
    f.keys = null;
    if (f.reducing !== null) {
      f.reducing = null;
      this.reducing--;
    }
  }

  /** Pushes a frame whose `n` children are written after the current value. */
  push(kind: number, sub: number, obj: unknown, n: number): EncodeFrame {
    const t = ++this.top;
    let f = this.frames[t];
    if (f === undefined) {
      f = new EncodeFrame();
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
  run(level = -1): void {
    const frames = this.frames;
    const observer = this.opts.observer;
    while (this.top > level) {
      const f = frames[this.top];
      if (observer !== undefined && observer.step(this, f)) continue;
      if (f.i < f.n) {
        if (f.pre >= 0) {
          this.w.varint(f.pre);
          f.pre = -1;
        }
        // Numbers, strings and booleans are written in a tight loop; anything else goes
        // through writeValue(), with f.i past it so that error paths name it.
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
          writeValue(this, src[i]);
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

  /** Writes a back-reference when `o` (an object, a unique symbol…) was met before; true if so. */
  ref(o: unknown): boolean {
    const id = this.memo.get(o);
    if (id === undefined) return false;
    this.backRef(o, id);
    return true;
  }

  /** Writes a back-reference to `o`, met before with memo id `id`. */
  backRef(o: unknown, id: number): void {
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

  /** Throws a PicklingError naming the path of the value being written. */
  fail(message: string, cause?: unknown): never {
    throw new PicklingError(
      message,
      this.path(),
      cause === undefined ? undefined : { cause },
    );
  }

  /** The path of the value being written, as errors name it (`root.a[2]`). */
  path(): string {
    let p = "root";
    for (let t = 0; t <= this.top; t++) {
      const f = this.frames[t];
      if (f.i === 0) continue;
      p += segment(f, f.i - 1);
    }
    return p;
  }
}
