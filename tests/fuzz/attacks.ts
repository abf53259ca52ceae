/**
 * Hostile shapes the grammar generator rarely reaches by chance, sized from a few hundred
 * bytes to a few hundred KB: deep nesting, many small objects, long BigInts, buffers that
 * reserve far more than they hold, objects passed off as buffers, costly RegExp sources, long
 * non-ASCII hosts, length claims past the input. All data-only.
 *
 * @module
 */

import * as T from "../../lib/format/tags.ts";
import { Bytes, frame } from "./bytes.ts";
import type { Rng } from "./prng.ts";

function latin1(b: Bytes, s: string): void {
  b.u8(T.LATIN1).varint(s.length);
  for (let i = 0; i < s.length; i++) b.u8(s.charCodeAt(i));
}

function utf8(b: Bytes, s: string): void {
  const u = new TextEncoder().encode(s);
  b.u8(T.STR32).u32(u.length).all(u);
}

/** The attack names, for the case origin. */
export const ATTACKS = [
  "deep arrays",
  "deep objects",
  "many errors",
  "many blobs",
  "long bigint",
  "resizable reserve",
  "fake buffer view",
  "regexp named groups",
  "regexp property classes",
  "long non-ascii host",
  "array length claim",
  "promise chain",
] as const;

/** One attack pickle, `size` about the number of bytes it aims for. */
export function attack(rng: Rng): { name: string; bytes: Uint8Array } {
  const name = rng.pick(ATTACKS);
  // log-uniform size, 256 B .. 256 KB
  const size = Math.floor(256 * 2 ** (rng.u32() / 0x100000000 * 10));
  const b = new Bytes();
  switch (name) {
    case "deep arrays": {
      const n = size;
      for (let i = 0; i < n; i++) b.u8(T.ARRAY).u8(1);
      b.u8(T.NULL);
      break;
    }
    case "deep objects": {
      const n = Math.floor(size / 3);
      b.u8(T.OBJECT_NEW_SHAPE).u8(1).u8(T.SHORT_STRING + 1).u8(0x61);
      for (let i = 1; i < n; i++) b.u8(T.OBJECT).u8(0);
      b.u8(T.NULL);
      break;
    }
    case "many errors":
    case "many blobs": {
      const n = Math.floor(size / 4);
      b.u8(T.ARRAY).varint(n);
      for (let i = 0; i < n; i++) {
        if (name === "many errors") b.u8(T.ERROR).u8(0).u8(0).u8(0);
        else b.u8(T.BLOB).u8(T.SHORT_STRING).u8(0);
      }
      break;
    }
    case "long bigint": {
      b.u8(T.BIGINT_POS).varint(size);
      for (let i = 0; i < size; i++) b.u8(rng.byte() | 1);
      break;
    }
    case "resizable reserve": {
      const n = Math.max(1, Math.floor(size / 8));
      const max = rng.pick([2 ** 30, 2 ** 32, 2 ** 40, 2 ** 53 - 1]);
      const shared = rng.chance(0.5);
      b.u8(T.ARRAY).varint(n);
      for (let i = 0; i < n; i++) {
        b.u8(shared ? T.SHARED_ARRAY_BUFFER : T.ARRAY_BUFFER).u8(1).varint(max).u8(0);
      }
      break;
    }
    case "fake buffer view": {
      // an object whose prototype is a real buffer (so ArrayBuffer.prototype is on its
      // chain), claiming a large byteLength, viewed as a typed array
      b.u8(T.VIEW).u8(rng.int(12)).u8(rng.int(2));
      b.u8(T.OBJECT_WITH_PROTO);
      b.u8(T.ARRAY_BUFFER).u8(0).u8(0);
      b.u8(1).u8(T.SHORT_STRING + 10).all(new TextEncoder().encode("byteLength")).u8(7);
      b.u8(T.INT_POS).varint(rng.pick([2 ** 30, 2 ** 31, 2 ** 32]));
      b.u8(0);
      b.varint(0);
      b.varint(rng.pick([2 ** 20, 2 ** 28, 2 ** 30]));
      break;
    }
    case "regexp named groups": {
      const n = Math.floor(size / 8);
      let src = "";
      for (let i = 0; i < n; i++) src += `(?<g${i}>a)`;
      b.u8(T.REGEXP);
      latin1(b, src);
      latin1(b, rng.pick(["", "u", "v", "d"]));
      b.u8(0);
      break;
    }
    case "regexp property classes": {
      const n = Math.floor(size / 12);
      const src = rng.chance(0.5)
        ? `[${"\\p{L}\\p{N}".repeat(n)}]`
        : `[${"[\\p{L}--\\p{Lu}]".repeat(Math.floor(n / 2))}]`;
      b.u8(T.REGEXP);
      latin1(b, src);
      latin1(b, rng.pick(["v", "iv", "ui"]));
      b.u8(0);
      break;
    }
    case "long non-ascii host": {
      const n = Math.floor(size / 3);
      b.u8(T.URL_TAG);
      utf8(b, `https://${"ü".repeat(Math.min(n, 60)) + ".ä".repeat(Math.max(0, n - 60) >> 1)}/`);
      break;
    }
    case "array length claim": {
      const tag = rng.pick([T.ARRAY, T.MAP, T.SET, T.OBJECT_NEW_SHAPE, T.SPARSE_ARRAY]);
      b.u8(tag).varint(rng.pick([2 ** 24, 2 ** 28, 2 ** 32 - 1, 2 ** 32, 2 ** 53 - 1]));
      if (tag === T.SPARSE_ARRAY) b.varint(rng.pick([2 ** 24, 2 ** 30]));
      for (let i = 0; i < size; i++) b.u8(T.NULL);
      break;
    }
    default: {
      // promises fulfilled with promises, nested
      const n = Math.floor(size / 2);
      for (let i = 0; i < n; i++) b.u8(T.PROMISE).u8(i === n - 1 ? 1 : 0);
      b.u8(T.NULL);
    }
  }
  return { name, bytes: frame(0, b.buf) };
}
