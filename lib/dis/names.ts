/**
 * Tag names for the disassembler, built from the tag constants of `lib/format/tags.ts` (that
 * module exports the constants but no name table).
 *
 * @module
 */

import * as T from "../format/tags.ts";

/**
 * The exported names of `tags.ts` that are tags, in tag order. `URL_TAG` is shown as `URL`,
 * the name the format's table gives it.
 */
const TAG_CONSTANTS = [
  "UNDEFINED",
  "NULL",
  "FALSE",
  "TRUE",
  "INT_POS",
  "INT_NEG",
  "FLOAT64",
  "NAN",
  "NEG_ZERO",
  "BIGINT_POS",
  "BIGINT_NEG",
  "STR8",
  "STR32",
  "STR16",
  "SYMBOL_FOR",
  "SYMBOL_WELL_KNOWN",
  "SYMBOL_UNIQUE",
  "REF",
  "OBJECT_NEW_SHAPE",
  "OBJECT",
  "NULL_OBJECT_NEW_SHAPE",
  "NULL_OBJECT",
  "ARRAY",
  "SPARSE_ARRAY",
  "WITH_PROPS",
  "MAP",
  "SET",
  "DATE",
  "REGEXP",
  "ERROR",
  "ARRAY_BUFFER",
  "SHARED_ARRAY_BUFFER",
  "OOB_BUFFER",
  "VIEW",
  "BOXED",
  "URL_TAG",
  "URL_SEARCH_PARAMS",
  "BLOB",
  "FILE",
  "PROMISE",
  "GLOBAL",
  "REDUCE",
  "OBJECT_WITH_PROTO",
  "FUNCTION",
  "SCOPE",
  "PROTOTYPE_OF",
  "SET_PROTO",
  "INSTANCE",
  "MODULE",
  "EXPORT",
  "LATIN1",
  "PROTOTYPES",
  "INSTANCE_NEW_SHAPE",
  "INSTANCE_SHAPED",
  "FUNCTION_CACHED",
  "WEAK_COLLECTION",
  "WEAK_ENTRIES",
] as const;

/** Name of the small-int tags 0x00..0x3F. */
export const SMALL_INT_NAME = "SMALL_INT";
/** Name of the short-string tags 0x40..0x5F. */
export const SHORT_STRING_NAME = "SHORT_STRING";

const NAMES: (string | undefined)[] = new Array(256).fill(undefined);
for (let t = 0; t <= T.SMALL_INT_MAX; t++) NAMES[t] = SMALL_INT_NAME;
for (let t = T.SHORT_STRING; t <= T.SHORT_STRING + T.SHORT_STRING_MAX; t++) {
  NAMES[t] = SHORT_STRING_NAME;
}
for (const c of TAG_CONSTANTS) NAMES[T[c]] = c === "URL_TAG" ? "URL" : c;

/** The name of tag byte `tag`, or undefined for a reserved byte. */
export function tagName(tag: number): string | undefined {
  return NAMES[tag];
}

/** Every tag name the format defines, small int and short string included, in tag order. */
export const TAG_NAMES: readonly string[] = [
  SMALL_INT_NAME,
  SHORT_STRING_NAME,
  ...TAG_CONSTANTS.map((c) => c === "URL_TAG" ? "URL" : c),
];

/** Readable names of the header flags. */
export function flagNames(flags: number): string[] {
  const out: string[] = [];
  if (flags & T.FLAG_CODE) out.push("code");
  if (flags & T.FLAG_OOB) out.push("out-of-band");
  if (flags & T.FLAG_SIGNED) out.push("signed");
  if (flags & T.FLAG_MODULES) out.push("modules");
  if (flags & T.FLAG_STRUCTURED) out.push("structured");
  if (flags & T.FLAG_CODE_CACHE) out.push("code-cache");
  const unknown = flags & ~T.KNOWN_FLAGS;
  if (unknown) out.push(`unknown 0x${unknown.toString(16)}`);
  return out;
}

/** Readable property flags of a property list (`wec`, `a` for an accessor). */
export function propFlags(v: number): string {
  if (v & T.PROP_ACCESSOR) {
    return "accessor" + (v & T.PROP_ENUMERABLE ? " enumerable" : "") +
      (v & T.PROP_CONFIGURABLE ? " configurable" : "");
  }
  const parts = [];
  if (v & T.PROP_WRITABLE) parts.push("writable");
  if (v & T.PROP_ENUMERABLE) parts.push("enumerable");
  if (v & T.PROP_CONFIGURABLE) parts.push("configurable");
  return parts.length === 0 ? "read-only hidden fixed" : parts.join(" ");
}

/** Integrity levels closing a property list, by value. */
export const INTEGRITY_NAMES: readonly string[] = [
  "extensible",
  "non-extensible",
  "sealed",
  "frozen",
];

/** FUNCTION form byte names. */
export const FORM_NAMES: readonly string[] = [
  "function",
  "arrow",
  "method",
  "class",
  "sloppy function",
];
/** FUNCTION member byte names. */
export const MEMBER_NAMES: readonly string[] = ["method", "get", "set"];
/** BOXED kind names. */
export const BOXED_NAMES: readonly string[] = ["Number", "String", "Boolean", "BigInt", "Symbol"];
/** WEAK_COLLECTION kind byte names. */
export const WEAK_NAMES: readonly string[] = ["WeakMap", "WeakSet"];
