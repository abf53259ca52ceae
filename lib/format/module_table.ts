/**
 * The module table of a pickle: the portable names of the modules its code refers to, placed
 * before the value (see tags.ts), so that a loader can import them all before it builds.
 *
 * @module
 */

import { HEADER_MAX } from "./tags.ts";
import { ByteWriter } from "./writer.ts";
import { writeHeader } from "./header.ts";

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
