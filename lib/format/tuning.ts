/**
 * Which JavaScript engine runs the library, for choices that only affect speed (never
 * results): V8 (Deno, Node) and JavaScriptCore (Bun) favour different ways of building
 * short strings and of allocating large buffers. The engine is named by `lib/host.ts`.
 *
 * @module
 */

import { IS_JSC } from "../host.ts";

/**
 * Whether the host stores numbers low byte first (batches are made as UTF-16LE bytes, and
 * floats are read through a Float64Array).
 */
export const LITTLE_ENDIAN: boolean = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Longest Latin-1 string built with `String.fromCharCode.apply` over a reused array instead of
 * being cut out of a decoded window ({@linkcode WINDOW_MAX}): 0, not used. JavaScriptCore makes
 * apply calls slow, and on V8 the window is as fast once the short UTF-8 and UTF-16 strings
 * between Latin-1 ones no longer need a native call each ({@linkcode BATCH}).
 */
export const APPLY_MAX: number = 0;

/**
 * Longest Latin-1 string cut out of a decoded window of the pickle (`substring` of one string
 * decoded per chunk of bytes) instead of being decoded on its own: the fastest way on
 * JavaScriptCore for every length, and on V8 for lengths past {@linkcode APPLY_MAX}, where a
 * native decoder call per string costs more than the string. Must stay under the chunk size.
 */
export const WINDOW_MAX = 1024;

/**
 * Whether a pickle of a megabyte or more that grew out of small writes takes the writer's
 * buffer with it (and the writer allocates a new one) rather than being copied out. On
 * JavaScriptCore `Buffer.allocUnsafeSlow` gives uninitialized memory, so handing over costs one
 * allocation and no copy. On V8 (Deno) that allocation is zero-filled, and copying out of the
 * warm buffer through the typed-array copy constructor, which does not fill, measured faster.
 * (A single raw write of a megabyte or more is handed over on both engines: see
 * `ByteWriter.bytes`.)
 */
export const HAND_OVER_LARGE: boolean = IS_JSC;

/**
 * Longest UTF-8 string (in bytes) decoded by a loop in JavaScript and one
 * `String.fromCharCode.apply`: on V8 that beats a native decoder call for short strings
 * (whose fixed cost dominates); JavaScriptCore's apply calls are slow, so there it is not used.
 */
export const UTF8_JS_MAX: number = IS_JSC ? 0 : 64;

/**
 * The native UTF-8 decoder of strings past {@linkcode UTF8_JS_MAX}: `"decoder"`, a lenient
 * `TextDecoder`, from {@linkcode UTF8_DECODER_MIN} bytes, or `"buffer"`, Node's
 * `Buffer.toString`. On Deno the lenient TextDecoder decodes long text about three times as
 * fast as Buffer (whose UTF-8 path goes through a slower op), but costs more per call.
 */
export const UTF8_NATIVE: "decoder" | "buffer" = IS_JSC ? "buffer" : "decoder";

/** Shortest UTF-8 string (in bytes) given to the TextDecoder when that is the native decoder. */
export const UTF8_DECODER_MIN = 256;

/**
 * Whether short UTF-8 and UTF-16 strings are decoded ahead in batches, each batch one native
 * decoder call, and cut out of it (`ByteReader.batched`), instead of one native call (or one
 * `String.fromCharCode.apply`) per string. On V8 (Deno) a native call per short string
 * costs 150-400 ns, and batches made the strings payload of the speed targets decode 1.4-1.6
 * times as fast; on JavaScriptCore, whose Buffer decodes a short string in about 140 ns and
 * runs the decoding loop slower, they made it 1.1 times slower.
 */
export const BATCH: boolean = !IS_JSC && LITTLE_ENDIAN;

/** Longest string (UTF-8 bytes, or UTF-16 units) taken from a batch. */
export const BATCH_MAX = 255;
