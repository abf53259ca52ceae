/**
 * Formatting of value paths for pickling errors: `root`, `.name`, `["odd key"]`, `[3]`,
 * `[Symbol(desc)]`, and `<key 0>` / `<value 0>` / `<member 0>` for Map and Set entries.
 *
 * @module
 */

import * as T from "../format/tags.ts";
import type { ScopeRecord } from "../code/captures.ts";
import {
  type EncodeFrame,
  F_ARRAY,
  F_OBJECT,
  S_DEFINITION,
  S_MAP,
  S_PRIVATE,
  S_PROMISE,
  S_PROPS,
  S_PROTO,
  S_REDUCE,
  S_SCOPE,
  S_SET,
  S_SPARSE,
  S_SPARSE_DENSE,
  S_WEAK,
} from "./encoder.ts";

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** The path segment of a property key. */
export function keySegment(key: string | symbol): string {
  if (typeof key === "symbol") return `[${String(key)}]`;
  return IDENTIFIER.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}

/** The path segment of the child `i` of the encoder's frame `f`. */
export function segment(f: EncodeFrame, i: number): string {
  if (f.kind === F_ARRAY) return `[${i}]`;
  if (f.kind === F_OBJECT) return keySegment(f.keys![i]);
  const items = f.items!;
  switch (f.sub) {
    case S_MAP:
      return i % 2 === 0 ? `<key ${i >> 1}>` : `<value ${i >> 1}>`;
    case S_SET:
      return `<member ${i}>`;
    case S_SPARSE:
      return `[${items[i & ~1] as number}]`;
    case S_REDUCE:
      return ["<reduce callable>", "<reduce args>", "<reduce state>"][i];
    case S_PROMISE:
      return "<promise value>";
    case S_PROTO:
      return "<prototype>";
    case S_SPARSE_DENSE:
      return `[${i}]`;
    case S_SCOPE:
      return `<captured ${(f.obj as ScopeRecord).names[i]}>`;
    case S_PRIVATE:
      return `.#${items[i & ~1] as string}`;
    case S_DEFINITION:
      return `<captured ${f.keys![i]}>`;
    case S_WEAK:
      return `<weak entry ${Math.floor(i / 3)} ${["collection", "key", "value"][i % 3]}>`;
    case S_PROPS: {
      let j = 0;
      while (j < items.length - 1) {
        const len = ((items[j + 1] as number) & T.PROP_ACCESSOR) ? 4 : 3;
        if (i < j + len) {
          const key = keySegment(items[j] as string | symbol);
          if (i === j + 2 && len === 4) return `${key}<get>`;
          if (i === j + 3) return `${key}<set>`;
          return key;
        }
        j += len;
      }
      return "";
    }
    default:
      return "";
  }
}
