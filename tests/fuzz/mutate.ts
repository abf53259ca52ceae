/**
 * Mutations of valid pickles: bit flips, interesting bytes, varint blow-ups, inserted,
 * deleted, duplicated and spliced ranges, truncation. The header length is usually fixed up
 * afterwards (so the decoder, not the length check, meets the change), and a signed pickle is
 * usually re-signed (so the change gets past the MAC to the decoder).
 *
 * @module
 */

import { FLAG_SIGNED, MAC_BYTES } from "../../lib/format/tags.ts";
import { frame, unframe } from "./bytes.ts";
import type { Rng } from "./prng.ts";

const INTERESTING = [
  0x00,
  0x01,
  0x3f,
  0x40,
  0x5f,
  0x60,
  0x61,
  0x71,
  0x72,
  0x76,
  0x7e,
  0x7f,
  0x80,
  0x81,
  0x87,
  0x8a,
  0x8e,
  0x8f,
  0x93,
  0x94,
  0x95,
  0xfe,
  0xff,
];

/** Applies 1..4 random mutations to `body` (a pickle body, header and MAC removed). */
export function mutateBody(rng: Rng, body: Uint8Array, donors: readonly Uint8Array[]): Uint8Array {
  let b = Array.from(body);
  const n = 1 + (rng.chance(0.6) ? 0 : rng.int(4));
  for (let m = 0; m < n; m++) {
    const at = rng.int(b.length + 1);
    switch (rng.int(10)) {
      case 0: // bit flip
        if (b.length) b[Math.min(at, b.length - 1)] ^= 1 << rng.int(8);
        break;
      case 1: // random byte
        if (b.length) b[Math.min(at, b.length - 1)] = rng.byte();
        break;
      case 2: // interesting byte
        if (b.length) b[Math.min(at, b.length - 1)] = rng.pick(INTERESTING);
        break;
      case 3: // a large varint where a small one was
        b.splice(
          at,
          1,
          ...Array.from({ length: 1 + rng.int(7) }, () => 0x80 | rng.byte()),
          rng.int(128),
        );
        break;
      case 4: // insert random bytes
        b.splice(at, 0, ...Array.from({ length: 1 + rng.small(4) }, () => rng.byte()));
        break;
      case 5: // delete a range
        b.splice(at, 1 + rng.small(4));
        break;
      case 6: { // duplicate a range
        const len = 1 + rng.small(5);
        b.splice(at, 0, ...b.slice(at, at + len));
        break;
      }
      case 7: { // splice in a piece of another pickle
        const d = rng.pick(donors);
        const from = rng.int(d.length);
        b.splice(at, rng.int(3), ...d.slice(from, from + 1 + rng.small(6)));
        break;
      }
      case 8: // truncate
        b = b.slice(0, at);
        break;
      default: // interesting byte inserted (a tag)
        b.splice(at, 0, rng.pick(INTERESTING));
    }
  }
  return Uint8Array.from(b);
}

/** A mutated pickle; `resign` is whether the caller should sign the result again. */
export function mutatePickle(
  rng: Rng,
  pickle: Uint8Array,
  donors: readonly Uint8Array[],
): { bytes: Uint8Array; resign: boolean } {
  const parts = unframe(pickle);
  const signed = (pickle[5] & FLAG_SIGNED) !== 0;
  if (parts === undefined || rng.chance(0.12)) {
    // raw mutation of the whole pickle (header and MAC included)
    const raw = mutateBody(rng, pickle, donors);
    return { bytes: raw, resign: false };
  }
  let flags = parts.flags;
  if (rng.chance(0.05)) flags ^= 1 << rng.int(4);
  const body = mutateBody(rng, parts.body, donors);
  if (rng.chance(0.15)) {
    // keep the old length field: the claim no longer matches the bytes
    const out = new Uint8Array(pickle.length - parts.body.length + body.length);
    const head = pickle.length - parts.body.length - (signed ? MAC_BYTES : 0);
    out.set(pickle.subarray(0, head));
    out.set(body, head);
    return { bytes: out.subarray(0, head + body.length), resign: signed && rng.chance(0.5) };
  }
  const framed = frame(flags, body, parts.version);
  return { bytes: framed, resign: (flags & FLAG_SIGNED) !== 0 && rng.chance(0.85) };
}
