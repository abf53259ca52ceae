/**
 * For the message of a module that cannot be imported: the exports a pickle takes from it,
 * found by scanning the pickle's body for EXPORT records of that module, without building
 * anything (so no code of the pickle runs before the error). A match must have the record's
 * whole shape (module index, a path of 1 to 8 short names); only the message depends on it.
 *
 * @module
 */

import * as T from "../../format/tags.ts";

const NAME = /^[\p{ID_Start}$_][\p{ID_Continue}$\u200c\u200d]*$/u;
const latin1 = new TextDecoder("latin1");

/** The export paths (`Model.fromJSON`) of module `index` in `bytes[start..end)`, at most 3. */
export function exportsOf(bytes: Uint8Array, start: number, end: number, index: number): string[] {
  const found: string[] = [];
  for (let p = start; p < end && found.length < 3; p++) {
    if (bytes[p] !== T.EXPORT) continue;
    const path = readPath(bytes, p + 1, end, index);
    if (path !== undefined && !found.includes(path)) found.push(path);
  }
  return found;
}

function readPath(bytes: Uint8Array, p: number, end: number, index: number): string | undefined {
  const [i, a] = varint(bytes, p, end);
  if (i !== index) return undefined;
  const [n, b] = varint(bytes, a, end);
  if (n < 1 || n > 8) return undefined;
  const names: string[] = [];
  let q = b;
  for (let k = 0; k < n; k++) {
    const tag = bytes[q];
    let len: number;
    let from: number;
    if (tag >= T.SHORT_STRING && tag < T.SHORT_STRING + 32) {
      len = tag - T.SHORT_STRING;
      from = q + 1;
    } else if (tag === T.LATIN1) {
      [len, from] = varint(bytes, q + 1, end);
    } else return undefined;
    if (len < 1 || from + len > end) return undefined;
    const name = latin1.decode(bytes.subarray(from, from + len));
    if (!NAME.test(name)) return undefined;
    names.push(name);
    q = from + len;
  }
  return names.join(".");
}

function varint(bytes: Uint8Array, p: number, end: number): [number, number] {
  let v = 0;
  let shift = 1;
  for (let k = 0; k < 8 && p < end; k++) {
    const b = bytes[p++];
    v += (b & 0x7f) * shift;
    if (b < 0x80) return [v, p];
    shift *= 128;
  }
  return [-1, p];
}
