/**
 * The encoder's dispatch: which family writes a value, by `typeof`, then by prototype. Plain
 * objects and arrays are looked for first (one memo lookup); other objects find their family
 * through {@linkcode FAMILY_WRITERS}, by the kind their prototype has in
 * lib/values/kinds.ts; objects of no built-in family go to {@linkcode writeOther}. Adding a
 * family is one file (its write and read side) and one entry in the table below.
 *
 * @module
 */

import { types } from "node:util";
import * as T from "../format/tags.ts";
import type { Encoder } from "./encoder.ts";
import * as K from "../values/kinds.ts";
import { constructorOf } from "../code/members.ts";
import { findExport } from "../runtime/modules/table.ts";
import { writeBigInt, writeSymbol } from "../values/primitives.ts";
import { writePlain, writeSimplePlain, writeStructuredPlain } from "../values/objects.ts";
import { writeArray, writeSimpleArray } from "../values/arrays.ts";
import { writeMap, writeSet } from "../values/collections.ts";
import { writeArrayBuffer, writeSharedArrayBuffer, writeView } from "../values/binary.ts";
import { writeBoxed, writeDate, writeRegExp } from "../values/builtins.ts";
import { writeError, writeHostError } from "../values/errors.ts";
import { writeBlobOrFile, writeURL, writeURLSearchParams } from "../values/web.ts";
import { writePromise } from "../values/async_values.ts";
import { writeOverride, writeReduceMethod } from "../values/reduce.ts";
import { refuseKind, refuseResource, refuseUnreadable } from "../values/refused.ts";
import { writeWeak } from "../values/weak.ts";
import { writeByValue } from "../code/by_value.ts";
import {
  BuiltinObject,
  writeBuiltinObject,
  writeExported,
  writeIfGlobal,
  writeNamespace,
} from "../code/by_reference.ts";
import { writePrototypeOf } from "../code/classes.ts";
import { counterpartOf } from "../code/globals.ts";
import { writeInstance } from "../code/instances.ts";
import { writeOrdinary } from "../code/instance_shapes.ts";
import { IS_JSC } from "../host.ts";

const OBJECT_PROTO = Object.prototype;
const ARRAY_PROTO = Array.prototype;
const getPrototypeOf = Object.getPrototypeOf;
const isArray = Array.isArray;

/**
 * Writes an object of a built-in family: `kind` is the family's kind (lib/values/kinds.ts),
 * `proto` the prototype it was found by. A writer that finds `o` is not what its prototype
 * says (`Object.create(Map.prototype)`) hands it to {@linkcode writeOther}.
 */
export type FamilyWriter = (enc: Encoder, o: object, kind: number, proto: object) => void;

/** The family writer of each kind. */
const FAMILY_WRITERS: FamilyWriter[] = new Array<FamilyWriter>(K.K_VIEW + T.VIEW_TYPES.length)
  .fill(writeUnknown);

function family(kind: number, write: FamilyWriter): void {
  FAMILY_WRITERS[kind] = write;
}

family(K.K_MAP, writeMap);
family(K.K_SET, writeSet);
family(K.K_DATE, writeDate);
family(K.K_REGEXP, writeRegExp);
family(K.K_ARRAY_BUFFER, writeArrayBuffer);
family(K.K_SHARED_ARRAY_BUFFER, writeSharedArrayBuffer);
family(K.K_BOXED_NUMBER, writeBoxed);
family(K.K_BOXED_STRING, writeBoxed);
family(K.K_BOXED_BOOLEAN, writeBoxed);
family(K.K_BOXED_BIGINT, writeBoxed);
family(K.K_BOXED_SYMBOL, writeBoxed);
family(K.K_URL, writeURL);
family(K.K_URL_SEARCH_PARAMS, writeURLSearchParams);
family(K.K_BLOB, writeBlobOrFile);
family(K.K_FILE, writeBlobOrFile);
family(K.K_PROMISE, writePromise);
family(K.K_WEAK_MAP, writeWeak);
family(K.K_WEAK_SET, writeWeak);
family(K.K_REFUSED, refuseKind);
for (let i = 0; i < T.ERROR_TYPES.length; i++) family(K.K_ERROR + i, writeError);
for (let i = 0; i < T.VIEW_TYPES.length; i++) family(K.K_VIEW + i, writeView);

function writeUnknown(enc: Encoder, o: object): void {
  writeOther(enc, o);
}

type Upsert = { getOrInsert(key: unknown, value: number): number };
const hasGetOrInsert = !IS_JSC &&
  typeof (Map.prototype as unknown as Partial<Upsert>).getOrInsert ===
    "function";

/** The id `memo` holds for `o`, after giving it `id` when it held none. */
function memoGetOrInsert(memo: Map<unknown, number>, o: object, id: number): number {
  if (hasGetOrInsert) return (memo as unknown as Upsert).getOrInsert(o, id);
  const had = memo.get(o);
  if (had !== undefined) return had;
  memo.set(o, id);
  return id;
}

/** Writes one value; containers push a frame for their children. */
export function writeValue(enc: Encoder, v: unknown): void {
  switch (typeof v) {
    case "number":
      enc.w.number(v);
      return;
    case "string":
      enc.w.string(v);
      return;
    case "boolean":
      enc.w.byte(v ? T.TRUE : T.FALSE);
      return;
    case "undefined":
      enc.w.byte(T.UNDEFINED);
      return;
    case "object":
      if (v === null) enc.w.byte(T.NULL);
      else writeObject(enc, v);
      return;
    case "bigint":
      writeBigInt(enc, v);
      return;
    case "symbol":
      writeSymbol(enc, v);
      return;
    case "function":
      writeFunction(enc, v as (...args: unknown[]) => unknown);
      return;
  }
}

/** Writes an object: a back-reference, or its family's encoding. */
export function writeObject(enc: Encoder, o: object): void {
  let proto = getPrototypeOf(o);
  const hook = enc.opts.reducerOverride !== undefined;
  if ((proto === OBJECT_PROTO || proto === ARRAY_PROTO) && !hook) {
    // One hash lookup for plain objects and arrays: the object takes the next id
    // provisionally, kept when nothing but its values needs writing, given back otherwise.
    const memo = enc.memo;
    const next = enc.nextId;
    const id = memoGetOrInsert(memo, o, next);
    if (id !== next) {
      enc.backRef(o, id);
      return;
    }
    if (
      proto === OBJECT_PROTO
        ? enc.structured
          ? writeStructuredPlain(enc, o as Record<string, unknown>)
          : writeSimplePlain(enc, o as Record<string, unknown>)
        : isArray(o) && writeSimpleArray(enc, o as unknown[])
    ) return;
    memo.delete(o);
  } else {
    const chain = proto === null || hook || enc.chains.size === 0
      ? undefined
      : enc.chains.get(proto);
    if (chain !== undefined && chain.ordinary) {
      // An instance of a class met before in this walk: one hash lookup too (see above).
      const memo = enc.memo;
      const next = enc.nextId;
      const id = memoGetOrInsert(memo, o, next);
      if (id !== next) {
        enc.backRef(o, id);
        return;
      }
      if (writeOrdinary(enc, o, proto, chain)) return;
      memo.delete(o);
    } else if (enc.ref(o)) {
      return;
    }
  }
  if (hook) {
    if (writeOverride(enc, o)) return;
    proto = getPrototypeOf(o);
  }
  if (proto === OBJECT_PROTO) {
    writePlain(enc, o as Record<string, unknown>, false);
  } else if (proto === ARRAY_PROTO && isArray(o)) {
    writeArray(enc, o as unknown[], !hook);
  } else if (proto === null) {
    writePlain(enc, o as Record<string, unknown>, true);
  } else {
    let kind = K.KIND_BY_PROTO.get(proto);
    if (kind === undefined) {
      // Another realm's built-in prototype (a node:vm context's): written as this realm's.
      const here = counterpartOf(proto);
      if (here === OBJECT_PROTO) return writePlain(enc, o as Record<string, unknown>, false);
      if (here === ARRAY_PROTO && isArray(o)) return writeArray(enc, o as unknown[], false);
      if (here !== undefined) {
        kind = K.KIND_BY_PROTO.get(here);
        proto = here;
      }
    }
    if (kind === undefined) writeOther(enc, o);
    else FAMILY_WRITERS[kind](enc, o, kind, proto);
  }
}

/** Writes `o` as the built-in family `kind` says, `proto` being that family's prototype. */
export function writeBuiltin(enc: Encoder, o: object, kind: number, proto: object): void {
  FAMILY_WRITERS[kind](enc, o, kind, proto);
}

/** Writes a function: by reference when it can be found again, else by value. */
export function writeFunction(enc: Encoder, fn: (...args: unknown[]) => unknown): void {
  const observer = enc.opts.observer;
  if (observer !== undefined) {
    observer.fn(enc, fn, writeFunctionAs as (e: Encoder, f: object) => void);
  } else writeFunctionAs(enc, fn);
}

function writeFunctionAs(enc: Encoder, fn: (...args: unknown[]) => unknown): void {
  if (enc.ref(fn)) return;
  if (writeOverride(enc, fn)) return;
  if (writeIfGlobal(enc, fn) || writeExported(enc, fn, findExport)) return;
  writeByValue(enc, fn);
}

/**
 * Writes an object of no built-in family (or one that only has a built-in prototype): a
 * stand-in for a built-in module, a reducer, a namespace, a global, a prototype object, a
 * host error, or an instance; refuses what cannot be pickled.
 */
export function writeOther(enc: Encoder, o: object): void {
  if (o instanceof BuiltinObject) {
    writeBuiltinObject(enc, o);
    return;
  }
  if (writeReduceMethod(enc, o)) return;
  // Bun's module namespaces have a prototype (with `__esModule`); V8's have none.
  if (types.isModuleNamespaceObject(o)) {
    writeNamespace(enc, o);
    return;
  }
  if (writeIfGlobal(enc, o)) return;
  refuseUnreadable(enc, o);
  const ownCtor = constructorOf(o);
  if (ownCtor !== undefined) {
    writePrototypeOf(enc, o, ownCtor);
    return;
  }
  const proto = getPrototypeOf(o);
  if (proto !== null) {
    // Errors of classes the runtime defines (Deno.errors.NotFound…) load anywhere.
    if (o instanceof Error && types.isNativeError(o) && writeHostError(enc, o, proto)) return;
    refuseResource(enc, o, proto);
  }
  writeInstance(enc, o, proto);
}
