/**
 * The valid pickles the mutator starts from: one per tag (tests/fixtures/golden.json, code
 * tags included), the data fixtures of tests/fixtures/*.ts pickled by this process, a few
 * settled promises, and signed copies of all of them. Deterministic on one runtime, so a seed
 * replays the same cases.
 *
 * @module
 */

import { dumps, dumpsSync } from "../../mod.ts";
import { FLAG_CODE, FLAG_SIGNED } from "../../lib/format/tags.ts";
import { frame, sign, unframe, unhex } from "./bytes.ts";
import golden from "../fixtures/golden.json" with { type: "json" };
import { collectionFixtures } from "../fixtures/collections.ts";
import { errorFixtures } from "../fixtures/errors.ts";
import { objectFixtures } from "../fixtures/objects.ts";
import { primitiveFixtures } from "../fixtures/primitives.ts";
import { binaryFixtures } from "../fixtures/binary.ts";

/** One valid pickle. */
export interface Seed {
  name: string;
  bytes: Uint8Array;
  code: boolean;
  signed: boolean;
}

/** Seeds larger than this are left out. */
const MAX_SEED_BYTES = 8192;

/** Every seed pickle, signed ones after their unsigned originals. */
export async function buildCorpus(): Promise<Seed[]> {
  const plain: Seed[] = [];
  const add = (name: string, bytes: Uint8Array) => {
    // large seeds make mutations slow and add little: sizes are the attacks' business
    if (bytes.length > MAX_SEED_BYTES) return;
    plain.push({ name, bytes, code: (bytes[5] & FLAG_CODE) !== 0, signed: false });
  };
  for (const [name, h] of Object.entries(golden as Record<string, string>)) add(name, unhex(h));
  const fixtures = [
    ...primitiveFixtures,
    ...collectionFixtures,
    ...objectFixtures,
    ...errorFixtures,
    ...binaryFixtures,
  ];
  for (const f of fixtures) {
    try {
      add(f.name, dumpsSync(f.value()));
    } catch {
      // a fixture that needs the async form or a runtime feature missing here
    }
  }
  const settled = [
    Promise.resolve(1),
    Promise.resolve({ a: [1, 2] }),
    Promise.reject(new TypeError("no")),
  ];
  for (const p of settled) p.catch(() => {});
  await Promise.allSettled(settled);
  add("promises", await dumps({ ok: settled[0], obj: settled[1], bad: settled[2] }));
  add("blob", await dumps([new Blob(["hi"], { type: "text/plain" })]));
  const signed: Seed[] = [];
  for (const s of plain) {
    const parts = unframe(s.bytes)!;
    const bytes = await sign(frame(parts.flags | FLAG_SIGNED, parts.body, parts.version));
    signed.push({ ...s, name: `${s.name} (signed)`, bytes, signed: true });
  }
  return [...plain, ...signed];
}
