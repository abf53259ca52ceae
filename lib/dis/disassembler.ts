/**
 * The disassembler's walk over a body: it reads the tags in the order the loader does (a
 * stack of frames for the children of containers, read after the container's own operands),
 * emitting one line per tag, and builds nothing. Frames live in an array, so deep nesting costs
 * memory, never the call stack; the few operands read inline (a view's buffer, a boxed value,
 * prototypes) are bounded by {@linkcode MAX_INLINE}.
 *
 * @module
 */

import * as T from "../format/tags.ts";
import { type Cursor, displayName, type Str } from "./cursor.ts";
import {
  BOXED_NAMES,
  INTEGRITY_NAMES,
  propFlags,
  SHORT_STRING_NAME,
  SMALL_INT_NAME,
  tagName,
  WEAK_NAMES,
} from "./names.ts";
import type { DisCodeEntry, DisLine, DisModule } from "./types.ts";
import { codeValue } from "./code.ts";
import { blob, buffer, error, view } from "./objects.ts";
import { boxes, isKey, isPrimitive, STRING_TAGS } from "./kinds.ts";

/** Levels of operands read inline (not through frames) before the walk gives up. */
export const MAX_INLINE = 1000;

export * from "./frames.ts";
import * as F from "./frames.ts";

/** One container whose children are being read. */
export interface DisFrame {
  kind: number;
  /** Children to read (NOT_DONE until a property list's count is read). */
  n: number;
  /** Children read. */
  i: number;
  /** Depth of the children. */
  depth: number;
  /** Property lists: properties left, -1 before the count is read. */
  count: number;
  /** Property lists: 0 key, 1 flags, 2 value or getter, 3 setter. */
  step: number;
  /** Property lists: the flags of the current property. */
  flags: number;
  /** Names of the children (object keys, scope variables, private field roles). */
  names: readonly string[] | null;
  /** The role prefix of the children. */
  label: string;
}

const NOT_DONE = Number.MAX_SAFE_INTEGER;
/** An effective tag for values of no tag (a reference to a value not known). */
export const K_NONE = -1;

/** A shape defined by OBJECT_NEW_SHAPE or NULL_OBJECT_NEW_SHAPE (or INSTANCE_NEW_SHAPE). */
export interface Shape {
  keys: string[];
  nullProto: boolean;
  summary: string;
}

/** Walks a body, collecting lines. */
export class Disassembler {
  readonly lines: DisLine[] = [];
  readonly frames: DisFrame[] = [];
  /** Effective tag and offset of each memo id. */
  readonly memoTags: number[] = [];
  readonly memoAt: number[] = [];
  readonly shapes: Shape[] = [];
  /** Instance shapes (INSTANCE_NEW_SHAPE): keys, shown; their prototype is a value. */
  readonly instanceShapes: Shape[] = [];
  modules: DisModule[] = [];
  /** The code table (FUNCTION_CACHED names its entries). */
  code: DisCodeEntry[] = [];
  inline = 0;

  constructor(readonly r: Cursor) {}

  /** The name shown for a string operand: its head, or its shown form when cut. */
  static name(s: Str): string {
    return displayName(s);
  }

  /** Adds a line and returns it (operands may be completed later). */
  line(at: number, depth: number, tag: number, role: string, operands = ""): DisLine {
    const l: DisLine = { offset: at, depth, tag, name: tagName(tag) ?? "?", role, operands };
    this.lines.push(l);
    return l;
  }

  /** Gives `l` the next memo id. */
  memo(l: DisLine, kind = l.tag): number {
    const id = this.memoTags.length;
    this.memoTags.push(kind);
    this.memoAt.push(l.offset);
    l.memo = id;
    return id;
  }

  push(
    kind: number,
    n: number,
    depth: number,
    names: readonly string[] | null = null,
    label = "",
  ): DisFrame {
    const f: DisFrame = { kind, n, i: 0, depth, count: 0, step: 0, flags: 0, names, label };
    this.frames.push(f);
    return f;
  }

  /** A property list to read: count, properties, integrity. */
  pushProps(depth: number, label = ""): DisFrame {
    const f = this.push(F.F_PROPS, NOT_DONE, depth, null, label);
    f.count = -1;
    return f;
  }

  /** A private-field list: count, then name and value pairs. */
  pushPrivate(depth: number, label: string): DisFrame {
    const f = this.push(F.F_PRIVATE, NOT_DONE, depth, null, label);
    f.count = -1;
    return f;
  }

  /** Reads the frames above `level` until they are done. */
  run(level = 0): void {
    const frames = this.frames;
    const r = this.r;
    while (frames.length > level) {
      const f = frames[frames.length - 1];
      if (f.i >= f.n) {
        frames.pop();
        continue;
      }
      if (f.count < 0) {
        const at = r.pos;
        const props = f.kind === F.F_PROPS;
        f.count = r.length(props ? 3 : 2);
        const l = this.line(
          at,
          f.depth,
          LIST,
          f.label,
          plural(f.count, props ? "property" : "field"),
        );
        l.name = props ? "PROPS" : "PRIVATE";
        if (!props) {
          f.n = f.count * 2;
          continue;
        }
      }
      this.child(f);
    }
  }

  /** Reads the next child of `f`. */
  private child(f: DisFrame): void {
    const i = f.i++;
    const d = f.depth;
    switch (f.kind) {
      case F.F_ROOT:
        this.value(d, "");
        return;
      case F.F_ARRAY:
        this.value(d, `[${i}]`);
        return;
      case F.F_SET:
        this.value(d, "item");
        return;
      case F.F_OBJECT:
        this.value(d, f.names![i]);
        return;
      case F.F_MAP:
        this.value(d, i & 1 ? "value" : "key");
        return;
      case F.F_SPARSE:
        this.value(d, i & 1 ? "value" : "index");
        return;
      case F.F_SCOPE:
        if (i === 0) {
          const l = this.line(this.r.pos, d, LIST, "", `of scope =${f.label}`);
          l.name = "VALUES";
        }
        this.value(d, f.names![i]);
        return;
      case F.F_PRIVATE:
        this.value(d, i & 1 ? "value" : "name");
        return;
      case F.F_PROMISE:
      case F.F_REDUCE:
      case F.F_DEFINE:
        this.value(d, f.names![i]);
        return;
      case F.F_PROPS:
        this.property(f);
        return;
      case F.F_WEAK: {
        const k = this.value(d, ["collection", "key", "value"][i % 3]);
        if (i % 3 === 0 && k !== T.WEAK_COLLECTION) {
          this.r.fail("weak collection entry for a value that is no weak collection");
        }
        return;
      }
    }
  }

  /** One item of a property list: key, flags, value or getter, setter; then integrity. */
  private property(f: DisFrame): void {
    const r = this.r;
    const idx = this.lines.length;
    if (f.count === 0) {
      const k = this.value(f.depth, "integrity");
      if (k !== T.REDUCE) {
        if (k > T.INTEGRITY_FROZEN) r.fail("invalid integrity level", this.lines[idx].offset);
        this.lines[idx].role += ` (${INTEGRITY_NAMES[k]})`;
      }
      f.n = f.i;
      return;
    }
    switch (f.step) {
      case 0: {
        const k = this.value(f.depth, "key");
        if (!isKey(k)) {
          r.fail("property key is neither a string nor a symbol", this.lines[idx].offset);
        }
        f.step = 1;
        return;
      }
      case 1: {
        const k = this.value(f.depth, "flags");
        // A reducer's result is known only when it runs: its flags are taken as a data property.
        if (k !== T.REDUCE) {
          if (k > 15) r.fail("invalid property flags", this.lines[idx].offset);
          this.lines[idx].role += ` (${propFlags(k)})`;
        }
        f.flags = k === T.REDUCE ? 0 : k;
        f.step = 2;
        return;
      }
      case 2:
        if (f.flags & T.PROP_ACCESSOR) {
          this.value(f.depth, "get");
          f.step = 3;
          return;
        }
        this.value(f.depth, "value");
        break;
      default:
        this.value(f.depth, "set");
    }
    f.step = 0;
    f.count--;
  }

  /** Offset of the last line. */
  last(): number {
    return this.lines[this.lines.length - 1].offset;
  }

  /** Reads an operand inline (not through a frame), bounded in nesting. */
  inlineValue(depth: number, role: string): number {
    if (++this.inline > MAX_INLINE) {
      this.r.fail(`operands nested deeper than ${MAX_INLINE} levels`);
    }
    const k = this.value(depth, role);
    this.inline--;
    return k;
  }

  /**
   * Reads one value: its tag and operands, pushing a frame for its children. Returns its
   * effective tag: the tag, or for a REF the tag of the value it points to.
   */
  value(depth: number, role: string): number {
    const r = this.r;
    const at = r.pos;
    if (at >= r.end) r.fail("truncated pickle: a value is missing");
    const tag = r.byte();
    if (tag <= T.SMALL_INT_MAX) {
      this.line(at, depth, tag, role, String(tag)).name = SMALL_INT_NAME;
      return tag;
    }
    if (tag < T.UNDEFINED || STRING_TAGS.has(tag)) {
      const s = r.stringBody(tag, at);
      const l = this.line(at, depth, tag, role, s.shown);
      if (tag < T.UNDEFINED) l.name = SHORT_STRING_NAME;
      return tag;
    }
    switch (tag) {
      case T.UNDEFINED:
      case T.NULL:
      case T.FALSE:
      case T.TRUE:
      case T.NAN:
      case T.NEG_ZERO:
        this.line(at, depth, tag, role);
        return tag;
      case T.INT_POS:
        this.line(at, depth, tag, role, String(r.varint()));
        return tag;
      case T.INT_NEG: {
        const m = r.varint();
        if (m === 0) r.fail("negative integer of magnitude 0", at);
        this.line(at, depth, tag, role, String(-m));
        return tag;
      }
      case T.FLOAT64:
        this.line(at, depth, tag, role, String(r.float64()));
        return tag;
      case T.BIGINT_POS:
      case T.BIGINT_NEG: {
        const n = r.length(1);
        const start = r.skip(n);
        let v = 0n;
        for (let i = Math.min(n, 32) - 1; i >= 0; i--) v = (v << 8n) | BigInt(r.buf[start + i]);
        const sign = tag === T.BIGINT_NEG ? "-" : "";
        this.line(
          at,
          depth,
          tag,
          role,
          n <= 32 ? `${sign}${v}n` : `${sign}(${n}-byte magnitude) 0x…${v.toString(16).slice(-16)}`,
        );
        return tag;
      }
      case T.SYMBOL_FOR:
        this.line(at, depth, tag, role, `Symbol.for(${r.string().shown})`);
        return T.SYMBOL_UNIQUE;
      case T.SYMBOL_WELL_KNOWN:
        this.line(at, depth, tag, role, `Symbol.${Disassembler.name(r.string())}`);
        return T.SYMBOL_UNIQUE;
      case T.SYMBOL_UNIQUE: {
        const flags = r.byte();
        if (flags > (T.SYMBOL_HAS_ID | T.SYMBOL_HAS_DESCRIPTION)) {
          r.fail("invalid symbol flags", at);
        }
        const desc = flags & T.SYMBOL_HAS_DESCRIPTION ? r.string().shown : "";
        const id = flags & T.SYMBOL_HAS_ID ? ` id ${r.string().shown}` : "";
        this.memo(this.line(at, depth, tag, role, `Symbol(${desc})${id}`));
        return tag;
      }
      case T.REF: {
        const id = r.varint();
        if (id >= this.memoTags.length) r.fail(`reference to unknown memo id ${id}`, at);
        const k = this.memoTags[id];
        this.line(at, depth, tag, role, `${id} → ${tagName(k) ?? "?"} at ${this.memoAt[id]}`);
        return k;
      }
      case T.OBJECT_NEW_SHAPE:
      case T.NULL_OBJECT_NEW_SHAPE: {
        const { keys, summary } = r.shapeKeys();
        const n = keys.length;
        const id = this.shapes.length;
        const nullProto = tag === T.NULL_OBJECT_NEW_SHAPE;
        this.shapes.push({ keys, nullProto, summary });
        const l = this.line(at, depth, tag, role, `shape ${id} keys=${n} {${summary}}`);
        this.memo(l);
        if (n > 0) this.push(F.F_OBJECT, n, depth + 1, keys);
        return tag;
      }
      case T.OBJECT:
      case T.NULL_OBJECT: {
        const id = r.varint();
        const shape = this.shapes[id];
        if (shape === undefined) r.fail(`unknown object shape ${id}`, at);
        if (shape.nullProto !== (tag === T.NULL_OBJECT)) r.fail("object shape of other kind", at);
        this.memo(this.line(at, depth, tag, role, `shape ${id} {${shape.summary}}`));
        if (shape.keys.length > 0) this.push(F.F_OBJECT, shape.keys.length, depth + 1, shape.keys);
        return tag;
      }
      case T.ARRAY: {
        const n = r.length(1);
        this.memo(this.line(at, depth, tag, role, `length=${n}`));
        if (n > 0) this.push(F.F_ARRAY, n, depth + 1);
        return tag;
      }
      case T.SPARSE_ARRAY: {
        const len = r.varint();
        if (len > 4294967295) r.fail("array length out of range", at);
        const count = r.length(2);
        if (count > len) r.fail("sparse array with more elements than its length", at);
        this.memo(this.line(at, depth, tag, role, `length=${len} elements=${count}`));
        if (count > 0) this.push(F.F_SPARSE, count * 2, depth + 1);
        return tag;
      }
      case T.WITH_PROPS: {
        this.line(at, depth, tag, role);
        this.pushProps(depth + 1);
        const next = r.peek();
        if (next === T.WITH_PROPS || next === T.REF || next === T.REDUCE) {
          r.fail("property list on a value that cannot take one", at);
        }
        const k = this.inlineValue(depth + 1, "object");
        if (isPrimitive(k)) r.fail("property list on a value that cannot take one", at);
        return k;
      }
      case T.MAP: {
        const n = r.length(2);
        this.memo(this.line(at, depth, tag, role, `size=${n}`));
        if (n > 0) this.push(F.F_MAP, n * 2, depth + 1);
        return tag;
      }
      case T.SET: {
        const n = r.length(1);
        this.memo(this.line(at, depth, tag, role, `size=${n}`));
        if (n > 0) this.push(F.F_SET, n, depth + 1);
        return tag;
      }
      case T.DATE: {
        const t = r.float64();
        const d = new Date(t);
        const shown = Number.isNaN(d.getTime()) ? "Invalid Date" : d.toISOString();
        this.memo(this.line(at, depth, tag, role, shown));
        return tag;
      }
      case T.REGEXP: {
        const source = r.string();
        const flags = r.string();
        const last = r.varint();
        const ops = `source=${source.shown} flags=${flags.shown}` +
          (last !== 0 ? ` lastIndex=${last}` : "");
        this.memo(this.line(at, depth, tag, role, ops));
        return tag;
      }
      case T.ERROR:
        return error(this, at, depth, role);
      case T.ARRAY_BUFFER:
      case T.SHARED_ARRAY_BUFFER:
        return buffer(this, tag, at, depth, role);
      case T.OOB_BUFFER:
        this.memo(this.line(at, depth, tag, role, `buffers[${r.varint()}]`));
        return tag;
      case T.VIEW:
        return view(this, at, depth, role);
      case T.BOXED: {
        const kind = r.byte();
        const name = BOXED_NAMES[kind];
        if (name === undefined) r.fail("invalid boxed primitive", at);
        this.memo(this.line(at, depth, tag, role, name));
        const k = this.inlineValue(depth + 1, "value");
        if (!boxes(kind, k)) r.fail("invalid boxed primitive", at);
        return tag;
      }
      case T.WEAK_COLLECTION: {
        const name = WEAK_NAMES[r.byte()];
        if (name === undefined) r.fail("invalid weak collection kind", at);
        this.memo(this.line(at, depth, tag, role, `${name} id=${Disassembler.name(r.string())}`));
        return tag;
      }
      case T.URL_TAG:
        this.memo(this.line(at, depth, tag, role, r.string().shown));
        return tag;
      case T.URL_SEARCH_PARAMS:
        this.memo(this.line(at, depth, tag, role, r.string().shown));
        return tag;
      case T.BLOB:
      case T.FILE:
        return blob(this, tag, at, depth, role);
      case T.PROMISE: {
        const state = r.byte();
        if (state > 1) r.fail("invalid promise state", at);
        const s = state === 0 ? "fulfilled" : "rejected";
        this.memo(this.line(at, depth, tag, role, s));
        this.push(F.F_PROMISE, 1, depth + 1, [s]);
        return tag;
      }
      case T.GLOBAL:
        this.memo(this.line(at, depth, tag, role, Disassembler.name(r.string())));
        return tag;
      case T.REDUCE: {
        const flags = r.byte();
        if (flags > 1) r.fail("invalid reduce flags", at);
        this.memo(this.line(at, depth, tag, role, flags & T.REDUCE_CONSTRUCT ? "new" : "call"));
        this.push(F.F_REDUCE, 3, depth + 1, ["callable", "args", "state"]);
        return tag;
      }
      case T.OBJECT_WITH_PROTO: {
        this.memo(this.line(at, depth, tag, role));
        this.pushProps(depth + 1);
        this.inlineValue(depth + 1, "prototype");
        return tag;
      }
      default:
        return codeValue(this, tag, at, depth, role);
    }
  }
}

/** Tag of the lines that open a property list or a private-field list (no tag byte). */
export const LIST = -1;

function plural(n: number, what: string): string {
  return `${n} ${what === "property" && n !== 1 ? "properties" : n === 1 ? what : what + "s"}`;
}
