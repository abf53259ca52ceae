/**
 * The resource limits of a load ({@linkcode LoadOptions.maxDepth},
 * {@linkcode LoadOptions.maxErrors}, {@linkcode LoadOptions.maxObjects}): their defaults and the checks of the values a caller
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
/**
 * ...plus one per this many bytes of pickle: an error takes 10-20 µs to make in Deno, and
 * every error with a stack takes more bytes than this (its stack names where it was made).
 */
export const ERROR_BYTES = 32;

/**
 * Units of the objects a load creates whose memory outweighs their bytes in the pickle
 * (Map, Set, null-prototype objects, promises, buffers, views, blobs, URLs, errors, unique
 * symbols, sparse arrays, new object shapes; a unit stands for about 350 bytes, what an
 * empty Map takes in Deno), by default: 32 768 (about 11 MiB of them)...
 */
export const OBJECTS_BASE = 32_768;
/**
 * ...plus one unit per this many bytes of pickle: a one-element Set takes 4, so ordinary
 * pickles load (empty Maps and Sets take 2); a flood of empty Maps costs about 58 bytes of
 * memory a byte of pickle in Deno (16 MB: 926 MB), 25 in Bun.
 */
export const OBJECT_BYTES = 4;

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

/** The object limit (in units) of a load of a pickle body of `bytes` bytes. */
export function maxObjectsOf(v: number | undefined, bytes: number): number {
  return v === undefined ? OBJECTS_BASE + Math.floor(bytes / OBJECT_BYTES) : limit("maxObjects", v);
}

/**
 * Objects a load makes of shapes that have no generated factory yet, each a chance to compile
 * one (50-100 µs): 10 000 plus one per 128 bytes of pickle, so that a pickle of many distinct
 * shapes, each used twice, costs no more than ~1 s per MB. Past it, objects are made without
 * a factory (slower, but linear); ordinary pickles reuse a few shapes and compile early.
 */
export function factoryBudget(bytes: number): number {
  return 10_000 + Math.floor(bytes / 128);
}
