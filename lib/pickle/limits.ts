/**
 * The resource limits of a load ({@linkcode LoadOptions.maxDepth},
 * {@linkcode LoadOptions.maxErrors}): their defaults and the checks of the values a caller
 * gives.
 *
 * @module
 */

import { PickleError } from "./errors.ts";

/**
 * Levels of nesting a load builds by default: five times what the format promises (20 000
 * levels round-trip), well within memory (a level costs a frame of about 150 bytes).
 */
export const DEFAULT_MAX_DEPTH = 100_000;

/** Errors a load may create by default, whatever the pickle's size... */
export const ERRORS_BASE = 10_000;
/** ...plus one per this many bytes of pickle (the smallest error the library writes, a
 * DOMException of Bun with no message, takes 11). */
export const ERROR_BYTES = 8;

/** A limit given in LoadOptions, checked: a positive integer or Infinity. */
function limit(name: string, v: unknown): number {
  if (typeof v === "number" && v >= 1 && (Number.isInteger(v) || v === Infinity)) return v;
  throw new PickleError(`LoadOptions.${name} must be a positive integer or Infinity`);
}

/** The depth limit of a load. */
export function maxDepthOf(v: number | undefined): number {
  return v === undefined ? DEFAULT_MAX_DEPTH : limit("maxDepth", v);
}

/** The error limit of a load of a pickle body of `bytes` bytes. */
export function maxErrorsOf(v: number | undefined, bytes: number): number {
  return v === undefined ? ERRORS_BASE + Math.floor(bytes / ERROR_BYTES) : limit("maxErrors", v);
}
