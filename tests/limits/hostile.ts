// Hand-made hostile pickles: many cheap tags that each make an object, or deep nesting.
// Shared by limits_test.ts and the measuring child (measure_child.ts).
import { FORMAT_VERSION } from "../../lib/format/tags.ts";

/** Unsigned LEB128. */
export function varint(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n % 128) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}

/** A data pickle (no flags) around `body`. */
export function wrap(body: Uint8Array): Uint8Array {
  const head = [0x4a, 0x53, 0x50, 0x4b, FORMAT_VERSION, 0, ...varint(body.length)];
  const out = new Uint8Array(head.length + body.length);
  out.set(head);
  out.set(body, head.length);
  return out;
}

/** An array of as many copies of `item` as fit in `size` bytes, after `prefix` items. */
function repeated(
  item: number[],
  size: number,
  prefix: number[] = [],
  prefixItems = 0,
): Uint8Array {
  const count = Math.max(1, Math.floor(size / item.length));
  const head = [0x76, ...varint(count + prefixItems), ...prefix];
  const body = new Uint8Array(head.length + count * item.length);
  body.set(head);
  for (let i = 0, p = head.length; i < count; i++, p += item.length) body.set(item, p);
  return wrap(body);
}

/** `open` `levels` times, then `leaf`. */
function nested(open: number[], levels: number, leaf: number[]): Uint8Array {
  const body = new Uint8Array(levels * open.length + leaf.length);
  for (let i = 0; i < levels; i++) body.set(open, i * open.length);
  body.set(leaf, levels * open.length);
  return wrap(body);
}

/** `open` nested 50 000 deep (under the default depth limit), again and again. */
function chains(open: number[], size: number): Uint8Array {
  const chain: number[] = [];
  for (let i = 0; i < 50_000; i++) chain.push(...open);
  chain.push(0);
  return repeated(chain, Math.max(size, chain.length));
}

const str = (s: string) => [0x40 + s.length, ...[...s].map((c) => c.charCodeAt(0))];

/** The attacks, by name: what each pickle is made of. */
export const HOSTILE: Record<string, (size: number) => Uint8Array> = {
  "nested arrays": (size) => nested([0x76, 1], size >> 1, [0]),
  "nested Sets": (size) => nested([0x7a, 1], size >> 1, [0]),
  // (Rejected: a fulfilled promise holding a promise is refused at once.)
  "nested promises": (size) => nested([0x87, 1], size >> 1, [0]),
  "50 000-deep array chains": (size) => chains([0x76, 1], size),
  "50 000-deep Set chains": (size) => chains([0x7a, 1], size),
  "Error tags": (size) => repeated([0x7d, 0, 0, 0], size),
  "TypeError tags": (size) => repeated([0x7d, 1, 0, 0], size),
  "DOMException tags": (size) => repeated([0x7d, 9, 0x40, 0x40, 0, 0], size),
  "empty Blob tags": (size) => repeated([0x85, 0x40, 0], size),
  "empty File tags": (size) => repeated([0x86, 0x40, 0x40, 0, 0], size),
  "Date tags": (size) => repeated([0x7b, 0, 0, 0, 0, 0, 0, 0, 0], size),
  "empty RegExp tags": (size) => repeated([0x7c, 0x40, 0x40, 0], size),
  "empty Map tags": (size) => repeated([0x79, 0], size),
  "empty Set tags": (size) => repeated([0x7a, 0], size),
  "empty array tags": (size) => repeated([0x76, 0], size),
  "empty object tags": (size) => repeated([0x73, 0], size, [0x72, 0], 1),
  "empty null-prototype object tags": (size) => repeated([0x75, 0], size, [0x74, 0], 1),
  "objects with a null prototype from the pickle": (size) => repeated([0x8a, 0x61, 0, 0], size),
  "empty ArrayBuffer tags": (size) => repeated([0x7e, 0, 0], size),
  "empty Uint8Arrays over their own buffers": (size) =>
    repeated([0x81, 1, 0, 0x7e, 0, 0, 0, 0], size),
  "empty Uint8Arrays over one buffer": (size) =>
    repeated([0x81, 1, 0, 0x71, 1, 0, 0], size, [0x7e, 0, 0], 1),
  "unique symbol tags": (size) => repeated([0x70, 0], size),
  "URL tags": (size) => repeated([0x83, ...str("a:")], size),
  "URLSearchParams tags": (size) => repeated([0x84, 0x40], size),
  "fulfilled promise tags": (size) => repeated([0x87, 0, 0], size),
  "rejected promise tags": (size) => repeated([0x87, 1, 0], size),
  "boxed number tags": (size) => repeated([0x82, 0, 0], size),
  "sparse arrays of length 2^32-1": (size) =>
    repeated([0x77, 0xff, 0xff, 0xff, 0xff, 0x0f, 0], size),
  "one-key shapes, each used twice": (size) => {
    const count = Math.floor(size / 11);
    const items: number[] = [];
    for (let i = 0; i < count; i++) {
      items.push(0x72, 1, ...str(i.toString(36)), 0, 0x73, ...varint(i), 0);
    }
    return wrap(new Uint8Array([0x76, ...varint(count * 2), ...items]));
  },
};
