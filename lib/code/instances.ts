/**
 * Instances: objects whose prototype is a class's prototype, a built-in prototype without
 * its family's internal slots (`Object.create(Map.prototype)`), or data; instances of
 * subclasses of built-ins (the built-in's state, then the prototype); and instances of
 * classes with private members, rebuilt through their classes with their private fields.
 * Ordinary instances are written as instance shapes by instance_shapes.ts; they are read
 * here.
 *
 * @module
 */

import { isLiveWeak } from "../values/weak.ts";
import * as T from "../format/tags.ts";
import * as K from "../values/kinds.ts";
import { type Encoder, F_LIST, S_PRIVATE, S_PROTO } from "../pickle/encoder.ts";
import { propsFrame } from "../pickle/properties.ts";
import { writeBuiltin, writeValue } from "../pickle/dispatch.ts";
import { writeArray } from "../values/arrays.ts";
import { writeBlob } from "../values/web.ts";
import { writeBuiltinReduction } from "../values/builtin_reductions.ts";
import { B_ARRAY, B_NONE, brandFits, brandOf, hostBrandOf, protoOfKind } from "../values/brands.ts";
import { ordinaryChain, writeShapedInstance, type WrittenShape } from "./instance_shapes.ts";
import { counterpartOf, globalPathOf } from "./globals.ts";
import { referencedModule } from "./by_reference.ts";
import { isRestorable } from "../runtime/private_readers.ts";
import { constructorOf, isNative, privateFieldsOf } from "./members.ts";
import { syncRemedy } from "../runtime/remedy.ts";
import { syncPrivateReader } from "../runtime/detect.ts";
import { rebuildInstance, setPrivate, setStaticPrivate } from "./private_state.ts";
import { type DecodeFrame, type Decoder, HOLE, NOT_DONE, PENDING } from "../pickle/decoder.ts";
import { K_OBJECT, K_PRIVATE, K_PROPS } from "../pickle/decode_table.ts";
import { ownedBuffer } from "../values/binary.ts";
import { NOT_PRIMITIVE, readPrimitive } from "../values/primitives.ts";
import {
  addShape,
  defineFields,
  findShape,
  hashShape,
  hasRepeat,
  type Shape,
} from "../pickle/shapes.ts";

// Write side.

const OBJECT_PROTO = Object.prototype;
const ARRAY_PROTO = Array.prototype;
/**
 * The prototypes of the kinds of functions. An object (not callable) that inherits from a
 * function (`Object.create(fn)`, `Object.create(SomeClass)`) has no internal slots of
 * theirs: an ordinary object with that prototype.
 */
const FUNCTION_PROTOS: ReadonlySet<object> = new Set(
  [
    function () {},
    async function () {},
    function* () {},
    async function* () {},
  ].map((f) => Object.getPrototypeOf(f)),
);
const getPrototypeOf = Object.getPrototypeOf;
const isArray = Array.isArray;

/** What a prototype chain says about the objects that inherit from it. */
export interface Chain {
  /** The first built-in prototype of the chain (Object.prototype, a family's, or null). */
  readonly base: object | null;
  /** The private fields its classes declare; null when none has private members. */
  readonly privateFields: string[] | null;
  /** Why its objects cannot be pickled, if they cannot. */
  readonly error: string | undefined;
  /** The instance shapes this walk wrote for the prototype (null: none yet). */
  shapes: WrittenShape[] | null;
  /** The instance shape written last, tried first. */
  last: WrittenShape | null;
  /**
   * Whether the objects of this prototype may be written by `writeOrdinary` (instance_shapes.ts): its
   * classes have no private members and no built-in base, and no object of the chain is a
   * Proxy, a BuiltinObject's prototype, or has an own `[reduce]` or `Symbol.toStringTag`.
   */
  readonly ordinary: boolean;
}

/** Writes `o`, an object of no built-in family whose prototype is `proto`. */
export function writeInstance(enc: Encoder, o: object, proto: object | null): void {
  const chain = chainOf(enc, proto);
  if (chain.error !== undefined) {
    if (writeBuiltinReduction(enc, o, proto)) return;
    enc.fail(chain.error);
  }
  const base = chain.base;
  if (chain.privateFields !== null) {
    privateInstance(enc, o, proto!, base, chain.privateFields);
    return;
  }
  // What the object really is (its internal slots), whatever its prototype chain says.
  let brand = base === ARRAY_PROTO && isArray(o) ? B_ARRAY : brandOf(o);
  if (brand === B_NONE && base !== null && base !== OBJECT_PROTO) brand = hostBrandOf(o);
  if (brand !== B_NONE) {
    if (enc.reparenting === o) {
      enc.fail(
        "cannot pickle this object: its built-in state could not be read under its " +
          "prototype; give its class a [reduce]() method",
      );
    }
    // An instance of a subclass of a built-in, or a built-in given another prototype: the
    // built-in's state, then its prototype. Both are written inline (the loader reads them
    // back to back); the frames they push run afterwards, in the same order on both sides.
    enc.w.byte(T.SET_PROTO);
    enc.inlineProto++;
    try {
      writeValue(enc, proto);
    } finally {
      enc.inlineProto--;
    }
    enc.reparenting = o;
    const kind = base === null ? undefined : K.KIND_BY_PROTO.get(base);
    if (brand === B_ARRAY) writeArray(enc, o as unknown[], false);
    else if (brandFits(brand, kind)) writeBuiltin(enc, o, kind!, base!);
    else if (brand === K.K_BLOB || brand === K.K_FILE) {
      writeBlob(enc, o as Blob, brand === K.K_FILE);
    } else writeBuiltin(enc, o, brand, protoOfKind(brand));
    enc.reparenting = null;
    return;
  }
  if (
    (base === OBJECT_PROTO || base === null) && proto !== null &&
    writeShapedInstance(enc, o, proto, chain)
  ) return;
  // An ordinary object whose prototype is a class's prototype, a built-in prototype
  // (`Object.create(Map.prototype)` has no Map slots) or itself data.
  enc.memo.set(o, enc.nextId++);
  enc.w.byte(T.OBJECT_WITH_PROTO);
  propsFrame(enc, o, Reflect.ownKeys(o), null);
  // Pushed after the property list's frame, so the prototype is written first. Inside the
  // prototype of a reparented built-in, whose object follows at once, it is written now
  // instead (the same bytes, its frames still before the property list's).
  if (enc.inlineProto > 0) writeValue(enc, proto);
  else enc.push(F_LIST, S_PROTO, o, 1).items = [proto];
}

/**
 * What the prototype chain from `proto` says about its objects, computed once per chain in a
 * walk (instances of one class share it): up the chain to the first built-in — a family we
 * can rebuild (Map, Array, Error…), plain Object.prototype / null, or a host class whose
 * state is unreachable — collecting the private fields its classes declare.
 */
function chainOf(enc: Encoder, proto: object | null): Chain {
  let chain = enc.chains.get(proto!);
  if (chain !== undefined) return chain;
  let base: object | null = proto;
  let privateFields: string[] | null = null;
  let error: string | undefined;
  while (
    base !== null && base !== OBJECT_PROTO && base !== ARRAY_PROTO &&
    !K.KIND_BY_PROTO.has(base) && !FUNCTION_PROTOS.has(base)
  ) {
    // Another realm's built-in (a node:vm context's `Object.prototype`): as this realm's.
    const here = counterpartOf(base);
    if (here !== undefined) {
      base = here;
      break;
    }
    const c = constructorOf(base);
    if (c !== undefined && (isNative(c) || globalPathOf(base) !== undefined)) {
      const name = (c as { name?: string }).name || "a built-in class";
      error ??= `cannot pickle an instance of ${name}: its state lives in internal slots ` +
        "that cannot be read; give the class a [reduce]() method";
    }
    if (c !== undefined && error === undefined) {
      let fields: readonly string[] | undefined;
      try {
        fields = privateFieldsOf(c);
      } catch (e) {
        enc.fail(
          `cannot pickle an instance of ${(c as { name?: string }).name || "a class"}: ` +
            "its class's source text cannot be analysed; give the class a [reduce]() method",
          e,
        );
      }
      if (fields !== undefined) {
        // (A class the Bun preload gave its restore field loads again where Bun imports it.)
        const module = error === undefined && !isRestorable(c)
          ? referencedModule(enc, c)
          : undefined;
        if (module !== undefined) error = privateByReference(c, module);
        privateFields ??= [];
        for (const f of fields) {
          if (privateFields.includes(f)) {
            error = `cannot pickle an instance of ${(c as { name?: string }).name}: two of ` +
              `its classes declare a private field #${f}; give the class a [reduce]() method`;
          }
          privateFields.push(f);
        }
      }
    }
    base = getPrototypeOf(base);
  }
  const ordinary = error === undefined && privateFields === null && proto !== null &&
    (base === OBJECT_PROTO || base === null) && ordinaryChain(proto, base);
  chain = { base, privateFields, error, shapes: null, last: null, ordinary };
  enc.chains.set(proto!, chain);
  return chain;
}

/**
 * Why an instance of `cls`, which has private members and goes by reference to `module`,
 * cannot be pickled: no process that imports the class can rebuild the instance.
 */
function privateByReference(cls: object, module: string): string {
  const name = (cls as { name?: string }).name || "a class";
  return `cannot pickle an instance of ${name}: its class has private members and goes by ` +
    `reference to ${module}, and a process that imports a class cannot add private fields ` +
    "to a new object without running its constructor, so no process could load it; give the " +
    `class a [reduce]() method that returns its constructor and arguments (\`[reduce]() { ` +
    `return [${name}, [this.#x]]; }\`), or register its module by value ` +
    "(registerPickleByValue) so that the class travels with the pickle";
}

/**
 * An instance of a class with private members: its prototype, own properties and private
 * field values (read by the runtime's adapter). The loader rebuilds it through its classes
 * so that it carries their private members.
 */
function privateInstance(
  enc: Encoder,
  o: object,
  proto: object,
  base: object | null,
  fields: string[],
): void {
  const name = (constructorOf(proto) as { name?: string } | undefined)?.name || "a class";
  if (base !== null && base !== OBJECT_PROTO) {
    enc.fail(
      `cannot pickle an instance of ${name}: private members on a subclass of a built-in ` +
        "are not supported; give the class a [reduce]() method",
    );
  }
  let read = enc.opts.privates?.get(o) ?? syncPrivateReader()?.(o);
  if (read !== undefined && !fields.every((f) => read!.names.includes(f))) {
    const missing = fields.filter((f) => !read!.names.includes(f));
    enc.fail(
      `cannot pickle an instance of ${name}: its private field${missing.length > 1 ? "s" : ""} ` +
        `#${missing.join(", #")} could not be read; give the class a [reduce]() method`,
    );
  }
  if (read === undefined) {
    if (fields.length === 0) {
      read = { names: [], values: [] };
    } else if (enc.async && enc.opts.scopesUnavailable === undefined) {
      enc.unreadPrivate.push(o);
      enc.w.byte(T.UNDEFINED);
      return;
    } else {
      enc.fail(
        `cannot pickle an instance of ${name}: its private fields (#${fields.join(", #")}) ` +
          (!enc.async
            ? `cannot be read by the sync form (${syncRemedy()})`
            : `cannot be read here (${enc.opts.scopesUnavailable})`) +
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
  enc.memo.set(o, enc.nextId++);
  enc.w.byte(T.INSTANCE);
  const pf = enc.push(F_LIST, S_PRIVATE, o, items.length);
  pf.items = items;
  pf.pre = count;
  propsFrame(enc, o, Reflect.ownKeys(o), null);
  enc.push(F_LIST, S_PROTO, o, 1).items = [proto];
}

// Read side.

const isPrototypeOf = Object.prototype.isPrototypeOf;

/** INSTANCE: the prototype, the own properties, then the private fields. */
export function readInstance(dec: Decoder, at: number): object {
  const slot = dec.memo.length;
  dec.memo.push(HOLE);
  // Private values are read last, after the own properties, after the prototype.
  const priv = dec.push(K_PRIVATE, null, NOT_DONE);
  priv.count = -1;
  priv.extra = 0;
  const props = dec.push(K_PROPS, null, NOT_DONE);
  props.count = -1;
  const proto = dec.inlineValue();
  if (proto === PENDING || proto === null || typeof proto !== "object") {
    dec.corrupt("an instance's prototype is not an object", at);
  }
  dec.checkPrototype(proto, at);
  let o: object;
  try {
    o = rebuildInstance(proto as object) ?? Object.create(proto as object);
  } catch (e) {
    return dec.r.fail(
      `cannot rebuild an instance: its class's private members cannot be restored ` +
        `(${String(e)}); load with the class the pickle was made with`,
      at,
      e,
    );
  }
  dec.memo[slot] = o;
  props.target = o;
  priv.target = o;
  return o;
}

/** Starts a private field frame: reads its count, once the value it fills exists. */
export function beginPrivateFields(dec: Decoder, f: DecodeFrame): void {
  f.count = dec.r.length(2);
  f.n = f.count * 2;
}

/** A name or a value of a private field frame (static ones on a class: extra 1). */
export function deliverPrivateField(dec: Decoder, f: DecodeFrame, v: unknown, i: number): void {
  if ((i & 1) === 0) {
    if (typeof v !== "string") dec.corrupt("a private field's name is not a string");
    f.key = v;
    return;
  }
  if (f.target === null) return;
  try {
    if (f.extra === 1) setStaticPrivate(f.target as object, f.key as string, v);
    else setPrivate(f.target as object, f.key as string, v);
  } catch (e) {
    dec.r.fail(
      `cannot restore the private field #${String(f.key)}: ${String(e)}; ` +
        "load with the class the pickle was made with",
      dec.r.pos,
      e,
    );
  }
}

/** A prototype and keys of the instances of a load (INSTANCE_NEW_SHAPE), by id. */
export interface InstanceShape {
  readonly proto: object;
  readonly shape: Shape;
}

/**
 * INSTANCE_NEW_SHAPE: the keys, the prototype, then an object of that prototype with those
 * keys (the next instance shape).
 */
export function readInstanceNewShape(dec: Decoder, at: number): object {
  // A shape costs its keys, a cache entry and a hidden class.
  dec.heavy(at, 4);
  const r = dec.r;
  const slot = dec.memo.length;
  dec.memo.push(HOLE);
  const start = r.pos;
  const n = r.length(1);
  const keys: string[] = new Array(n);
  for (let i = 0; i < n; i++) keys[i] = dec.string();
  const end = r.pos;
  // Met in an earlier load, the shape comes with its keys and its generated definer.
  const hash = hashShape(r.buf, start, end, false);
  let shape = findShape(r.buf, start, end, hash, false);
  if (shape === undefined) {
    if (hasRepeat(keys)) dec.corrupt("an instance shape repeats a key", at);
    shape = addShape(keys, false, r.buf.subarray(start, end), hash);
  }
  // The values are read after the prototype's own contents: their frame goes first.
  const values = n > 0 ? dec.push(K_OBJECT, null, n) : null;
  const proto = dec.inlineValue();
  if (
    proto === PENDING || proto === null ||
    (typeof proto !== "object" && typeof proto !== "function")
  ) {
    dec.corrupt("an instance's prototype is not an object", at);
  }
  dec.checkPrototype(proto, at);
  dec.instanceShapes.push({ proto: proto as object, shape });
  const o = create(proto as object) as object;
  dec.memo[slot] = o;
  if (values !== null) {
    // Defined now (undefined), so that the frame's values land on own properties.
    const vals = dec.vals;
    for (let i = 0; i < n; i++) vals[i] = undefined;
    defineFields(shape, o, vals, compiles(dec, shape));
    values.target = o;
    values.items = shape.keys;
  }
  return o;
}

/** Whether `shape` may get (or has) a generated definer in this load. */
function compiles(dec: Decoder, shape: Shape): boolean {
  // Data-only loads generate no code (see shapes.ts); definers not generated yet are budgeted.
  return dec.opts.allowCode && (shape.fields !== null || --dec.slowObjects >= 0);
}

/** INSTANCE_SHAPED: an object of an instance shape defined before. */
export function readInstanceShaped(dec: Decoder, at: number): object {
  const id = dec.r.varint();
  const s = dec.instanceShapes[id];
  if (s === undefined) dec.corrupt(`an instance refers to the unknown instance shape ${id}`, at);
  const o = create(s.proto) as object;
  dec.memo.push(o);
  return fillInstance(dec, o, s.shape);
}

const create = Object.create;

/**
 * Defines the keys of `shape` on `o`: leading primitive values at once, the others
 * undefined until their frame delivers them (onto the own properties, never a setter).
 */
function fillInstance(dec: Decoder, o: object, shape: Shape): object {
  const keys = shape.keys;
  const n = keys.length;
  const vals = dec.vals;
  let i = 0;
  for (; i < n; i++) {
    const v = readPrimitive(dec);
    if (v === NOT_PRIMITIVE) break;
    vals[i] = v;
  }
  for (let j = i; j < n; j++) vals[j] = undefined;
  defineFields(shape, o, vals, compiles(dec, shape));
  for (let j = 0; j < i; j++) vals[j] = undefined;
  if (i < n) {
    const f = dec.push(K_OBJECT, o, n);
    f.items = keys;
    f.i = i;
  }
  return o;
}

/** SET_PROTO: a prototype, then the object that takes it. */
export function readSetProto(dec: Decoder, at: number): object {
  const r = dec.r;
  const proto = dec.inlineValue();
  if (proto === PENDING || (proto !== null && typeof proto !== "object")) {
    dec.corrupt("an object's new prototype is not an object", at);
  }
  dec.checkPrototype(proto, at);
  const next = r.pos < r.end ? r.buf[r.pos] : -1;
  if (next === T.REF || next === T.REDUCE || next === T.SET_PROTO) {
    dec.corrupt("a new prototype is given to a value that cannot take it", at);
  }
  const o = next === T.OOB_BUFFER ? ownedBuffer(dec, r.pos) : dec.inlineValue();
  if (o === null || typeof o !== "object") {
    dec.corrupt("a new prototype is given to a value that is not an object", at);
  }
  if (isLiveWeak(dec, o)) return o; // returned as it is (lib/values/weak.ts)
  dec.checkOwned(o, at);
  // Data only: a built-in keeps its kind (an array never becomes a Map), the prototype
  // of a subclass admitted by reference extends the one it had.
  if (
    !dec.opts.allowCode && proto !== null &&
    !isPrototypeOf.call(Object.getPrototypeOf(o) ?? proto, proto as object)
  ) {
    dec.r.fail(
      "cannot give a loaded object a prototype of another kind than the object's " +
        "(allowCode: false); load with allowCode: true if the pickle is trusted",
      at,
    );
  }
  try {
    Object.setPrototypeOf(o, proto as object | null);
  } catch (e) {
    return dec.corrupt("an object's prototype cannot be set", at, e);
  }
  return o as object;
}
