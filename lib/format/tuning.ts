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
