/**
 * The module table that opens a body with FLAG_MODULES: varint n, then n × str, the portable
 * names of the modules the value refers to (see tags.ts).
 *
 * @module
 */

import * as T from "./tags.ts";
import { ByteReader } from "./reader.ts";
import { UnpicklingError } from "../pickle/errors.ts";

// Read side.

/** The module table of a pickle, as read. */
export interface ModuleTable {
  /** The portable names of the modules, in order. */
  specs: string[];
  /** The byte offset of each name (for messages). */
  offsets: number[];
  /** Where the value starts, after the table. */
  valueStart: number;
}

/** Reads a value that must be a string (any string tag). */
export function readStr(r: ByteReader): string {
  const at = r.pos;
  const tag = r.byte();
  if (tag >= T.SHORT_STRING && tag < T.UNDEFINED) return r.latin1(tag - T.SHORT_STRING);
  if (tag === T.LATIN1) return r.latin1(r.varint());
  if (tag === T.STR8) return r.utf8(r.byte());
  if (tag === T.STR32) return r.utf8(r.u32());
  if (tag === T.STR16) return r.utf16(r.length(2));
  return r.fail("cannot load the pickle: a string was expected and another value found", at);
}

/** Reads the module table of the body `buf[start..end)`. */
export function readModuleTable(buf: Uint8Array, start: number, end: number): ModuleTable {
  const r = new ByteReader(buf, start, end);
  const specs: string[] = [];
  const offsets: number[] = [];
  try {
    const n = r.varint();
    if (n > end - r.pos) {
      r.fail("cannot load the pickle: its module table is longer than the pickle", start);
    }
    for (let i = 0; i < n; i++) {
      offsets.push(r.pos);
      const spec = readStr(r);
      if (spec === "") {
        r.fail("cannot load the pickle: its module table has an empty module name", offsets[i]);
      }
      specs.push(spec);
    }
  } catch (e) {
    if (e instanceof UnpicklingError) throw e;
    throw new UnpicklingError("cannot load the pickle: its module table is corrupt", r.pos, {
      cause: e,
    });
  }
  return { specs, offsets, valueStart: r.pos };
}
