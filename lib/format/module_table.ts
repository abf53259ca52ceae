/**
 * The module table of a pickle: the portable names of the modules its code refers to, placed
 * before the value (see tags.ts), so that a loader can import them all before it builds.
 *
 * @module
 */

import * as T from "./tags.ts";
import { HEADER_MAX } from "./tags.ts";
import { ByteWriter } from "./writer.ts";
import { writeHeader } from "./header.ts";
import { ByteReader } from "./reader.ts";
import { UnpicklingError } from "../errors.ts";

// Write side.

/** The modules a pickle refers to, in table order, each with its index. */
export class ModuleList {
  /** The portable module names, in table order. */
  names: string[] = [];
  private ids = new Map<string, number>();

  /** The table index of `spec`, after adding it when it was not listed. */
  index(spec: string): number {
    let i = this.ids.get(spec);
    if (i === undefined) {
      i = this.names.length;
      this.names.push(spec);
      this.ids.set(spec, i);
    }
    return i;
  }

  /** Empties the list for the next pickle. */
  clear(): void {
    if (this.names.length > 0) {
      this.names = [];
      this.ids.clear();
    }
  }
}

const tableWriter = new ByteWriter();

/**
 * The pickle of the body `w` holds from HEADER_MAX, with the module table of `modules`
 * placed before the value and the header before both.
 */
export function withModuleTable(
  w: ByteWriter,
  modules: readonly string[],
  flags: number,
): Uint8Array {
  const t = tableWriter;
  t.reset(0);
  t.varint(modules.length);
  for (const spec of modules) t.string(spec);
  const body = w.buf.subarray(HEADER_MAX, w.pos);
  const out = new Uint8Array(HEADER_MAX + t.pos + body.length);
  out.set(t.buf.subarray(0, t.pos), HEADER_MAX);
  out.set(body, HEADER_MAX + t.pos);
  return out.subarray(writeHeader(out, HEADER_MAX, t.pos + body.length, flags));
}

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
