/**
 * Which JavaScript engine runs the library, for choices that only affect speed (never
 * results): V8 (Deno, Node) and JavaScriptCore (Bun) favour different ways of building
 * short strings and of allocating large buffers. The engine is named by `lib/host.ts`.
 *
 * @module
 */

import { IS_JSC } from "../host.ts";

/**
 * Longest Latin-1 string built with `String.fromCharCode.apply` over a reused array: V8 makes
 * that cheap; JavaScriptCore makes apply calls slow, so there it is not used at all.
 */
export const APPLY_MAX: number = IS_JSC ? 0 : 64;

/**
 * Longest Latin-1 string cut out of a decoded window of the pickle (`substring` of one string
 * decoded per chunk of bytes) instead of being decoded on its own: the fastest way on
 * JavaScriptCore for every length, and on V8 for lengths past {@linkcode APPLY_MAX}, where a
 * native decoder call per string costs more than the string. Must stay under the chunk size.
 */
export const WINDOW_MAX = 1024;

/**
 * Whether a pickle of a megabyte or more takes the writer's buffer with it (and the writer
 * allocates a new one) rather than being copied out. On JavaScriptCore `Buffer.allocUnsafeSlow`
 * gives uninitialized memory, so handing over costs one allocation and no copy. On V8 (Deno)
 * that allocation is zero-filled, and copying out of the warm buffer through the typed-array
 * copy constructor, which does not fill, measured faster: 8 MB encoded in about 0.5 ms
 * instead of 0.75-1.2 ms.
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
