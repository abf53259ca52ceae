/**
 * Which built-in family an object really is, by its internal slots rather than its prototype:
 * `Object.create(Map.prototype)` is no Map, and `Object.setPrototypeOf([1, 2], proto)` is
 * still an array. Asked only for objects whose prototype chain does not name their family
 * (instances of classes, objects made with `Object.create`), never in the plain walk.
 *
 * @module
 */

import { types } from "node:util";
import { VIEW_TYPES } from "../format/tags.ts";
import { isBranded } from "./inspect.ts";
import * as K from "./kinds.ts";
import { isDOMException } from "./errors.ts";
import { BLOB_PROTO, FileClass, URLClass, URLSearchParamsClass } from "./intrinsics.ts";
import { IS_JSC } from "../host.ts";

/** Brand of an array (arrays have no entry in KIND_BY_PROTO: the walk writes them itself). */
export const B_ARRAY = -1;
/** No brand: an ordinary object. */
export const B_NONE = 0;

const isArray = Array.isArray;
const isView = ArrayBuffer.isView;
const getPrototypeOf = Object.getPrototypeOf;
const objectToString = Object.prototype.toString;
const {
  isAnyArrayBuffer,
  isArrayBuffer,
  isBoxedPrimitive,
  isGeneratorObject,
  isMap,
  isModuleNamespaceObject,
  isPromise,
  isSet,
  isWeakMap,
  isWeakSet,
} = types;

/** %TypedArray%.prototype[@@toStringTag]: the constructor name of a typed array, whatever its prototype. */
const typedArrayName = Object.getOwnPropertyDescriptor(
  Object.getPrototypeOf(Uint8Array.prototype),
  Symbol.toStringTag,
)!.get as (this: unknown) => string | undefined;

/** The name of the typed array `v` really is, or undefined for any other object. */
export function typedArrayNameOf(v: object): string | undefined {
  return typedArrayName.call(v);
}

/** Kind → the intrinsic prototype of that family (for brands found off their chain). */
const PROTO_BY_KIND = new Map<number, object>();
for (const [proto, kind] of K.KIND_BY_PROTO) {
  if (kind !== K.K_REFUSED && !PROTO_BY_KIND.has(kind)) PROTO_BY_KIND.set(kind, proto);
}
// Node's Buffer shares Uint8Array's brand: a reparented Buffer is written as a Uint8Array.
const VIEW_KIND_BY_NAME = new Map<string, number>();
VIEW_TYPES.forEach((name, i) => {
  if (name !== "Buffer" && name !== "DataView") VIEW_KIND_BY_NAME.set(name, K.K_VIEW + i);
});

/** The intrinsic prototype of family `kind`. */
export function protoOfKind(kind: number): object {
  return PROTO_BY_KIND.get(kind)!;
}

/**
 * The family of `o` by its internal slots: {@linkcode B_ARRAY}, a kind of kinds.ts, or
 * {@linkcode B_NONE}. Errors answer K_ERROR (all error types share one brand: only their
 * prototype tells a TypeError from a RangeError).
 */
export function brandOf(o: object): number {
  if (isArray(o)) return B_ARRAY;
  if (isView(o)) {
    if (types.isDataView(o)) return K.K_VIEW + VIEW_TYPES.indexOf("DataView");
    return VIEW_KIND_BY_NAME.get(typedArrayName.call(o) ?? "") ?? B_NONE;
  }
  if (types.isBoxedPrimitive(o)) {
    if (types.isNumberObject(o)) return K.K_BOXED_NUMBER;
    if (types.isStringObject(o)) return K.K_BOXED_STRING;
    if (types.isBooleanObject(o)) return K.K_BOXED_BOOLEAN;
    if (types.isBigIntObject(o)) return K.K_BOXED_BIGINT;
    return K.K_BOXED_SYMBOL;
  }
  if (types.isMap(o)) return K.K_MAP;
  if (types.isSet(o)) return K.K_SET;
  if (types.isDate(o)) return K.K_DATE;
  if (types.isRegExp(o)) return K.K_REGEXP;
  if (types.isNativeError(o)) return K.K_ERROR;
  // (One question for both kinds of buffer: on Deno every one is a call into the runtime.)
  if (isAnyArrayBuffer(o)) {
    return isArrayBuffer(o) ? K.K_ARRAY_BUFFER : K.K_SHARED_ARRAY_BUFFER;
  }
  if (types.isPromise(o)) return K.K_PROMISE;
  if (types.isWeakMap(o)) return K.K_WEAK_MAP;
  if (types.isWeakSet(o)) return K.K_WEAK_SET;
  return B_NONE;
}

/**
 * True when `o`, an object that is no Proxy, is an ordinary object: none of the families of
 * {@linkcode brandOf}, no generator, no weak collection, no module namespace. Only for an
 * object without a `Symbol.toStringTag` of its own or on its prototype chain (and no Proxy on
 * that chain), for which on V8 `Object.prototype.toString` answers for dates, regular
 * expressions, errors, arguments and three kinds of boxed primitives at once: each `node:util`
 * brand check is a call into the runtime on Deno (20-30 ns), while that one is V8's own
 * (about 10 ns). JavaScriptCore's brand checks are its own: Bun asks them all.
 */
export const isOrdinary: (o: object) => boolean = IS_JSC
  ? (o) =>
    // (brandOf answers for weak collections.)
    brandOf(o) === B_NONE && !isGeneratorObject(o) &&
    // Bun's module namespaces have a prototype; V8's never do (and never reach here).
    !isModuleNamespaceObject(o)
  : (o) =>
    !isArray(o) && !isView(o) && objectToString.call(o) === "[object Object]" &&
    // What Object.prototype.toString does not tell: the other families, BigInt and Symbol
    // objects among the boxed primitives.
    !isBoxedPrimitive(o) && !isMap(o) && !isSet(o) && !isAnyArrayBuffer(o) && !isPromise(o) &&
    !isGeneratorObject(o) && !isWeakMap(o) && !isWeakSet(o);

/**
 * URL, URLSearchParams, Blob and File: branded when their own getters accept `o`. Slower than
 * {@linkcode brandOf} (a getter that throws for every other object): asked only of objects
 * whose chain reaches a built-in prototype.
 */
export function hostBrandOf(o: object): number {
  // (Bun's DOMException is no native error, yet its state is in internal slots.)
  if (isDOMException(o)) return K.K_ERROR;
  const url = URLClass?.prototype;
  if (url !== undefined && isBranded(o, url, "href")) return K.K_URL;
  const params = URLSearchParamsClass?.prototype;
  if (params !== undefined && isBranded(o, params, "size")) return K.K_URL_SEARCH_PARAMS;
  const blob = BLOB_PROTO;
  if (blob !== undefined && isBranded(o, blob, "size")) {
    const file = FileClass?.prototype;
    const d = file === undefined ? undefined : Object.getOwnPropertyDescriptor(file, "name");
    try {
      if (typeof d?.get?.call(o) === "string") return K.K_FILE;
    } catch {
      // Not a File.
    }
    return K.K_BLOB;
  }
  return B_NONE;
}

/** True when an object of brand `brand` is rebuilt by the family of prototype kind `kind`. */
export function brandFits(brand: number, kind: number | undefined): boolean {
  if (kind === undefined) return false;
  if (brand === K.K_ERROR) return kind >= K.K_ERROR && kind < K.K_VIEW;
  if (brand === K.K_BLOB || brand === K.K_FILE) return kind === K.K_BLOB || kind === K.K_FILE;
  // Node's Buffer is a Uint8Array.
  if (kind === K.K_VIEW + VIEW_TYPES.indexOf("Buffer")) {
    return brand === K.K_VIEW + VIEW_TYPES.indexOf("Uint8Array");
  }
  return brand === kind;
}

// The state of built-ins read through the intrinsics, whatever the object's prototype says.
export const mapEntries = Map.prototype.entries;
export const setValues = Set.prototype.values;
export const dateTime = Date.prototype.getTime;
const REGEXP_PROTO = RegExp.prototype;
const regExpGetter = (name: string) =>
  Object.getOwnPropertyDescriptor(REGEXP_PROTO, name)?.get as
    | ((this: RegExp) => unknown)
    | undefined;
const sourceGetter = regExpGetter("source")!;
const flagsGetter = regExpGetter("flags")!;
/** Flag letters and their intrinsic getters, in the order `flags` lists them. */
const FLAG_GETTERS = ([
  ["d", "hasIndices"],
  ["g", "global"],
  ["i", "ignoreCase"],
  ["m", "multiline"],
  ["s", "dotAll"],
  ["u", "unicode"],
  ["v", "unicodeSets"],
  ["y", "sticky"],
] as const).map(([letter, name]) => [letter, regExpGetter(name)] as const)
  .filter(([, get]) => get !== undefined);

/**
 * A RegExp's source, by its internal slots: an own or inherited `source` property is only a
 * property (it travels as one), not the pattern.
 */
export function regExpSource(re: RegExp): string {
  return sourceGetter.call(re) as string;
}

/**
 * A RegExp's flags, by its internal slots. The intrinsic `flags` getter reads `global`,
 * `ignoreCase`… through the object, so it answers for the slots only when nothing shadows
 * them: `bare` says `re` has no own property but `lastIndex`, and then its prototype must be
 * RegExp.prototype. Otherwise each flag's intrinsic getter is asked.
 */
export function regExpFlags(re: RegExp, bare: boolean): string {
  if (bare && getPrototypeOf(re) === REGEXP_PROTO) return flagsGetter.call(re) as string;
  let out = "";
  for (const [letter, get] of FLAG_GETTERS) if (get!.call(re)) out += letter;
  return out;
}
