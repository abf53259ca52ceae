/**
 * Object shapes on the loading side, shared by all loads. A shape (the keys of a plain
 * object, in order) is recognised by the bytes that define it in a pickle, so a shape met
 * in an earlier pickle costs a hash and a byte comparison instead of decoding its keys
 * again; its key strings are reused, and from its second use on its objects come from a
 * generated literal factory (the fastest way to make objects of one hidden class).
 *
 * Data-only loads, and runtimes where code generation from strings is forbidden (a CSP,
 * `--disallow-code-generation-from-strings`), generate nothing: their objects are copies of
 * a template object of the shape, filled by assignment (measured 2.5-3 times the cost of a
 * factory per object, against 8-75 times for defining each property).
 *
 * @module
 */

import { NativeFunction } from "../runtime/native_function.ts";

const defineProperty = Object.defineProperty;
const SLOT: PropertyDescriptor = {
  value: undefined,
  writable: true,
  enumerable: true,
  configurable: true,
};

/** The keys of a plain or null-prototype object. */
export interface Shape {
  readonly keys: string[];
  readonly nullProto: boolean;
  /** The bytes of the shape's definition (key count and keys), to confirm a hash match. */
  readonly bytes: Uint8Array;
  make: ((vals: readonly unknown[]) => Record<string, unknown>) | null;
  uses: number;
  /** The shape's keys with undefined values, for loads that generate no code. */
  template: Record<string, unknown> | null;
  /** Defines the shape's keys on an instance (see {@linkcode defineFields}), once generated. */
  fields: ((o: object, vals: readonly unknown[]) => void) | null;
  /** Instances given the shape's keys so far without a generated definer. */
  fieldUses: number;
  /** The shape whose definition followed this one's in the last pickle (a prediction). */
  next: Shape | null;
  /** The cache generation the shape belongs to (-1: not in the cache). */
  gen: number;
}

/** False once generating a factory failed: code generation from strings is forbidden here. */
let codegen = true;

/** Shapes remembered at most (then forgotten all at once): 16k covers wide data sets. */
const MAX_SHAPES = 16384;
/**
 * Definition bytes remembered at most (then forgotten all at once). A shape keeps its keys,
 * its definition bytes and, once used twice, a generated factory: tens of bytes of memory
 * per definition byte, so 4 MiB bounds the cache to about a hundred megabytes however wide
 * the shapes of the pickles loaded.
 */
export const MAX_SHAPE_BYTES = 4 * 1024 * 1024;
/** A shape whose definition takes more than this is not remembered (it serves its pickle only). */
const MAX_SHAPE_ENTRY = MAX_SHAPE_BYTES / 16;
const table = new Map<number, Shape[]>();
let size = 0;
let bytesHeld = 0;
/** Bumped when the cache forgets its shapes: a prediction of an older generation is void. */
let generation = 0;
/** The shape the last pickle that defined shapes defined first (a prediction). */
let firstShape: Shape | null = null;

/** Definition bytes the cache holds now (for tests and measurements). */
export function shapeCacheBytes(): number {
  return bytesHeld;
}

/** FNV-1a over `buf[start..end)`, mixed with the prototype kind. */
export function hashShape(buf: Uint8Array, start: number, end: number, nullProto: boolean): number {
  let h = nullProto ? 0x811c9dc5 : 0x050c5d1f;
  for (let i = start; i < end; i++) h = Math.imul(h ^ buf[i], 16777619);
  return h >>> 0;
}

/** The shape defined by `buf[start..end)`, if one was seen before. */
export function findShape(
  buf: Uint8Array,
  start: number,
  end: number,
  hash: number,
  nullProto: boolean,
): Shape | undefined {
  const list = table.get(hash);
  if (list === undefined) return undefined;
  const n = end - start;
  outer: for (const s of list) {
    if (s.nullProto !== nullProto || s.bytes.length !== n) continue;
    const b = s.bytes;
    for (let i = 0; i < n; i++) if (b[i] !== buf[start + i]) continue outer;
    return s;
  }
  return undefined;
}

/** Remembers a new shape. */
export function addShape(
  keys: string[],
  nullProto: boolean,
  bytes: Uint8Array,
  hash: number,
): Shape {
  const n = bytes.length;
  if (n > MAX_SHAPE_ENTRY) {
    return {
      keys,
      nullProto,
      bytes: bytes.slice(),
      make: null,
      uses: 0,
      template: null,
      fields: null,
      fieldUses: 0,
      next: null,
      gen: -1,
    };
  }
  if (size >= MAX_SHAPES || bytesHeld + n > MAX_SHAPE_BYTES) {
    table.clear();
    size = 0;
    bytesHeld = 0;
    generation++;
    firstShape = null;
  }
  bytesHeld += n;
  const shape: Shape = {
    keys,
    nullProto,
    bytes: bytes.slice(),
    make: null,
    uses: 0,
    template: null,
    fields: null,
    fieldUses: 0,
    next: null,
    gen: generation,
  };
  const list = table.get(hash);
  if (list === undefined) table.set(hash, [shape]);
  else if (list.length < 8) list.push(shape);
  else list[hash % 8] = shape; // colliding definitions cannot make a long list (bytes stay counted)
  size++;
  return shape;
}

/**
 * The shape a pickle's next shape definition (at `buf[start..end)`) is expected to be, when
 * its bytes are that shape's: the one that followed `prev` (the pickle's previous definition;
 * null for its first) in the last pickle. Messages of one kind define the same shapes in the
 * same order: this spares them skipping the keys, a hash and a lookup. Undefined otherwise.
 */
export function predictedShape(
  prev: Shape | null,
  buf: Uint8Array,
  start: number,
  end: number,
  nullProto: boolean,
): Shape | undefined {
  const s = prev === null ? firstShape : prev.next;
  if (s === null || s.gen !== generation || s.nullProto !== nullProto) return undefined;
  const b = s.bytes;
  const n = b.length;
  if (end - start < n) return undefined;
  for (let i = 0; i < n; i++) if (b[i] !== buf[start + i]) return undefined;
  return s;
}

/** Records that `s` was defined after `prev` (null: first) in a pickle, for the next one. */
export function followShape(prev: Shape | null, s: Shape): void {
  if (s.gen !== generation) return;
  if (prev === null) firstShape = s;
  else if (prev.gen === generation) prev.next = s;
}

/** `(v) => ({ key0: v[0], key1: v[1], ... })` for `keys`: one literal, one hidden class. */
function makeFactory(
  keys: string[],
  nullProto: boolean,
): (v: readonly unknown[]) => Record<string, unknown> {
  let body = nullProto ? "__proto__: null," : "";
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i];
    // A literal `"__proto__": v` would set the prototype; the computed form defines a key.
    body += k === "__proto__" ? `["__proto__"]: v[${i}],` : `${JSON.stringify(k)}: v[${i}],`;
  }
  return new NativeFunction(`return (v) => ({${body}});`)() as (
    v: readonly unknown[],
  ) => Record<string, unknown>;
}

/** The factory of `shape`, or (code generation forbidden) one that copies its template. */
function factoryOf(shape: Shape): (v: readonly unknown[]) => Record<string, unknown> {
  if (codegen) {
    try {
      return makeFactory(shape.keys, shape.nullProto);
    } catch {
      codegen = false;
    }
  }
  return (v) => fromTemplate(shape, v);
}

/**
 * A new object of `shape` without generated code: a copy of its template (every key an own
 * data property already, `__proto__` too), then each value assigned to its own property.
 */
export function fromTemplate(shape: Shape, vals: readonly unknown[]): Record<string, unknown> {
  let t = shape.template;
  if (t === null) {
    t = shape.template = defineAll(shape.nullProto ? Object.create(null) : {}, shape.keys, null);
  }
  const o: Record<string, unknown> = shape.nullProto ? { __proto__: null, ...t } : { ...t };
  const keys = shape.keys;
  for (let i = 0; i < keys.length; i++) o[keys[i]] = vals[i];
  return o;
}

function defineAll(
  o: Record<string, unknown>,
  keys: readonly string[],
  vals: readonly unknown[] | null,
): Record<string, unknown> {
  for (let i = 0; i < keys.length; i++) {
    SLOT.value = vals === null ? undefined : vals[i];
    defineProperty(o, keys[i], SLOT);
  }
  SLOT.value = undefined;
  return o;
}

/**
 * A new object of `shape`, its keys defined in order, the value of key `i` being `vals[i]`;
 * `compile` false makes it without generating the shape's factory.
 */
export function newObject(
  shape: Shape,
  vals: readonly unknown[],
  compile = true,
): Record<string, unknown> {
  if (shape.make !== null) return shape.make(vals);
  if (!compile) return fromTemplate(shape, vals);
  if (++shape.uses >= 2) {
    shape.make = factoryOf(shape);
    return shape.make(vals);
  }
  return defineAll(shape.nullProto ? Object.create(null) : {}, shape.keys, vals);
}

/**
 * `(o, v) => { define o[key0] = v[0], ... }` for `keys`: the fields of a class whose parent
 * constructor returns `o`, so that each key is defined on `o` as a default data property (a
 * class field is defined, never assigned: no setter or read-only property of `o`'s prototype
 * chain is involved), one hidden class transition after another.
 */
function makeFields(keys: string[]): (o: object, vals: readonly unknown[]) => void {
  let body = "";
  for (let i = 0; i < keys.length; i++) {
    const k = JSON.stringify(keys[i]);
    // A field may not be named "constructor"; a computed key may.
    body += keys[i] === "constructor" ? `[${k}] = v[${i}];` : `${k} = v[${i}];`;
  }
  return new NativeFunction(
    `"use strict"; let v = null;
class Base { constructor(o) { return o; } }
class Fields extends Base { ${body} }
return (o, vals) => { v = vals; new Fields(o); v = null; };`,
  )() as (o: object, vals: readonly unknown[]) => void;
}

/** Instance shapes with more keys than this are never compiled. */
const MAX_FIELDS = 1024;

/**
 * Gives `o` (a new object with no own property) the keys of `shape`, in order, as default
 * data properties holding `vals`: by the shape's generated definer from its second use on
 * (`compile` false: never), else one `defineProperty` per key. Either way the properties are
 * defined, as a property list defines them, not assigned.
 */
export function defineFields(
  shape: Shape,
  o: object,
  vals: readonly unknown[],
  compile: boolean,
): void {
  const fields = shape.fields;
  if (fields !== null) {
    fields(o, vals);
    return;
  }
  if (compile && codegen && ++shape.fieldUses >= 2 && shape.keys.length <= MAX_FIELDS) {
    try {
      shape.fields = makeFields(shape.keys);
    } catch {
      codegen = false;
    }
    if (shape.fields !== null) {
      shape.fields(o, vals);
      return;
    }
  }
  defineAll(o as Record<string, unknown>, shape.keys, vals);
}

/** Whether a list of names (a shape's keys, a scope's variables) holds one twice. */
export function hasRepeat(keys: readonly string[]): boolean {
  const n = keys.length;
  if (n > 16) return new Set(keys).size !== n;
  for (let i = 1; i < n; i++) {
    for (let j = 0; j < i; j++) if (keys[i] === keys[j]) return true;
  }
  return false;
}
