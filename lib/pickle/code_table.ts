/**
 * The code table of a pickle made with a {@linkcode CodeCache} (see tags.ts): the
 * definitions a walk used, written after the module table in full or by hash, and read back
 * (checked against their hashes, missing ones resolved) before anything is built; and the
 * FUNCTION_CACHED head that names a table entry.
 *
 * @module
 */

import * as T from "../format/tags.ts";
import { ByteWriter } from "../format/writer.ts";
import { ByteReader } from "../format/reader.ts";
import { readModuleTable, readStr } from "../format/module_table.ts";
import { readHeader, writeHeader } from "../format/header.ts";
import { UnpicklingError } from "../errors.ts";
import type { Encoder } from "./encoder.ts";
import type { Decoder } from "./decoder.ts";
import {
  type CodeCache,
  CodeCacheMissError,
  Definition,
  hexOf,
  MAX_FORM,
  MAX_MEMBER,
  parseDefinition,
  sha256,
} from "./code_cache.ts";

// Write side.

/** The definitions a walk used, in table order. */
export class CodeUses {
  defs: Definition[] = [];
  index: Map<Definition, number> = new Map();

  clear(): void {
    if (this.defs.length > 0) {
      this.defs = [];
      this.index.clear();
    }
  }
}

/**
 * Writes the head of a function by value: FUNCTION, form, member, source; or, with a code
 * cache, FUNCTION_CACHED and the index of its definition in the code table.
 */
export function writeFunctionHead(
  enc: Encoder,
  form: number,
  member: number,
  source: string,
): void {
  const w = enc.w;
  const cache = enc.opts.codeCache;
  if (cache === undefined) {
    w.byte(T.FUNCTION);
    w.byte2(form, member);
    w.string(source);
    return;
  }
  const d = cache.definitionOf(form, member, source);
  const uses = enc.codeUses;
  let i = uses.index.get(d);
  if (i === undefined) {
    i = uses.defs.length;
    uses.defs.push(d);
    uses.index.set(d, i);
  }
  w.byte(T.FUNCTION_CACHED);
  w.byte2(form, member);
  w.varint(i);
}

const tableWriter = new ByteWriter();

/**
 * The pickle of the body `w` holds from HEADER_MAX, opened by the module table (when
 * `modules` has names) and the code table of `uses`; the cache then counts the
 * definitions as held by the other end (referenced ones first, then the new ones, as the
 * loading side does).
 */
export function withCodeTable(
  w: ByteWriter,
  modules: readonly string[],
  uses: CodeUses,
  cache: CodeCache,
  flags: number,
): Uint8Array {
  const t = tableWriter;
  t.reset(0);
  if (modules.length > 0) {
    flags |= T.FLAG_MODULES;
    t.varint(modules.length);
    for (const spec of modules) t.string(spec);
  }
  const defs = uses.defs;
  const held = defs.map((d) => cache.holds(d));
  t.varint(defs.length);
  for (let i = 0; i < defs.length; i++) {
    const d = defs[i];
    t.byte(held[i] ? T.CODE_CACHED : T.CODE_DEFINED);
    t.raw(d.hash);
    if (!held[i]) t.bytes(d.bytes);
  }
  const body = w.buf.subarray(T.HEADER_MAX, w.pos);
  const out = new Uint8Array(T.HEADER_MAX + t.pos + body.length);
  out.set(t.buf.subarray(0, t.pos), T.HEADER_MAX);
  out.set(body, T.HEADER_MAX + t.pos);
  // The new definitions are handed to onDefinition first: if it throws, no pickle is made
  // and the cache is as it was.
  for (let i = 0; i < defs.length; i++) if (!held[i]) cache.announce(defs[i]);
  for (let i = 0; i < defs.length; i++) if (held[i]) cache.use(defs[i].hex);
  for (let i = 0; i < defs.length; i++) if (!held[i]) cache.keep(defs[i]);
  return out.subarray(
    writeHeader(out, T.HEADER_MAX, t.pos + body.length, flags | T.FLAG_CODE_CACHE),
  );
}

// Read side.

/** A code table as read, before the cache is consulted. */
interface RawTable {
  /** Per entry: the hash, and the definition when it came in full. */
  hexes: string[];
  defined: (Definition | undefined)[];
  valueStart: number;
}

function readRawTable(buf: Uint8Array, start: number, end: number): RawTable {
  const r = new ByteReader(buf, start, end);
  const fail = (why: string, at: number): never =>
    r.fail(`cannot load the pickle: its code table ${why}; ${T_CORRUPT}`, at);
  const n = r.varint();
  if (n > (end - r.pos) / (1 + T.CODE_HASH_BYTES)) fail("is longer than the pickle", start);
  const hexes: string[] = [];
  const defined: (Definition | undefined)[] = [];
  for (let i = 0; i < n; i++) {
    const at = r.pos;
    const kind = r.byte();
    if (kind !== T.CODE_DEFINED && kind !== T.CODE_CACHED) fail("has an unknown entry", at);
    const hash = r.bytes(T.CODE_HASH_BYTES);
    const hex = hexOf(hash);
    hexes.push(hex);
    if (kind === T.CODE_CACHED) {
      defined.push(undefined);
      continue;
    }
    const defAt = r.pos;
    const form = r.byte();
    const member = r.byte();
    if (form > MAX_FORM || member > MAX_MEMBER) fail("has a form out of range", defAt);
    const source = readStr(r);
    const bytes = buf.slice(defAt, r.pos);
    const h = sha256(bytes);
    if (h.hex !== hex) {
      r.fail(
        `cannot load the pickle: a code definition does not match its hash (sha256 ${hex}, ` +
          `its bytes hash to ${h.hex}); the pickle was altered: load only pickles you trust, ` +
          "signed ones with their signingKey",
        at,
      );
    }
    defined.push(new Definition(hex, h.hash, bytes, form, member, source));
  }
  return { hexes, defined, valueStart: r.pos };
}

const T_CORRUPT = "the pickle is corrupt or was not made by this library";

/**
 * Reads the code table at `start` against `cache` (none: only the definitions the pickle
 * carries): the definitions by table index, and where the value starts. A definition the
 * cache misses is a CodeCacheMissError, raised before the cache changes.
 */
export function readCodeTable(
  buf: Uint8Array,
  start: number,
  end: number,
  cache: CodeCache | undefined,
): { defs: Definition[]; valueStart: number } {
  const { hexes, defined, valueStart } = readRawTable(buf, start, end);
  const missing: string[] = [];
  for (let i = 0; i < hexes.length; i++) {
    if (defined[i] === undefined && (cache === undefined || !cache.has(hexes[i]))) {
      missing.push(hexes[i]);
    }
  }
  if (missing.length > 0) throw new CodeCacheMissError(missing, start, cache !== undefined);
  const defs: Definition[] = new Array(hexes.length);
  for (let i = 0; i < hexes.length; i++) {
    if (defined[i] === undefined) defs[i] = cache!.use(hexes[i])!;
  }
  for (let i = 0; i < hexes.length; i++) {
    const d = defined[i];
    if (d === undefined) continue;
    defs[i] = d;
    cache?.keep(d);
  }
  return { defs, valueStart };
}

/**
 * Async loads: asks the cache's resolve function for the definitions the code table at
 * `start` names and the cache misses, checks each against its hash and keeps it.
 */
export async function resolveMissing(
  buf: Uint8Array,
  start: number,
  end: number,
  cache: CodeCache,
): Promise<void> {
  const resolve = cache.resolve;
  if (resolve === undefined) return;
  const { hexes, defined } = readRawTable(buf, start, end);
  for (let i = 0; i < hexes.length; i++) {
    const hex = hexes[i];
    if (defined[i] !== undefined || cache.has(hex)) continue;
    const got = await resolve(hex);
    if (got === undefined) continue;
    try {
      cache.keep(parseDefinition(got, hex));
    } catch (e) {
      throw new UnpicklingError(
        `cannot load the pickle: the code cache's resolve function gave for sha256 ${hex} ` +
          `bytes that are not its definition (${(e as Error).message})`,
        start,
        { cause: e },
      );
    }
  }
}

/**
 * The hashes (64 hex digits) of the definitions the code table of `pickle` names by hash
 * only (the ones its receiver must hold or resolve); none for a pickle without a code
 * table. Corrupt bytes are an UnpicklingError.
 */
export function cachedHashes(pickle: Uint8Array): string[] {
  const header = readHeader(pickle);
  if (header === undefined || !(header.flags & T.FLAG_CODE_CACHE)) return [];
  const start = header.flags & T.FLAG_MODULES
    ? readModuleTable(pickle, header.bodyStart, header.bodyEnd).valueStart
    : header.bodyStart;
  const { hexes, defined } = readRawTable(pickle, start, header.bodyEnd);
  return hexes.filter((_, i) => defined[i] === undefined);
}

/** FUNCTION_CACHED: the definition its table index names (form and member repeated). */
export function cachedDefinition(dec: Decoder, at: number): Definition {
  const r = dec.r;
  const form = r.byte();
  const member = r.byte();
  const i = r.varint();
  const d = dec.opts.code?.[i];
  if (d === undefined) dec.corrupt(`a function names code table entry ${i}, which is missing`, at);
  if (d.form !== form || d.member !== member) {
    dec.corrupt("a function's form differs from that of its code table entry", at);
  }
  return d;
}
