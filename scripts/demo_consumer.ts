/**
 * Consumer half of `npm run demo`: reads a pickle from standard input (written by
 * scripts/demo_producer.ts under the other runtime), loads it with `loads` and checks that
 * values, identities and cycles came through. Exits 1 if a check fails.
 *
 * @module
 */

import { loads } from "../mod.ts";
import { parse } from "meriyah";
import { exit, readStdin, runtimeName } from "./demo_runtime.ts";

// deno-lint-ignore no-explicit-any
type Shipment = Record<string, any>;

interface Check {
  /** what is shown when the check passes */
  says: string;
  test: (v: Shipment) => boolean;
}

/**
 * One check per entry of valuesToShip() in demo_producer.ts. Entries without a check are
 * listed as "not checked"; checks whose entry is missing fail.
 */
const CHECKS: Record<string, Check> = {
  producedBy: {
    says: "came from the other runtime",
    test: (v) => typeof v.producedBy === "string" && v.producedBy !== runtimeName(),
  },
  owner: {
    says: "a plain object",
    test: (v) => v.owner.name === "Ada" && v.owner.roles.join() === "admin,author",
  },
  index: {
    says: "Map whose key is the same object as `owner`, and a symbol key",
    test: (v) =>
      v.index instanceof Map && v.index.get(v.owner) === "the owner" &&
      v.index.get("plain") === 42 && v.index.get(v.tags[0]) === "by symbol",
  },
  members: {
    says: "Set holding `owner` itself and a BigInt",
    test: (v) => v.members instanceof Set && v.members.has(v.owner) && v.members.has(7n),
  },
  createdAt: {
    says: "Date, to the millisecond",
    test: (v) =>
      v.createdAt instanceof Date && v.createdAt.toISOString() === "2024-02-29T12:30:00.000Z",
  },
  pattern: {
    says: "RegExp with its flags and lastIndex",
    test: (v) =>
      v.pattern instanceof RegExp && v.pattern.source === "cloud(pickle)?" &&
      v.pattern.flags === "giu" && v.pattern.lastIndex === 3,
  },
  big: {
    says: "BigInt 2**100 + 1",
    test: (v) => v.big === 2n ** 100n + 1n,
  },
  ring: {
    says: "cycle first -> second -> first",
    test: (v) => v.ring.next.name === "second" && v.ring.next.next === v.ring,
  },
  bytes: {
    says: "Uint8Array over a 16-byte buffer",
    test: (v) => v.bytes instanceof Uint8Array && v.bytes.byteLength === 16 && v.bytes[7] === 8,
  },
  floats: {
    says: "Float32Array sharing that buffer: a write through one shows in the other",
    test: (v) => {
      const floats: Float32Array = v.floats;
      const bytes: Uint8Array = v.bytes;
      if (!(floats instanceof Float32Array) || floats.buffer !== bytes.buffer) return false;
      const before = [...floats];
      bytes.fill(0, 8);
      return floats.byteOffset === 8 && before.join() === "1.5,-2.25" &&
        floats.every((f) => f === 0);
    },
  },
  error: {
    says: "TypeError with a RangeError cause",
    test: (v) =>
      v.error instanceof TypeError && v.error.message === "could not connect" &&
      v.error.cause instanceof RangeError && v.error.cause.message === "port 70000 out of range",
  },
  tags: {
    says: "one unique symbol, used twice, still one symbol",
    test: (v) =>
      typeof v.tags[0] === "symbol" && v.tags[0] === v.tags[1] &&
      v.tags[0].description === "request-id" && v.tags[0] !== Symbol.for("request-id"),
  },
  specials: {
    says: "NaN, -0, Infinity, undefined, null",
    test: (v) =>
      v.specials.length === 5 && Number.isNaN(v.specials[0]) && Object.is(v.specials[1], -0) &&
      v.specials[2] === Infinity && v.specials[3] === undefined && 3 in v.specials &&
      v.specials[4] === null,
  },
  counter: {
    says: "two closures sharing one captured state: next() then peek()",
    test: (v) => v.counter.next() === 42 && v.counter.peek() === 42,
  },
  withTax: {
    says: "a closure over a captured rate, run here",
    test: (v) => v.withTax(100) === 120,
  },
  fib: {
    says: "a function recursive through its own name",
    test: (v) => v.fib(10) === 55,
  },
  evens: {
    says: "a generator function",
    test: (v) => [...v.evens(3)].join() === "0,2,4",
  },
  parse: {
    says: "an npm package's function, by reference: this runtime's own meriyah parse",
    test: (v) => v.parse === parse && v.parse("1 + 2").body[0].type === "ExpressionStatement",
  },
};

const here = runtimeName();
const pickle = await readStdin();
const values = await loads<Shipment>(pickle);
console.log(`${here}: loaded ${pickle.length} bytes pickled by ${values.producedBy}`);

let failed = 0;
for (const [name, check] of Object.entries(CHECKS)) {
  let ok = false;
  let problem = "";
  try {
    ok = name in values && check.test(values);
  } catch (err) {
    problem = ` (${err instanceof Error ? err.message : String(err)})`;
  }
  if (!ok) failed++;
  console.log(`  ${ok ? "ok  " : "FAIL"} ${name.padEnd(10)} ${check.says}${problem}`);
}
for (const name of Object.keys(values)) {
  if (!(name in CHECKS)) console.log(`  --   ${name.padEnd(10)} not checked`);
}
console.log(
  failed === 0
    ? `${here}: all ${Object.keys(CHECKS).length} checks passed`
    : `${here}: ${failed} of ${Object.keys(CHECKS).length} checks FAILED`,
);
exit(failed === 0 ? 0 : 1);
