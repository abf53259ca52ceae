/**
 * Plain objects and null-prototype objects. A plain object whose properties are all default
 * data properties with string keys is written as its shape (its keys, in order, once per
 * pickle: a trie finds a shape met before) followed by its values; any other goes through
 * the property list. In the structured mode (`fidelity: "structured"`) every plain object is
 * written as its shape: its own enumerable string keys and their values (getters read).
 *
 * @module
 */

import * as T from "../format/tags.ts";
import { types } from "node:util";
import { type Encoder, F_OBJECT } from "../pickle/encoder.ts";
import { propsFrame } from "../pickle/properties.ts";
import { writeOther } from "../pickle/dispatch.ts";
import { reduce as REDUCE_SYMBOL } from "../pickle/options.ts";
import { constructorOf } from "../code/members.ts";
import { writeIfGlobal, writeModuleObject, writeNamespace } from "../code/by_reference.ts";
import { writePrototypeOf } from "../code/classes.ts";
import { sameKeys } from "./inspect.ts";
import { B_NONE, brandOf } from "./brands.ts";
import { refuseProxy } from "./refused.ts";
import { type DecodeFrame, type Decoder, HOLE, NOT_DONE, PENDING } from "../pickle/decoder.ts";
import { K_OBJECT, K_PROPS } from "../pickle/decode_table.ts";
import { NOT_PRIMITIVE, readPrimitive } from "./primitives.ts";
import { readArray } from "./arrays.ts";
import {
  addShape,
  findShape,
  followShape,
  fromTemplate,
  hashShape,
  hasRepeat,
  newObject,
  predictedShape,
  type Shape,
} from "../pickle/shapes.ts";

// Write side.

const getOwnPropertyNames = Object.getOwnPropertyNames;
const getOwnPropertySymbols = Object.getOwnPropertySymbols;
const getOwnPropertyDescriptor = Object.getOwnPropertyDescriptor;
const isExtensible = Object.isExtensible;
const objectValues = Object.values;
const objectKeys = Object.keys;
const hasOwn = Object.hasOwn;
const isProxy = types.isProxy;
const isView = ArrayBuffer.isView;
const TO_STRING_TAG: symbol = Symbol.toStringTag;

/** Objects with more keys than this are written without the shape trie. */
const SHAPE_KEYS_MAX = 1024;

/** A node of the shape trie: the keys of a plain object, in order, written once per pickle. */
export class ShapeNode {
  /** The first child's key and node: most nodes have one child, found without hashing. */
  firstKey: string | undefined = undefined;
  first: ShapeNode | undefined = undefined;
  children: Map<string, ShapeNode> | undefined = undefined;
  /** The key count and keys as written in a pickle, once written. */
  bytes: Uint8Array | undefined = undefined;
  epoch = -1;
  id = 0;
  /** The keys of the shape this node ends, once an object of it was written. */
  names: string[] | undefined = undefined;
  /** The node of the shape written after this one's in the last pickle (a prediction). */
  next: ShapeNode | undefined = undefined;
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
/** The node of the first shape the last pickle wrote, per kind (a prediction). */
let firstNodes: (ShapeNode | undefined)[] = [undefined, undefined];

/** Starts the shapes of a new pickle: none is written yet. */
export function startShapes(enc: Encoder): void {
  enc.nextShape = 0;
  enc.epoch = ++epochCounter;
  if (shapeNodes > 50_000) {
    shapeRoots = [new ShapeNode(), new ShapeNode()];
    shapeNodes = 0;
    firstNodes = [undefined, undefined];
  }
  enc.lastNames[0] = enc.lastNames[1] = null;
  enc.lastNode[0] = enc.lastNode[1] = null;
}

/**
 * Writes a plain object whose own properties are all default data properties with string
 * keys, as an id-holding object of its shape; false (nothing written) for any other.
 */
export function writeSimplePlain(enc: Encoder, o: Record<string, unknown>): boolean {
  if (isProxy(o)) return false;
  const names = getOwnPropertyNames(o);
  const n = names.length;
  if (getOwnPropertySymbols(o).length !== 0 || !isExtensible(o)) return false;
  // A built-in given Object.prototype (`Object.setPrototypeOf(new Map(), Object.prototype)`)
  // has its state in internal slots: looked for where it costs little, on objects without
  // own properties and on typed arrays (see writePlain).
  if ((n === 0 || isView(o)) && brandOf(o) !== B_NONE) return false;
  // The values are taken from the descriptors that prove them data (no Object.values).
  const items = n <= SHAPE_KEYS_MAX ? new Array<unknown>(n) : null;
  for (let i = 0; i < n; i++) {
    const d = getOwnPropertyDescriptor(o, names[i])!;
    if (d.writable !== true || d.enumerable !== true || d.configurable !== true) return false;
    if (items !== null) items[i] = d.value;
  }
  enc.nextId++;
  shapeOf(enc, o, false, names, items);
  return true;
}

/**
 * Structured mode: writes a plain object as its own enumerable string keys and their values,
 * as {@linkcode writeSimplePlain} does; false (nothing written) for a proxy, a reducer, and
 * what may be more than data: a prototype object (an own `constructor`) or a namespace like
 * `Math` (a `Symbol.toStringTag`), which {@linkcode writePlain} sorts out.
 */
export function writeStructuredPlain(enc: Encoder, o: Record<string, unknown>): boolean {
  if (
    isProxy(o) || o[REDUCE_SYMBOL as unknown as string] !== undefined ||
    o[TO_STRING_TAG as unknown as string] !== undefined || hasOwn(o, "constructor")
  ) return false;
  enc.nextId++;
  shapeOf(enc, o, false, objectKeys(o));
  return true;
}

/** Writes a plain or null-prototype object (`nullProto`), met for the first time. */
export function writePlain(enc: Encoder, o: Record<string, unknown>, nullProto: boolean): void {
  if (isProxy(o)) refuseProxy(enc);
  if (nullProto && types.isModuleNamespaceObject(o)) {
    writeNamespace(enc, o);
    return;
  }
  // A built-in whose prototype was set to null (`Object.setPrototypeOf(new Map(), null)`).
  if (nullProto && brandOf(o) !== B_NONE) {
    writeOther(enc, o);
    return;
  }
  if (enc.structured) {
    writeStructured(enc, o, nullProto);
    return;
  }
  const names = getOwnPropertyNames(o);
  let simple = getOwnPropertySymbols(o).length === 0 && isExtensible(o);
  for (let i = 0; simple && i < names.length; i++) {
    const d = getOwnPropertyDescriptor(o, names[i])!;
    if (d.writable !== true || d.enumerable !== true || d.configurable !== true) simple = false;
  }
  // A built-in given Object.prototype: an array (its length is no plain property), an error,
  // a boxed string, a RegExp (lastIndex), a typed array, or one without own properties. (A
  // Map, Set, Date, buffer or boxed number given Object.prototype and then plain properties
  // is not looked for: that would cost every plain object a brand check.)
  if (
    !nullProto && (!simple || names.length === 0 || isView(o)) && brandOf(o) !== B_NONE
  ) {
    writeOther(enc, o);
    return;
  }
  if (!simple) {
    if (typeof o[REDUCE_SYMBOL as unknown as string] === "function") {
      writeOther(enc, o);
      return;
    }
    if (writeIfGlobal(enc, o) || writeModuleObject(enc, o)) return;
    const ctor = constructorOf(o);
    if (ctor !== undefined) {
      writePrototypeOf(enc, o, ctor);
      return;
    }
    enc.w.byte(T.WITH_PROPS);
    propsFrame(enc, o, Reflect.ownKeys(o), null);
    writeShape(enc, o, nullProto, []);
    return;
  }
  writeShape(enc, o, nullProto, names);
}

/**
 * Structured mode: a reducer, a global, a built-in module's object or a prototype object as
 * in exact mode; any other plain object as its enumerable string keys and their values.
 */
function writeStructured(enc: Encoder, o: Record<string, unknown>, nullProto: boolean): void {
  if (typeof o[REDUCE_SYMBOL as unknown as string] === "function") {
    writeOther(enc, o);
    return;
  }
  if (writeIfGlobal(enc, o) || writeModuleObject(enc, o)) return;
  const ctor = constructorOf(o);
  if (ctor !== undefined) {
    writePrototypeOf(enc, o, ctor);
    return;
  }
  writeShape(enc, o, nullProto, objectKeys(o));
}

/** Writes a plain object's tag with its shape, and pushes its values. */
function writeShape(enc: Encoder, o: object, nullProto: boolean, names: string[]): void {
  enc.memo.set(o, enc.nextId++);
  shapeOf(enc, o, nullProto, names);
}

/**
 * {@linkcode writeShape} for an object whose memo id is already taken; `items`, when given,
 * are its values in the order of `names`.
 */
function shapeOf(
  enc: Encoder,
  o: object,
  nullProto: boolean,
  names: string[],
  items: unknown[] | null = null,
): void {
  const n = names.length;
  const w = enc.w;
  if (n > SHAPE_KEYS_MAX) {
    // An object with this many keys (a dictionary) is written with its own shape, kept out
    // of the trie, which it would fill and empty on every pickle.
    enc.nextShape++;
    w.byte(nullProto ? T.NULL_OBJECT_NEW_SHAPE : T.OBJECT_NEW_SHAPE);
    w.varint(n);
    for (let i = 0; i < n; i++) w.string(names[i]);
    pushValues(enc, o, names, items);
    return;
  }
  // Arrays of records repeat one shape: try the last shape of this kind before the trie.
  const side = nullProto ? 1 : 0;
  const last = enc.lastNames[side];
  let node: ShapeNode;
  if (last !== null && last.length === n && sameKeys(last, names)) {
    node = enc.lastNode[side]!;
  } else {
    // Messages of one kind write their shapes in the same order: try the shape that followed
    // the previous one in the last pickle before walking the trie.
    const prev = enc.lastNode[side];
    const guess = prev === null ? firstNodes[side] : prev.next;
    const keys = guess?.names;
    if (keys !== undefined && keys.length === n && sameKeys(keys, names)) {
      node = guess!;
    } else {
      node = shapeRoots[side];
      for (let i = 0; i < n; i++) node = node.child(names[i]);
      node.names ??= names;
    }
    if (prev === null) firstNodes[side] = node;
    else prev.next = node;
    enc.lastNames[side] = names;
    enc.lastNode[side] = node;
  }
  if (node.epoch === enc.epoch) {
    w.byte(nullProto ? T.NULL_OBJECT : T.OBJECT);
    w.varint(node.id);
  } else {
    node.epoch = enc.epoch;
    node.id = enc.nextShape++;
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
  if (n > 0) pushValues(enc, o, names, items);
}

/** Pushes the frame of a simple object's values (`items`, when the caller has them). */
function pushValues(enc: Encoder, o: object, names: string[], items: unknown[] | null): void {
  const n = names.length;
  const f = enc.push(F_OBJECT, 0, o, n);
  f.keys = names;
  if (items !== null) {
    f.items = items;
  } else if (n <= SHAPE_KEYS_MAX) {
    // Every property is an enumerable data property here (exact mode), or `names` are the
    // enumerable keys (structured mode): values() reads them in key order.
    const items = objectValues(o);
    // Structured mode: a getter removed a property while values() ran: read by name.
    f.items = items.length === n ? items : valuesByName(o, names);
  } else {
    // V8 keeps objects this large in dictionary mode, where values() sorts the keys again:
    // reading them by name costs a tenth.
    const items = new Array<unknown>(n);
    for (let i = 0; i < n; i++) items[i] = (o as Record<string, unknown>)[names[i]];
    f.items = items;
  }
}

/** The values of `names` of `o`, undefined for a key that is no longer its own. */
function valuesByName(o: object, names: string[]): unknown[] {
  const items = new Array<unknown>(names.length);
  for (let i = 0; i < names.length; i++) {
    items[i] = hasOwn(o, names[i]) ? (o as Record<string, unknown>)[names[i]] : undefined;
  }
  return items;
}

// Read side.

/** OBJECT_NEW_SHAPE, NULL_OBJECT_NEW_SHAPE: a shape (its keys), then an object of it. */
export function readNewShape(dec: Decoder, at: number, tag: number): object {
  // A shape costs its keys, a cache entry and a hidden class (10-20 µs in Deno).
  dec.heavy(at, 4);
  const r = dec.r;
  const nullProto = tag === T.NULL_OBJECT_NEW_SHAPE;
  const start = r.pos;
  const prev = dec.lastShape;
  let shape = predictedShape(prev, r.buf, start, r.end, nullProto);
  if (shape !== undefined) {
    r.pos = start + shape.bytes.length;
  } else {
    const n = r.length(1);
    for (let i = 0; i < n; i++) skipString(dec);
    const end = r.pos;
    const hash = hashShape(r.buf, start, end, nullProto);
    shape = findShape(r.buf, start, end, hash, nullProto);
    if (shape === undefined) {
      r.pos = start;
      r.varint();
      const keys: string[] = new Array(n);
      for (let i = 0; i < n; i++) keys[i] = dec.string();
      if (hasRepeat(keys)) dec.corrupt("an object shape repeats a key", at);
      shape = addShape(keys, nullProto, r.buf.subarray(start, end), hash);
    }
  }
  followShape(prev, shape);
  dec.lastShape = shape;
  dec.shapes.push(shape);
  return newShapedObject(dec, shape, at);
}

/** OBJECT, NULL_OBJECT: an object of a shape defined before. */
export function readShapedObject(dec: Decoder, at: number, tag: number): object {
  const id = dec.r.varint();
  const shape = dec.shapes[id];
  if (shape === undefined) dec.corrupt(`an object refers to the unknown shape ${id}`, at);
  if (shape.nullProto !== (tag === T.NULL_OBJECT)) {
    dec.corrupt("an object refers to a shape of the other prototype", at);
  }
  return newShapedObject(dec, shape, at);
}

/** Moves past a value that must be a string, without decoding it. */
function skipString(dec: Decoder): void {
  const r = dec.r;
  const at = r.pos;
  const tag = r.byte();
  let n: number;
  if (tag >= T.SHORT_STRING && tag < T.UNDEFINED) n = tag - T.SHORT_STRING;
  else if (tag === T.LATIN1) n = r.varint();
  else if (tag === T.STR8) n = r.byte();
  else if (tag === T.STR32) n = r.u32();
  else if (tag === T.STR16) n = r.length(2) * 2;
  else return dec.corrupt("a string was expected and another value found", at);
  r.need(n);
  r.pos += n;
}

/** Makes an object of `shape`, whose tag is at `at`. */
function newShapedObject(dec: Decoder, shape: Shape, at: number): Record<string, unknown> {
  if (shape.nullProto) dec.heavy(dec.r.pos, 1);
  const keys = shape.keys;
  const n = keys.length;
  // Leading primitive values, and arrays (of records: tags, pairs), go straight into the new
  // object; the rest come through a frame. The object's memo slot is taken first: an array
  // read here takes the next one, as it did when written. Arrays only when the frame loop
  // reads this object: then its values follow it at once. An object read inline by another
  // read (the prototype of SET_PROTO, of PROTOTYPES) may be followed by more of that read
  // (the reparented array itself) before its values.
  const arrays = at === dec.framedAt;
  const vals = dec.vals;
  const memo = dec.memo;
  const slot = memo.length;
  memo.push(HOLE);
  const r = dec.r;
  // Set when an array read here left its elements to a frame: the object's frame goes under it.
  let under = false;
  let i = 0;
  for (; i < n; i++) {
    let v = readPrimitive(dec);
    if (v === NOT_PRIMITIVE) {
      if (!arrays || r.pos >= r.end || r.buf[r.pos] !== T.ARRAY) break;
      const top = dec.top;
      const outer = dec.tag;
      dec.tag = T.ARRAY;
      r.pos++;
      v = readArray(dec);
      dec.tag = outer;
      if (dec.top !== top) {
        vals[i++] = v;
        under = true;
        break;
      }
    }
    vals[i] = v;
  }
  for (let j = i; j < n; j++) vals[j] = undefined;
  // Data-only loads generate no code (see shapes.ts); objects of shapes without a factory
  // yet (each may compile one) are budgeted.
  const o = !dec.opts.allowCode
    ? fromTemplate(shape, vals)
    : shape.make !== null || --dec.slowObjects >= 0
    ? newObject(shape, vals)
    : newObject(shape, vals, false);
  for (let j = 0; j < i; j++) vals[j] = undefined;
  memo[slot] = o;
  if (i < n) {
    const f = dec.push(K_OBJECT, o, n);
    f.items = keys;
    f.i = i;
    if (under) {
      // The array's frame was pushed first; it must run before the object's values go on.
      const frames = dec.frames;
      const t = dec.top;
      frames[t] = frames[t - 1];
      frames[t - 1] = f;
    }
  }
  return o;
}

/** A value of an object's frame, in its shape's key order. */
export function deliverObjectValue(_dec: Decoder, f: DecodeFrame, v: unknown, i: number): void {
  (f.target as Record<string, unknown>)[(f.items as string[])[i]] = v;
}

/** OBJECT_WITH_PROTO: the prototype, then a property list. */
export function readObjectWithProto(dec: Decoder, at: number): object {
  dec.heavy(at, 1);
  const slot = dec.memo.length;
  dec.memo.push(HOLE);
  // The property list is read after the prototype's own contents: its frame goes first.
  const props = dec.push(K_PROPS, null, NOT_DONE);
  props.count = -1;
  const proto = dec.inlineValue();
  if (
    proto === PENDING ||
    (proto !== null && typeof proto !== "object" && typeof proto !== "function")
  ) {
    dec.corrupt("an object's prototype is neither an object nor null", at);
  }
  dec.checkPrototype(proto, at);
  const o = Object.create(proto as object | null) as object;
  dec.memo[slot] = o;
  props.target = o;
  return o;
}
