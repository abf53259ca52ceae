/**
 * The decoder's dispatch: tag → read function (with the tag's name, for
 * UnpicklingError.tag), and frame kind → what a frame does with each child value. A family
 * adds its tags here and its read functions in its own file.
 *
 * @module
 */

import * as T from "../format/tags.ts";
import type { DecodeFrame, Decoder } from "./decoder.ts";
import { deliverCollected, deliverRoot, readRef, readUnknown } from "./decode_core.ts";
import { beginProperties, deliverProperty, readWithProps } from "./decode_properties.ts";
import {
  readBigInt,
  readCommonPrimitive,
  readLongUtf8,
  readRegisteredSymbol,
  readUniqueSymbol,
  readUtf16,
  readWellKnownSymbol,
} from "../values/primitives.ts";
import {
  deliverObjectValue,
  readNewShape,
  readObjectWithProto,
  readShapedObject,
} from "../values/objects.ts";
import {
  deliverArrayElement,
  deliverSparseItem,
  readArray,
  readSparseArray,
} from "../values/arrays.ts";
import { deliverMapItem, deliverSetElement, readMap, readSet } from "../values/collections.ts";
import { readArrayBuffer, readOobBuffer, readView } from "../values/binary.ts";
import { readBoxed, readDate, readRegExp } from "../values/builtins.ts";
import { readError } from "../values/errors.ts";
import { readBlob, readUrl, readUrlSearchParams } from "../values/web.ts";
import { deliverSettlement, readPromise } from "../values/async_values.ts";
import { construct, readReduce } from "../values/reduce.ts";
import { readFunction } from "../code/by_value.ts";
import { deliverScopeValue, readScope } from "../code/scope_read.ts";
import { readPrototypeOf, readPrototypes } from "../code/classes.ts";
import {
  beginPrivateFields,
  deliverPrivateField,
  readInstance,
  readInstanceNewShape,
  readInstanceShaped,
  readSetProto,
} from "../code/instances.ts";
import { readExport, readGlobal, readModule } from "../code/by_reference.ts";
import { deliverWeakEntry, readWeak } from "../values/weak.ts";

/** Reads the value of a tag whose byte (at `at`) was just read. */
export type ReadFn = (dec: Decoder, at: number, tag: number) => unknown;
/** Hands the `i`-th child value of a frame to the value the frame fills. */
export type DeliverFn = (dec: Decoder, f: DecodeFrame, v: unknown, i: number) => void;
/** Starts a frame whose count is read once the value it fills exists (count -1). */
export type BeginFn = (dec: Decoder, f: DecodeFrame) => void;
/** Makes a frame's value from its children once it is done (the value goes to its parent). */
export type FinishFn = (dec: Decoder, f: DecodeFrame) => unknown;

/** Every tag, with its name and its read function. */
const TAGS: readonly (readonly [number, string, ReadFn])[] = [
  [T.UNDEFINED, "UNDEFINED", readCommonPrimitive],
  [T.NULL, "NULL", readCommonPrimitive],
  [T.FALSE, "FALSE", readCommonPrimitive],
  [T.TRUE, "TRUE", readCommonPrimitive],
  [T.INT_POS, "INT_POS", readCommonPrimitive],
  [T.INT_NEG, "INT_NEG", readCommonPrimitive],
  [T.FLOAT64, "FLOAT64", readCommonPrimitive],
  [T.NAN, "NAN", readCommonPrimitive],
  [T.NEG_ZERO, "NEG_ZERO", readCommonPrimitive],
  [T.BIGINT_POS, "BIGINT_POS", readBigInt],
  [T.BIGINT_NEG, "BIGINT_NEG", readBigInt],
  [T.STR8, "STR8", readCommonPrimitive],
  [T.STR32, "STR32", readLongUtf8],
  [T.STR16, "STR16", readUtf16],
  [T.LATIN1, "LATIN1", readCommonPrimitive],
  [T.SYMBOL_FOR, "SYMBOL_FOR", readRegisteredSymbol],
  [T.SYMBOL_WELL_KNOWN, "SYMBOL_WELL_KNOWN", readWellKnownSymbol],
  [T.SYMBOL_UNIQUE, "SYMBOL_UNIQUE", readUniqueSymbol],
  [T.REF, "REF", readRef],
  [T.OBJECT_NEW_SHAPE, "OBJECT_NEW_SHAPE", readNewShape],
  [T.OBJECT, "OBJECT", readShapedObject],
  [T.NULL_OBJECT_NEW_SHAPE, "NULL_OBJECT_NEW_SHAPE", readNewShape],
  [T.NULL_OBJECT, "NULL_OBJECT", readShapedObject],
  [T.OBJECT_WITH_PROTO, "OBJECT_WITH_PROTO", readObjectWithProto],
  [T.WITH_PROPS, "WITH_PROPS", readWithProps],
  [T.ARRAY, "ARRAY", readArray],
  [T.SPARSE_ARRAY, "SPARSE_ARRAY", readSparseArray],
  [T.MAP, "MAP", readMap],
  [T.SET, "SET", readSet],
  [T.DATE, "DATE", readDate],
  [T.REGEXP, "REGEXP", readRegExp],
  [T.BOXED, "BOXED", readBoxed],
  [T.ERROR, "ERROR", readError],
  [T.ARRAY_BUFFER, "ARRAY_BUFFER", readArrayBuffer],
  [T.SHARED_ARRAY_BUFFER, "SHARED_ARRAY_BUFFER", readArrayBuffer],
  [T.OOB_BUFFER, "OOB_BUFFER", readOobBuffer],
  [T.VIEW, "VIEW", readView],
  [T.URL_TAG, "URL", readUrl],
  [T.URL_SEARCH_PARAMS, "URL_SEARCH_PARAMS", readUrlSearchParams],
  [T.BLOB, "BLOB", readBlob],
  [T.FILE, "FILE", readBlob],
  [T.PROMISE, "PROMISE", readPromise],
  [T.REDUCE, "REDUCE", readReduce],
  [T.GLOBAL, "GLOBAL", readGlobal],
  [T.MODULE, "MODULE", readModule],
  [T.EXPORT, "EXPORT", readExport],
  [T.FUNCTION, "FUNCTION", readFunction],
  [T.FUNCTION_CACHED, "FUNCTION_CACHED", readFunction],
  [T.SCOPE, "SCOPE", readScope],
  [T.PROTOTYPES, "PROTOTYPES", readPrototypes],
  [T.PROTOTYPE_OF, "PROTOTYPE_OF", readPrototypeOf],
  [T.INSTANCE, "INSTANCE", readInstance],
  [T.SET_PROTO, "SET_PROTO", readSetProto],
  [T.INSTANCE_NEW_SHAPE, "INSTANCE_NEW_SHAPE", readInstanceNewShape],
  [T.INSTANCE_SHAPED, "INSTANCE_SHAPED", readInstanceShaped],
  [T.WEAK_COLLECTION, "WEAK_COLLECTION", readWeak],
];

/** The read function of each tag byte (reserved bytes: a failure). */
export const READ: ReadFn[] = [];
/** The name of each tag byte (undefined: reserved), as tags.ts documents it. */
export const TAG_NAMES: (string | undefined)[] = [];
for (let b = 0; b < 0x100; b++) {
  READ.push(b < T.UNDEFINED ? readCommonPrimitive : readUnknown);
  TAG_NAMES.push(
    b <= T.SMALL_INT_MAX ? "small int" : b < T.UNDEFINED ? "short string" : undefined,
  );
}
for (const [tag, name, read] of TAGS) {
  READ[tag] = read;
  TAG_NAMES[tag] = name;
}
// Read after the body's value only (lib/values/weak.ts); anywhere else a failure.
TAG_NAMES[T.WEAK_ENTRIES] = "WEAK_ENTRIES";

/** Frame kinds: what a frame fills. */
export const K_ROOT = 0;
/** Collects its children in `items` (definition values; a reduce call's operands). */
export const K_COLLECT = 1;
export const K_ARRAY = 2;
export const K_OBJECT = 3;
export const K_MAP = 4;
export const K_SET = 5;
export const K_SPARSE = 6;
export const K_PROPS = 7;
export const K_PROMISE = 8;
export const K_REDUCE = 9;
export const K_SCOPE = 10;
export const K_PRIVATE = 11;
/** The entries of weak collections, after the pickle's value. */
export const K_WEAK = 12;

/** What each frame kind does with a child value. */
export const DELIVER: readonly DeliverFn[] = [
  deliverRoot,
  deliverCollected,
  deliverArrayElement,
  deliverObjectValue,
  deliverMapItem,
  deliverSetElement,
  deliverSparseItem,
  deliverProperty,
  deliverSettlement,
  deliverCollected,
  deliverScopeValue,
  deliverPrivateField,
  deliverWeakEntry,
];

/**
 * How a frame that starts with count -1 reads its count: property lists and private fields
 * (no other kind starts so).
 */
export const BEGIN: readonly BeginFn[] = DELIVER.map((_, kind) =>
  kind === K_PRIVATE ? beginPrivateFields : beginProperties
);

/** How each frame kind makes its value when done (null: its value exists already). */
export const FINISH: readonly (FinishFn | null)[] = DELIVER.map((_, kind) =>
  kind === K_REDUCE ? construct : null
);
