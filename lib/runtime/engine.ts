/**
 * Which JavaScript engine runs the library, for choices that only affect speed (never
 * results): V8 (Deno, Node) and JavaScriptCore (Bun) favour different ways of building
 * short strings. Detected from `process.versions`, which names the engine.
 *
 * @module
 */

const versions = (globalThis as { process?: { versions?: Record<string, string | undefined> } })
  .process?.versions;

/** True on JavaScriptCore (Bun), whose `process.versions` carries `webkit`. */
export const IS_JSC: boolean = versions?.webkit !== undefined && versions?.v8 === undefined;

/**
 * Longest ASCII string built by appending one `String.fromCharCode(b)` at a time: JSC makes
 * single-argument calls cheap and spread/apply calls slow; V8 is the other way round.
 */
export const CONCAT_MAX: number = IS_JSC ? 16 : 4;

/** Longest ASCII string built with `String.fromCharCode.apply` before the native decoder. */
export const APPLY_MAX: number = IS_JSC ? 16 : 24;
