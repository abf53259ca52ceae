/**
 * The pickle format, in one place.
 *
 * ## Header
 *
 * | bytes   | meaning                                                                   |
 * | ------- | ------------------------------------------------------------------------- |
 * | 0..3    | magic `"JSPK"` (`4A 53 50 4B`)                                            |
 * | 4       | format version ({@linkcode FORMAT_VERSION})                               |
 * | 5       | flags: {@linkcode FLAG_CODE}, {@linkcode FLAG_OOB}, {@linkcode FLAG_SIGNED}, {@linkcode FLAG_MODULES}, {@linkcode FLAG_STRUCTURED}, {@linkcode FLAG_CODE_CACHE} |
 * | 6..     | varint: number of bytes after the header (body, then the MAC if signed)   |
 *
 * The body is exactly one value. With {@linkcode FLAG_MODULES}, the module table comes first:
 * varint n, then n × str, the portable names of the modules the value refers to (see
 * `lib/runtime/modules/names.ts`), so that a loader can import them all before building anything.
 * With {@linkcode FLAG_CODE_CACHE} (a pickle made with a `CodeCache`), the code table follows
 * (after the module table, if any): varint n, then n entries, each a u8 kind, 32 bytes of
 * SHA-256, and for kind 0 ({@linkcode CODE_DEFINED}) the definition those 32 bytes hash:
 * u8 form, u8 member, str source (as FUNCTION writes them); kind 1 ({@linkcode CODE_CACHED})
 * is a definition the loading side's cache holds from an earlier pickle of the channel.
 * See `lib/pickle/code_cache.ts`. A pickle made without a cache never sets this flag.
 * A signed pickle ends with a 32-byte HMAC-SHA-256 computed
 * over every byte before it (header included).
 *
 * ## Encodings used below
 *
 * - `varint`: unsigned LEB128, at most 8 bytes (up to 2^53 - 1).
 * - `value`: one complete tagged value (recursively).
 * - `str`: a value that must be a string (any string tag).
 * - `[memo]`: the value gets the next memo id when its tag is read, before its children,
 *   so children and later values can point back to it with {@linkcode REF}.
 *
 * ## Tags
 *
 * | tag         | name               | operands                                                       |
 * | ----------- | ------------------ | -------------------------------------------------------------- |
 * | 0x00..0x3F  | small int          | the integer 0..63 is the tag itself                            |
 * | 0x40..0x5F  | short string       | Latin-1: one byte per code unit (U+0000..U+00FF), length = tag - 0x40 (0..31) |
 * | 0x60        | UNDEFINED          |                                                                |
 * | 0x61        | NULL               |                                                                |
 * | 0x62        | FALSE              |                                                                |
 * | 0x63        | TRUE               |                                                                |
 * | 0x64        | INT_POS            | varint n (safe integer >= 64)                                  |
 * | 0x65        | INT_NEG            | varint m; the value is -m (m >= 1)                             |
 * | 0x66        | FLOAT64            | 8 bytes, IEEE 754 little endian (never NaN)                    |
 * | 0x67        | NAN                |                                                                |
 * | 0x68        | NEG_ZERO           |                                                                |
 * | 0x69        | BIGINT_POS         | varint byte count, magnitude bytes little endian               |
 * | 0x6A        | BIGINT_NEG         | as BIGINT_POS; the value is the negated magnitude              |
 * | 0x6B        | STR8               | u8 byte length, UTF-8 bytes (a string with a unit past U+00FF) |
 * | 0x6C        | STR32              | u32 LE byte length, UTF-8 bytes                                |
 * | 0x6D        | STR16              | varint unit count, UTF-16LE code units (lone surrogates kept)  |
 * | 0x6E        | SYMBOL_FOR         | str key: `Symbol.for(key)`                                     |
 * | 0x6F        | SYMBOL_WELL_KNOWN  | str name: `Symbol[name]`                                       |
 * | 0x70        | SYMBOL_UNIQUE      | u8 flags (1 description, 2 id), [str description] [str id] [memo] |
 * | 0x71        | REF                | varint memo id                                                 |
 * | 0x72        | OBJECT_NEW_SHAPE   | varint n, n × str key, n × value [memo]; defines the next shape |
 * | 0x73        | OBJECT             | varint shape id, values in the shape's key order [memo]        |
 * | 0x74        | NULL_OBJECT_NEW_SHAPE | as OBJECT_NEW_SHAPE, prototype null [memo]                  |
 * | 0x75        | NULL_OBJECT        | as OBJECT, prototype null [memo]                               |
 * | 0x76        | ARRAY              | varint length, length × value [memo]                           |
 * | 0x77        | SPARSE_ARRAY       | varint length, varint count, count × (value index, value) [memo] |
 * | 0x78        | WITH_PROPS         | value (an object tag, not WITH_PROPS), then a property list    |
 * | 0x79        | MAP                | varint count, count × (value key, value value) [memo]          |
 * | 0x7A        | SET                | varint count, count × value [memo]                             |
 * | 0x7B        | DATE               | 8 bytes float64 time (canonical NaN when invalid) [memo]       |
 * | 0x7C        | REGEXP             | str source, str flags, varint lastIndex [memo]                 |
 * | 0x7D        | ERROR              | u8 constructor (see ERROR_TYPES), then a property list [memo]; constructor DOMException: str message, str name before the list; constructor \| ERROR_HOST (an error of a class the runtime defines, e.g. `Deno.errors.NotFound`): str path of that class from globalThis ("" when it cannot be rebuilt) before the list, and loaded as the standard constructor where the path is missing |
 * | 0x7E        | ARRAY_BUFFER       | u8 flags (1 resizable, 2 detached), [varint max], varint length, bytes [memo] |
 * | 0x7F        | SHARED_ARRAY_BUFFER | u8 flags (1 growable), [varint max], varint length, bytes [memo] |
 * | 0x80        | OOB_BUFFER         | varint index into `LoadOptions.buffers` [memo]                 |
 * | 0x81        | VIEW               | u8 kind (see VIEW_TYPES), u8 flags (1 length-tracking), value buffer, varint byteOffset, [varint length] [memo] |
 * | 0x82        | BOXED              | u8 kind (0 Number, 1 String, 2 Boolean, 3 BigInt, 4 Symbol), value [memo] |
 * | 0x83        | URL                | str href [memo]                                                |
 * | 0x84        | URL_SEARCH_PARAMS  | str query [memo]                                               |
 * | 0x85        | BLOB               | str type, varint size, bytes [memo]                            |
 * | 0x86        | FILE               | str name, str type, value lastModified, varint size, bytes [memo] |
 * | 0x87        | PROMISE            | u8 state (0 fulfilled, 1 rejected), value (never a promise when fulfilled) [memo] |
 * | 0x88        | GLOBAL             | str path from globalThis, e.g. `Math.max` [memo] (code)        |
 * | 0x89        | REDUCE             | u8 flags (1 construct with new), value callable, value args (array), value state [memo] (code) |
 * | 0x8A        | OBJECT_WITH_PROTO  | value prototype (an object or null), then a property list [memo] |
 * | 0x8B        | FUNCTION           | u8 form (0 function, 1 arrow, 2 method, 3 class, 4 function of sloppy-mode code: evaluated in sloppy mode again), u8 member (0 method, 1 get, 2 set), str source, [class: str tracker id], value scope (SCOPE, REF or NULL), [class: varint n, n × str name, n × (u8 mode, value): the captured values its definition reads, before the class is evaluated; mode 1 ({@linkcode DEFINITION_WHOLE}): the value and everything it holds, complete; mode 0 ({@linkcode DEFINITION_EXISTS}, functions): the value, its own contents following later], then the property list of the function, then that of its `prototype` object [memo] (code) |
 * | 0x8C        | SCOPE              | varint n, n × str name, value parent (SCOPE, REF or NULL), n × value [memo] (code); names are variables, or all paths from globalThis (`globalThis.helper`, `Array.prototype.last`, `:e`/`:w`/`:` after one not both enumerable and writable) where the values are installed (lib/code/global_members.ts); a variable name followed by `!` is a variable in its temporal dead zone (declared, never initialized: reading it throws), whose value is written as UNDEFINED and not set |
 * | 0x8D        | PROTOTYPE_OF       | value function: its `prototype` object [memo]                  |
 * | 0x8E        | SET_PROTO          | value prototype, value object: the object with that prototype (instances of subclasses of built-ins) |
 * | 0x8F        | INSTANCE           | value prototype, a property list, varint n, n × (str name, value) private fields [memo]: an instance of a class with private members |
 *
 * A property list is: varint count, then per property: value key (string or symbol), small
 * int flags (1 writable, 2 enumerable, 4 configurable, 8 accessor), then the value, or for
 * an accessor the getter and the setter; and at the end a small int integrity level
 * (0 extensible, 1 non-extensible, 2 sealed, 3 frozen).
 *
 * | 0x90        | MODULE             | varint index into the module table: that module's namespace [memo] (code) |
 * | 0x91        | EXPORT             | varint index into the module table, varint n, n × str: the property path of a function or class from that module's namespace, e.g. `Model`, `fromJSON` [memo] (code) |
 * | 0x92        | LATIN1             | varint length, Latin-1 bytes: one per code unit (U+0000..U+00FF) |
 * | 0x93        | PROTOTYPES         | u8 flags (1 own, 2 of prototype), [value: the function's [[Prototype]]], [value: the [[Prototype]] of its `prototype` object], then a FUNCTION tag: that function, with those prototypes (code) |
 * | 0x94        | INSTANCE_NEW_SHAPE | varint n, n × str key, value prototype (an object), n × value [memo]: an object with that prototype whose own properties are n default data properties (writable, enumerable, configurable), in that order; defines the next instance shape (the prototype and the keys) |
 * | 0x95        | INSTANCE_SHAPED    | varint instance shape id, values in the shape's key order [memo]: an object of an instance shape defined before |
 * | 0x96        | FUNCTION_CACHED    | u8 form, u8 member (as its entry's), varint index into the code table: the entry's source; then as FUNCTION after its source [memo] (code) |
 *
 * | 0x97        | WEAK_COLLECTION    | u8 kind (0 WeakMap, 1 WeakSet), str id [memo]: the collection known by that id where the pickle is loaded with code allowed (lib/values/weak_identity.ts), else an empty one; its entries follow the body's value (WEAK_ENTRIES) |
 * | 0x98        | WEAK_ENTRIES       | only after the body's value (or another WEAK_ENTRIES): varint n, n × (value collection, value key, value value): entries of WEAK_COLLECTIONs of this pickle; a WeakSet's value is UNDEFINED |
 *
 * Tags 0x99..0xFF are reserved.
 *
 * A weak collection's entries cannot be listed, only asked for: the writer asks each weak
 * collection it met about every object (and unique symbol) the pickle holds, once the value is
 * written, and writes the entries it finds after it (their values may hold more objects and
 * more weak collections: it asks again until nothing new is found). So a weak collection loads
 * with the entries whose keys travel with it, which are all the entries the loaded code can
 * reach. Both tags are new without a version change: a reader that predates them refuses them
 * as unknown, and pickles without a weak collection are written byte for byte as before.
 *
 * INSTANCE_NEW_SHAPE and INSTANCE_SHAPED carry the common class instance: no private
 * members, no built-in state, and own properties that are all default data properties with
 * string keys on an extensible object (anything else takes OBJECT_WITH_PROTO, INSTANCE or
 * SET_PROTO). Instance shapes are numbered from 0 in each pickle, apart from object shapes.
 * The loader defines the properties (as a property list does), never assigns them, so no
 * setter or read-only property of the prototype chain is involved.
 *
 * PROTOTYPES is written only for a function by value whose [[Prototype]] (flag 1), or that of
 * its own `prototype` object (flag 2), is not what evaluating its source again gives:
 * `Object.setPrototypeOf(fn, p)`, `util.inherits(Child, Parent)`, a class re-parented after its
 * definition. Ordinary functions (Function.prototype, the async and generator intrinsics) and
 * classes (their `extends` value) are written as before, byte for byte. A reader that predates
 * the tag refuses it as unknown, so the format version did not change. The prototypes are
 * applied after the function is built, except to a class that the loading process defined
 * itself (it is returned as it is).
 *
 * A captured variable in its temporal dead zone (SCOPE, name followed by `!`) is likewise new
 * without a version change: a reader that predates it refuses the name, and pickles without
 * one are written byte for byte as before.
 *
 * Strings: a string whose code units are all U+00FF or below is written as Latin-1 (short
 * string, LATIN1), so that loading it is a byte-to-unit copy with nothing to validate; other
 * well-formed strings as UTF-8 (STR8, STR32) unless UTF-16 is no larger (two or more UTF-8
 * bytes per code unit: most non-Latin text), then as UTF-16 (STR16), as are strings with lone
 * surrogates. Long strings are only written as LATIN1 when they are ASCII.
 *
 * Version 4 (from 3): instance shapes (INSTANCE_NEW_SHAPE, INSTANCE_SHAPED), the code table
 * and FUNCTION_CACHED ({@linkcode FLAG_CODE_CACHE}), {@linkcode FLAG_STRUCTURED}, UTF-16 for
 * text that is smaller so, and a function's `name` and `length` left out of its property
 * list where evaluating its source gives them.
 *
 * @module
 */

/** The format version this library writes and reads. */
export const FORMAT_VERSION = 5;

/** Mode of a class definition value (FUNCTION): a function, whose contents may come later. */
export const DEFINITION_EXISTS = 0;
/** Mode of a class definition value (FUNCTION): data, complete before the class is evaluated. */
export const DEFINITION_WHOLE = 1;

/** The four magic bytes that open every pickle: "JSPK". */
export const MAGIC: readonly number[] = [0x4a, 0x53, 0x50, 0x4b];
/** Header flag: the pickle contains code (functions, classes, module imports, reduce calls). */
export const FLAG_CODE = 1;
/** Header flag: the pickle refers to out-of-band buffers. */
export const FLAG_OOB = 2;
/** Header flag: the pickle ends with an HMAC-SHA-256 over everything before it. */
export const FLAG_SIGNED = 4;
/** Header flag: the body opens with the module table (code by reference). */
export const FLAG_MODULES = 8;
/**
 * Header flag: dumped with `fidelity: "structured"` (plain objects and arrays written as their
 * enumerable string-keyed data). Informative: loading reads such a pickle as any other.
 */
export const FLAG_STRUCTURED = 16;

/** Header flag: the body opens with the code table (definitions by hash; see CodeCache). */
export const FLAG_CODE_CACHE = 32;
/** Every flag this version knows. */
export const KNOWN_FLAGS = FLAG_CODE | FLAG_OOB | FLAG_SIGNED | FLAG_MODULES | FLAG_STRUCTURED |
  FLAG_CODE_CACHE;
/** Code table entry kind: the definition follows its hash. */
export const CODE_DEFINED = 0;
/** Code table entry kind: the loading side's code cache holds the definition. */
export const CODE_CACHED = 1;
/** Bytes of a definition's hash (SHA-256). */
export const CODE_HASH_BYTES = 32;
/** Bytes of the MAC trailer of a signed pickle. */
export const MAC_BYTES = 32;
/** Longest possible header: magic, version, flags, an 8-byte varint. */
export const HEADER_MAX = 14;

export const SMALL_INT_MAX = 0x3f;
export const SHORT_STRING = 0x40;
export const SHORT_STRING_MAX = 31;
export const UNDEFINED = 0x60;
export const NULL = 0x61;
export const FALSE = 0x62;
export const TRUE = 0x63;
export const INT_POS = 0x64;
export const INT_NEG = 0x65;
export const FLOAT64 = 0x66;
export const NAN = 0x67;
export const NEG_ZERO = 0x68;
export const BIGINT_POS = 0x69;
export const BIGINT_NEG = 0x6a;
export const STR8 = 0x6b;
export const STR32 = 0x6c;
export const STR16 = 0x6d;
export const SYMBOL_FOR = 0x6e;
export const SYMBOL_WELL_KNOWN = 0x6f;
export const SYMBOL_UNIQUE = 0x70;
/** SYMBOL_UNIQUE flags: a description follows. */
export const SYMBOL_HAS_DESCRIPTION = 1;
/** SYMBOL_UNIQUE flags: the symbol's identity id follows (see symbol_identity.ts). */
export const SYMBOL_HAS_ID = 2;
export const REF = 0x71;
export const OBJECT_NEW_SHAPE = 0x72;
export const OBJECT = 0x73;
export const NULL_OBJECT_NEW_SHAPE = 0x74;
export const NULL_OBJECT = 0x75;
export const ARRAY = 0x76;
export const SPARSE_ARRAY = 0x77;
export const WITH_PROPS = 0x78;
export const MAP = 0x79;
export const SET = 0x7a;
export const DATE = 0x7b;
export const REGEXP = 0x7c;
export const ERROR = 0x7d;
export const ARRAY_BUFFER = 0x7e;
export const SHARED_ARRAY_BUFFER = 0x7f;
export const OOB_BUFFER = 0x80;
export const VIEW = 0x81;
export const BOXED = 0x82;
export const URL_TAG = 0x83;
export const URL_SEARCH_PARAMS = 0x84;
export const BLOB = 0x85;
export const FILE = 0x86;
export const PROMISE = 0x87;
export const GLOBAL = 0x88;
export const REDUCE = 0x89;
export const OBJECT_WITH_PROTO = 0x8a;
export const FUNCTION = 0x8b;
export const SCOPE = 0x8c;
export const PROTOTYPE_OF = 0x8d;
export const SET_PROTO = 0x8e;
export const INSTANCE = 0x8f;
export const MODULE = 0x90;
export const EXPORT = 0x91;
export const LATIN1 = 0x92;
export const PROTOTYPES = 0x93;
export const INSTANCE_NEW_SHAPE = 0x94;
export const INSTANCE_SHAPED = 0x95;
export const FUNCTION_CACHED = 0x96;
export const WEAK_COLLECTION = 0x97;
export const WEAK_ENTRIES = 0x98;
/** WEAK_COLLECTION kinds. */
export const WEAK_MAP = 0;
export const WEAK_SET = 1;

/** PROTOTYPES flags: which prototypes follow. */
export const PROTOTYPES_OWN = 1;
export const PROTOTYPES_OF_PROTOTYPE = 2;

/** Property-list flag bits. */
export const PROP_WRITABLE = 1;
export const PROP_ENUMERABLE = 2;
export const PROP_CONFIGURABLE = 4;
export const PROP_ACCESSOR = 8;
/** Default data property: writable, enumerable, configurable. */
export const PROP_DEFAULT = 7;

/** Integrity levels closing a property list. */
export const INTEGRITY_EXTENSIBLE = 0;
export const INTEGRITY_NON_EXTENSIBLE = 1;
export const INTEGRITY_SEALED = 2;
export const INTEGRITY_FROZEN = 3;

/** ArrayBuffer flags. */
export const BUFFER_RESIZABLE = 1;
export const BUFFER_DETACHED = 2;
/** View flags. */
export const VIEW_LENGTH_TRACKING = 1;
/**
 * ERROR constructor-byte flag: the error is of a class the runtime defines, whose path from
 * globalThis follows; the byte's other bits name the nearest standard constructor.
 */
export const ERROR_HOST = 0x80;
/** ERROR constructor byte of DOMException. */
export const ERROR_DOM_EXCEPTION = 9;
/** REDUCE flags. */
export const REDUCE_CONSTRUCT = 1;

/** Boxed primitive kinds. */
export const BOXED_NUMBER = 0;
export const BOXED_STRING = 1;
export const BOXED_BOOLEAN = 2;
export const BOXED_BIGINT = 3;
export const BOXED_SYMBOL = 4;

/** Names of the built-in error constructors, indexed by the ERROR tag's constructor byte. */
export const ERROR_TYPES: readonly string[] = [
  "Error",
  "TypeError",
  "RangeError",
  "SyntaxError",
  "ReferenceError",
  "EvalError",
  "URIError",
  "AggregateError",
  "SuppressedError",
  "DOMException",
];

/**
 * Names of the view constructors, indexed by the VIEW tag's kind byte. `DataView` and
 * `Buffer` (Node's Uint8Array subclass) are views too.
 */
export const VIEW_TYPES: readonly string[] = [
  "Int8Array",
  "Uint8Array",
  "Uint8ClampedArray",
  "Int16Array",
  "Uint16Array",
  "Int32Array",
  "Uint32Array",
  "Float16Array",
  "Float32Array",
  "Float64Array",
  "BigInt64Array",
  "BigUint64Array",
  "DataView",
  "Buffer",
];
/** VIEW kind of DataView. */
export const VIEW_DATAVIEW = 12;
/** VIEW kind of Node's Buffer. */
export const VIEW_BUFFER = 13;
