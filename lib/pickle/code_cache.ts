/**
 * The code cache of a channel: function definitions (the form, member and source of a
 * function or class by value, module code by value included) travel once per channel, then
 * by their SHA-256. A pickle made with a cache opens with a code table (see tags.ts) listing
 * the definitions it uses: in full the first time, by hash afterwards; its functions name
 * a table entry (FUNCTION_CACHED) instead of carrying their source. Captured values and
 * properties are written in every pickle, as without a cache.
 *
 * Both ends of a channel keep the same bounded LRU: the sending end marks a definition as
 * held by the other end when a pickle carrying it is made, the receiving end stores it when
 * it reads the pickle's table (before anything is built, after checking it against its
 * hash). Pickles read in the order they were made touch both LRUs the same way, so both
 * evict the same entries. The table's bytes are read and written by code_table.ts.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { ByteWriter } from "../format/writer.ts";
import { ByteReader } from "../format/reader.ts";
import { readStr } from "../format/module_table.ts";
import { UnpicklingError } from "../errors.ts";

/** Form and member bytes above these are corrupt (FORM_CLASS, the setter). */
export const MAX_FORM = 4;
export const MAX_MEMBER = 2;

/** One definition: what a FUNCTION tag says before its class id. */
export class Definition {
  constructor(
    /** SHA-256 of `bytes`, as lower-case hex. */
    readonly hex: string,
    readonly hash: Uint8Array,
    /** u8 form, u8 member, str source: what the hash covers. */
    readonly bytes: Uint8Array,
    readonly form: number,
    readonly member: number,
    readonly source: string,
  ) {}
}

/** Options of {@linkcode CodeCache}. */
export interface CodeCacheOptions {
  /**
   * Definitions kept (default 1024), least recently used dropped first. The two ends of a
   * channel must use the same number: the sending end then knows what the other end holds.
   */
  maxEntries?: number;
  /**
   * Fetches a definition this cache misses, by its hash (64 hex digits), for the async
   * loads (`loads`, `Unpickler.loads`): return the bytes that {@linkcode CodeCache.get}
   * gave on the sending side (stored, for example, in a key-value bucket), or undefined.
   * What it returns is checked against the hash before use.
   */
  resolve?: (hash: string) => Promise<Uint8Array | undefined> | Uint8Array | undefined;
  /**
   * Called on the sending side with each definition a pickle carries in full (its first
   * time on the channel), before the pickle is returned: the place to store it where
   * other receivers can {@linkcode CodeCacheOptions.resolve} it.
   */
  onDefinition?: (hash: string, definition: Uint8Array) => void;
}

/**
 * A loaded pickle named definitions by hash that its code cache does not hold: the pickles
 * of the channel were loaded out of order, with another cache, or the cache dropped them.
 * `hashes` lists the missing SHA-256 hashes.
 */
export class CodeCacheMissError extends UnpicklingError {
  /** The hashes (64 hex digits) of the definitions the cache lacked. */
  readonly hashes: readonly string[];
  /** Creates the error for the definitions `hashes`, listed at byte `offset`. */
  constructor(hashes: readonly string[], offset: number, hasCache: boolean) {
    super(
      `cannot load the pickle: it refers to ${
        hashes.length === 1 ? "a code definition" : `${hashes.length} code definitions`
      } by hash that ${
        hasCache ? "this code cache does not hold" : "no code cache was given for"
      } (sha256 ${hashes.join(", ")}); ` +
        (hasCache
          ? "load the pickles of a channel in the order they were made, with the CodeCache of " +
            "that channel (both ends with the same maxEntries), or give the CodeCache a " +
            "resolve function and use the async loads"
          : "pass the CodeCache of the channel as LoadOptions.codeCache"),
      offset,
    );
    this.hashes = hashes;
  }
}

const scratch = new ByteWriter();

export function sha256(bytes: Uint8Array): { hash: Uint8Array; hex: string } {
  const d = createHash("sha256").update(bytes).digest();
  return { hash: new Uint8Array(d.buffer, d.byteOffset, d.length), hex: d.toString("hex") };
}

export function hexOf(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i++) s += (bytes[i] < 16 ? "0" : "") + bytes[i].toString(16);
  return s;
}

/**
 * A code cache shared by the pickles of one channel: definitions (function source, classes,
 * by-value module code) travel once, then by content hash (SHA-256). Pass the same instance
 * to the {@linkcode Pickler} and the {@linkcode Unpickler} of one channel end (as
 * `codeCache` in their options), and load the pickles in the order they were made. Captured
 * values still travel in every pickle, so a closure whose variables changed is sent with its
 * new values. Plain `dumps` (no cache) is unchanged: deterministic and self-contained; a
 * pickle that uses a cache says so in its header (`dis` shows `code-cache`).
 *
 * A definition that arrives is checked against its hash; one the cache misses is a
 * {@linkcode CodeCacheMissError} (or, in async loads, is asked of `resolve`, checked, then
 * kept). A worker that starts again starts with a new cache on both ends.
 *
 * @example
 * ```ts
 * import { CodeCache, loadsSync, Pickler, Unpickler } from "@cloudpickle/cloudpickle";
 * import assert from "node:assert/strict";
 *
 * const sender = new Pickler({ codeCache: new CodeCache() });
 * const receiver = new Unpickler({ codeCache: new CodeCache() });
 * let rate = 2;
 * const scale = (x: number) => x * rate;
 * const first = sender.dumpsSync(scale); // carries the source and its hash
 * rate = 3;
 * const second = sender.dumpsSync(scale); // carries the hash and rate = 3
 * assert.ok(second.length < first.length);
 * assert.equal((receiver.loadsSync(first) as typeof scale)(10), 20);
 * assert.equal((receiver.loadsSync(second) as typeof scale)(10), 30);
 * assert.throws(() => loadsSync(second), { name: "CodeCacheMissError" });
 * ```
 */
export class CodeCache {
  /** Definitions the other end holds too, least recently used first. */
  private readonly lru = new Map<string, Definition>();
  /** Sending side: the definition of each source met (a source's hash is computed once). */
  private readonly bySource = new Map<string, Definition>();
  /** The most definitions kept. */
  readonly maxEntries: number;
  private readonly resolver: CodeCacheOptions["resolve"];
  private readonly onDefinition: CodeCacheOptions["onDefinition"];

  /** Creates an empty cache. */
  constructor(options: CodeCacheOptions = {}) {
    const max = options.maxEntries ?? 1024;
    if (!(max >= 1) || (!Number.isInteger(max) && max !== Infinity)) {
      throw new TypeError(`maxEntries must be an integer >= 1, not ${String(max)}`);
    }
    if (options.resolve !== undefined && typeof options.resolve !== "function") {
      throw new TypeError("resolve must be a function");
    }
    this.maxEntries = max;
    this.resolver = options.resolve;
    this.onDefinition = options.onDefinition;
  }

  /** Definitions held. */
  get size(): number {
    return this.lru.size;
  }

  /** True when the definition of `hash` (64 hex digits) is held. */
  has(hash: string): boolean {
    return this.lru.has(hash);
  }

  /** The definition bytes of `hash`, for storing where a receiver can resolve them. */
  get(hash: string): Uint8Array | undefined {
    return this.lru.get(hash)?.bytes.slice();
  }

  /**
   * Adds a definition (bytes that {@linkcode CodeCache.get} gave) and returns its hash; with
   * `hash`, the bytes must hash to it. Bytes that are no definition, or that do not match,
   * are an UnpicklingError.
   */
  add(definition: Uint8Array, hash?: string): string {
    const d = parseDefinition(definition, hash);
    this.keep(d);
    return d.hex;
  }

  /** Forgets every definition (both ends of a channel must then start again). */
  clear(): void {
    this.lru.clear();
    this.bySource.clear();
  }

  /**
   * Sending side: the definition of a function head, hashed once per source.
   *
   * @internal
   */
  definitionOf(form: number, member: number, source: string): Definition {
    const d = this.bySource.get(source);
    if (d !== undefined && d.form === form && d.member === member) return d;
    const w = scratch;
    w.reset(0);
    w.byte2(form, member);
    w.string(source);
    const bytes = w.buf.slice(0, w.pos);
    const { hash, hex } = sha256(bytes);
    const made = new Definition(hex, hash, bytes, form, member, source);
    if (this.bySource.size >= 4 * Math.min(this.maxEntries, 1 << 20)) this.bySource.clear();
    this.bySource.set(source, made);
    return made;
  }

  /**
   * Whether the other end holds `d` (without touching it).
   *
   * @internal
   */
  holds(d: Definition): boolean {
    return this.lru.has(d.hex);
  }

  /**
   * Sending side: hands a definition a pickle carries in full to `onDefinition`.
   *
   * @internal
   */
  announce(d: Definition): void {
    this.onDefinition?.(d.hex, d.bytes.slice());
  }

  /**
   * The definition of `hex`, marked as just used.
   *
   * @internal
   */
  use(hex: string): Definition | undefined {
    const d = this.lru.get(hex);
    if (d !== undefined) {
      this.lru.delete(hex);
      this.lru.set(hex, d);
    }
    return d;
  }

  /**
   * Keeps `d` as the most recently used, dropping the least recently used past the bound.
   *
   * @internal
   */
  keep(d: Definition): void {
    this.lru.delete(d.hex);
    this.lru.set(d.hex, d);
    while (this.lru.size > this.maxEntries) {
      this.lru.delete(this.lru.keys().next().value as string);
    }
  }

  /** The resolve option, if any. */
  get resolve(): CodeCacheOptions["resolve"] {
    return this.resolver;
  }
}

/** Parses definition bytes (u8 form, u8 member, str source, nothing after) and checks them. */
export function parseDefinition(bytes: Uint8Array, hash: string | undefined): Definition {
  if (!(bytes instanceof Uint8Array)) throw new TypeError("a definition must be a Uint8Array");
  const copy = bytes.slice();
  const r = new ByteReader(copy);
  const form = r.byte();
  const member = r.byte();
  if (form > MAX_FORM || member > MAX_MEMBER) {
    r.fail("cannot add the code definition: its form is out of range", 0);
  }
  const source = readStr(r);
  if (r.pos !== copy.length) r.fail("cannot add the code definition: bytes follow it", r.pos);
  const h = sha256(copy);
  if (hash !== undefined && h.hex !== hash.toLowerCase()) {
    r.fail(
      `cannot add the code definition: its bytes hash to sha256 ${h.hex}, not ${hash}; ` +
        "the store that gave it holds something else under that hash",
      0,
    );
  }
  return new Definition(h.hex, h.hash, copy, form, member, source);
}
