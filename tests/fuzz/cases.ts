/**
 * One fuzz case from (seed, case number): which input, how it is loaded. The mix:
 *
 * - mutations of valid data and code pickles, signed and not, loaded with `allowCode: false`;
 * - pickles generated from the tag grammar (see generate.ts), signed or not, `allowCode: false`;
 * - hostile shapes sized up to 256 KB (attacks.ts), `allowCode: false`;
 * - a few mutations of code pickles loaded with `allowCode: true` (in the child process only,
 *   and only when no name of a global that could act outside the process appears in the bytes);
 * - each loaded through `loadsSync`, `loads` (with the key when signed) or `load(stream)` in
 *   random chunks.
 *
 * @module
 */

import { FLAG_SIGNED } from "../../lib/format/tags.ts";
import { frame, sign, unframe, varint } from "./bytes.ts";
import type { Seed } from "./corpus.ts";
import { attack } from "./attacks.ts";
import { generate } from "./generate.ts";
import { mutatePickle } from "./mutate.ts";
import { Rng } from "./prng.ts";

/** How a case is loaded. */
export type Form = "sync" | "async" | "stream";

/** One case. */
export interface Case {
  /** what made it: "mutate:<seed name>", "generate", "code:<seed name>" */
  origin: string;
  bytes: Uint8Array;
  form: Form;
  allowCode: boolean;
  /** pass the fuzz key (async and stream forms) */
  signed: boolean;
  /** chunk sizes for the stream form */
  chunks: number[];
  /** the bytes are handed over in a view of a SharedArrayBuffer */
  shared: boolean;
}

/** Words that must not appear in a pickle loaded with allowCode: true (no effect outside). */
const UNSAFE =
  /Deno|Bun|process|require|import|eval|Function|global|self|fetch|Worker|Atomics|write|remove|spawn|exit|kill|open|while|for\s*\(|setTimeout|setInterval|queueMicrotask|prototype|__proto__|define|assign|Reflect|Object/;

/** True when `bytes` may be loaded with code allowed (see UNSAFE). */
export function safeForCode(bytes: Uint8Array): boolean {
  let ascii = "";
  for (const b of bytes) ascii += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : " ";
  return !UNSAFE.test(ascii);
}

const donorCache = new WeakMap<readonly Seed[], Uint8Array[]>();

function donorsOf(corpus: readonly Seed[]): Uint8Array[] {
  let d = donorCache.get(corpus);
  if (d === undefined) donorCache.set(corpus, d = corpus.map((s) => s.bytes));
  return d;
}

/** Builds case `k` of the run with `seed`. */
export async function makeCase(corpus: readonly Seed[], seed: number, k: number): Promise<Case> {
  const rng = new Rng(seed, k);
  const donors = donorsOf(corpus);
  const r = rng.int(100);
  let origin: string;
  let bytes: Uint8Array;
  let allowCode = false;
  let resign = false;
  if (r < 47) {
    const s = rng.pick(corpus);
    origin = `mutate:${s.name}`;
    ({ bytes, resign } = mutatePickle(rng, s.bytes, donors));
  } else if (r < 93) {
    origin = "generate";
    const g = generate(rng);
    bytes = g.bytes;
    if (rng.chance(0.15)) {
      const parts = unframe(g.bytes)!;
      bytes = frame(parts.flags | FLAG_SIGNED, parts.body, parts.version);
      resign = true;
    }
  } else if (r < 94) {
    const a = attack(rng);
    origin = `attack:${a.name}`;
    bytes = a.bytes;
  } else {
    const code = corpus.filter((s) => s.code);
    const s = rng.pick(code);
    origin = `code:${s.name}`;
    ({ bytes, resign } = mutatePickle(rng, s.bytes, donors));
    allowCode = safeForCode(bytes);
  }
  if (resign) bytes = await sign(bytes);
  const signed = (bytes[5] & FLAG_SIGNED) !== 0 && rng.chance(0.9);
  const f = rng.int(10);
  const form: Form = signed
    ? (f < 8 ? "async" : "stream")
    : f < 6
    ? "sync"
    : f < 8
    ? "async"
    : "stream";
  const chunks: number[] = [];
  if (form === "stream" && rng.chance(0.1)) {
    // a header that claims far more bytes than the stream will give
    const parts = unframe(bytes);
    if (parts !== undefined) {
      const claim = frame(parts.flags, [], parts.version).subarray(0, 6);
      const huge = rng.pick([2 ** 31, 2 ** 36, 2 ** 48, 2 ** 53 - 1]);
      bytes = Uint8Array.from([...claim, ...varint(huge), ...parts.body]);
      origin += " +length claim";
    }
  }
  if (form === "stream") {
    let left = bytes.length;
    while (left > 0) {
      const c = rng.chance(0.5) ? left : 1 + rng.int(Math.max(1, left));
      chunks.push(c);
      left -= c;
    }
    if (rng.chance(0.1)) chunks.push(0);
  }
  const shared = rng.chance(0.03);
  return { origin, bytes, form, allowCode, signed, chunks, shared };
}
