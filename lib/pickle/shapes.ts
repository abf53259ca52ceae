/**
 * Object shapes on the loading side, shared by all loads. A shape (the keys of a plain
 * object, in order) is recognised by the bytes that define it in a pickle, so a shape met
 * in an earlier pickle costs a hash and a byte comparison instead of decoding its keys
 * again; its key strings are reused, and from its second use on its objects come from a
 * generated literal factory (the fastest way to make objects of one hidden class).
 *
 * @module
 */

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
}

/** Shapes remembered at most (then forgotten all at once): 16k covers wide data sets. */
const MAX_SHAPES = 16384;
const table = new Map<number, Shape[]>();
let size = 0;

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
  if (size >= MAX_SHAPES) {
    table.clear();
    size = 0;
  }
  const shape: Shape = { keys, nullProto, bytes: bytes.slice(), make: null, uses: 0 };
  const list = table.get(hash);
  if (list === undefined) table.set(hash, [shape]);
  else if (list.length < 8) list.push(shape);
  else list[hash % 8] = shape; // colliding definitions cannot make a long list
  size++;
  return shape;
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
  return new Function(`return (v) => ({${body}});`)() as (
    v: readonly unknown[],
  ) => Record<string, unknown>;
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
  if (++shape.uses >= 2 && compile) {
    shape.make = makeFactory(shape.keys, shape.nullProto);
    return shape.make(vals);
  }
  const o: Record<string, unknown> = shape.nullProto ? Object.create(null) : {};
  const keys = shape.keys;
  for (let i = 0; i < keys.length; i++) {
    SLOT.value = vals[i];
    defineProperty(o, keys[i], SLOT);
  }
  SLOT.value = undefined;
  return o;
}
