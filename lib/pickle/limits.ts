/**
 * The resource limits of a load: defaults, and the cost estimates they are checked against
 * (buffers, regular expressions, URLs, streams; depth, errors and objects at the end).
 * Every limit is refused with an {@linkcode UnpicklingError} that names the limit and the
 * {@linkcode LoadOptions} field that raises it; a limit option that is not a number is a
 * TypeError.
 *
 * @module
 */

import type { LoadOptions } from "./options.ts";
import { shown } from "../values/inspect.ts";

/** The limits of one load, defaults applied. */
export interface Limits {
  maxBufferReserve: number;
  maxRegExpCost: number;
  maxUrlHostLength: number;
}

/** 1 GiB. */
const GIB = 1024 * 1024 * 1024;

/** The longest pickle read from a stream by default. */
export const DEFAULT_MAX_BYTES = GIB;

/** The limits under the default options. */
export const DEFAULT_LIMITS: Limits = Object.freeze({
  maxBufferReserve: GIB,
  maxRegExpCost: 65536,
  maxUrlHostLength: 16384,
});

/** A limit given in the options: a number >= 0 (Infinity turns the limit off). */
function limit(options: LoadOptions | undefined, name: keyof Limits | "maxBytes", def: number) {
  const v = options?.[name];
  if (v === undefined) return def;
  if (typeof v !== "number" || !(v >= 0)) {
    throw new TypeError(
      `cannot load with LoadOptions.${name} = ${shown(v)}: it is not a number >= 0; give a ` +
        "number of bytes or units (Infinity turns the limit off)",
    );
  }
  return v;
}

/** The limits `options` set, defaults for the rest. */
export function limitsOf(options: LoadOptions | undefined): Limits {
  if (
    options === undefined ||
    (options.maxBufferReserve === undefined && options.maxRegExpCost === undefined &&
      options.maxUrlHostLength === undefined)
  ) {
    return DEFAULT_LIMITS;
  }
  return {
    maxBufferReserve: limit(options, "maxBufferReserve", DEFAULT_LIMITS.maxBufferReserve),
    maxRegExpCost: limit(options, "maxRegExpCost", DEFAULT_LIMITS.maxRegExpCost),
    maxUrlHostLength: limit(options, "maxUrlHostLength", DEFAULT_LIMITS.maxUrlHostLength),
  };
}

/** The stream limit of {@linkcode LoadOptions.maxBytes}. */
export function maxBytesOf(options: LoadOptions | undefined): number {
  return limit(options, "maxBytes", DEFAULT_MAX_BYTES);
}

/** The message of a refused limit: what was asked, the limit, and the option that raises it. */
export function overLimit(what: string, asked: number, name: string, max: number): string {
  return `cannot load the pickle: ${what} (${asked}) is over the limit of ${max}; raise ` +
    `LoadOptions.${name} to load it`;
}

/** Properties of strings (`v` flag): their sets are thousands of sequences to build. */
const STRING_PROPERTIES = new Set([
  "Basic_Emoji",
  "Emoji_Keycap_Sequence",
  "RGI_Emoji",
  "RGI_Emoji_Flag_Sequence",
  "RGI_Emoji_Modifier_Sequence",
  "RGI_Emoji_Tag_Sequence",
  "RGI_Emoji_ZWJ_Sequence",
]);

/** Cost of a Unicode property escape (V8 measured up to ~250 µs each, with `iv`). */
export const COST_PROPERTY = 512;
/** Cost of a property of strings (V8 measured up to ~4 ms each, with `iv`). */
export const COST_STRING_PROPERTY = 8192;
/** Cost of a class escape (`\w`, `\W`, `\s` …) under `i`, `u` or `v` (V8: `\W` with `iu` ~13 µs). */
export const COST_ESCAPE = 16;
/**
 * Cost of a range in a class under both `i` and `v` (V8 case-folds every code point of it:
 * measured up to ~23 µs for `[\0-\uffff]`, against under 1 µs with either flag alone).
 */
export const COST_FOLDED_RANGE = 24;
/** The letters of class escapes and word boundaries. */
const CLASS_ESCAPES = new Set("wWsSdDbB");

/**
 * What building `new RegExp(source, flags)` is estimated to cost beyond its length, in units
 * of at most a microsecond of the slower runtime (measured: 0.3-0.7 µs), by one linear scan.
 * Over-estimates are fine: `(?<` inside a class counts all the same.
 */
export function regExpCost(source: string, flags: string): number {
  const unicode = flags.includes("u") || flags.includes("v");
  const folding = unicode || flags.includes("i");
  const foldedSets = flags.includes("v") && flags.includes("i");
  let cost = 0;
  let groups = 0;
  /** How deep in classes the scan is (`v` nests them). */
  let inClass = 0;
  const n = source.length;
  for (let i = 0; i < n; i++) {
    const c = source.charCodeAt(i);
    if (c === 0x5c /* \ */) {
      const next = source.charCodeAt(i + 1);
      i++;
      if (unicode && (next === 0x70 || next === 0x50) && source.charCodeAt(i + 1) === 0x7b) {
        const close = source.indexOf("}", i + 2);
        const name = close < 0 ? "" : source.slice(i + 2, close);
        cost += STRING_PROPERTIES.has(name) ? COST_STRING_PROPERTY : COST_PROPERTY;
        if (close > 0) i = close;
      } else if (folding && CLASS_ESCAPES.has(source[i])) {
        cost += COST_ESCAPE;
      }
    } else if (c === 0x5b /* [ */) {
      inClass++;
    } else if (c === 0x5d /* ] */) {
      if (inClass > 0) inClass--;
    } else if (c === 0x2d /* - */ && inClass > 0 && foldedSets) {
      cost += COST_FOLDED_RANGE;
    } else if (
      c === 0x28 /* ( */ && source.charCodeAt(i + 1) === 0x3f /* ? */ &&
      source.charCodeAt(i + 2) === 0x3c /* < */
    ) {
      const d = source.charCodeAt(i + 3);
      if (d !== 0x3d /* = */ && d !== 0x21 /* ! */) cost += ++groups;
    }
  }
  return cost;
}

/**
 * The length of the authority of `href` (what comes after `scheme://` and before the path,
 * query or fragment), or 0 when it has none. Special schemes take a host with or without the
 * slashes; any slash or backslash after the colon is skipped, so the answer is never short.
 */
export function urlAuthorityLength(href: string): number {
  const colon = href.indexOf(":");
  if (colon < 0) return 0;
  // The parser drops tabs and newlines anywhere and C0 controls and spaces around the URL:
  // dropping every one of them from the scheme can only find more hosts, never fewer.
  const scheme = href.slice(0, colon).replace(/[\0-\x20]/g, "").toLowerCase();
  const special = scheme === "http" || scheme === "https" || scheme === "ws" ||
    scheme === "wss" || scheme === "ftp" || scheme === "file";
  const n = href.length;
  let i = colon + 1;
  let slashes = 0;
  for (; i < n; i++) {
    const c = href.charCodeAt(i);
    if (c === 0x2f || c === 0x5c) slashes++;
    else if (c !== 0x09 && c !== 0x0a && c !== 0x0d) break;
  }
  if (!special && slashes < 2) return 0;
  let j = i;
  while (j < n) {
    const c = href.charCodeAt(j);
    if (c === 0x2f || c === 0x3f || c === 0x23 || (special && c === 0x5c)) break;
    j++;
  }
  return j - i;
}

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
function countLimit(name: string, v: unknown): number {
  if (typeof v === "number" && v >= 1 && (Number.isInteger(v) || v === Infinity)) return v;
  throw new TypeError(
    `cannot load with LoadOptions.${name} = ${shown(v)}: it is not a positive integer; give ` +
      "a whole number >= 1 (Infinity turns the limit off)",
  );
}

/** The depth limit of a load. */
export function maxDepthOf(v: number | undefined): number {
  return v === undefined ? DEFAULT_MAX_DEPTH : countLimit("maxDepth", v);
}

/** The error limit of a load of a pickle body of `bytes` bytes. */
export function maxErrorsOf(v: number | undefined, bytes: number): number {
  return v === undefined
    ? ERRORS_BASE + Math.floor(bytes / ERROR_BYTES)
    : countLimit("maxErrors", v);
}

/** The object limit (in units) of a load of a pickle body of `bytes` bytes. */
export function maxObjectsOf(v: number | undefined, bytes: number): number {
  return v === undefined
    ? OBJECTS_BASE + Math.floor(bytes / OBJECT_BYTES)
    : countLimit("maxObjects", v);
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
