/**
 * Producer half of `npm run demo`: builds a graph of values, pickles it with `dumps` and writes
 * the pickle to standard output. Runs under Deno or Bun; scripts/demo.mjs pipes the bytes into
 * scripts/demo_consumer.ts running under the other runtime. Messages go to standard error.
 *
 * @module
 */

import { closure, dumps } from "../mod.ts";
import { explain, formatBytes } from "../explain.ts";
import { parse } from "meriyah";
import { runtimeName, writeStdout } from "./demo_runtime.ts";

declare const taxRate: number;

interface RingNode {
  name: string;
  next?: RingNode;
}

/**
 * A counter whose two closures share one captured `let`: after loading, `next` and `peek`
 * still share it. dumps() reads `n` from the real closure scope (Deno: the inspector; Bun:
 * the preload), with no annotation at all.
 */
function makeCounter(start: number): { next: () => number; peek: () => number } {
  let n = start;
  return { next: () => ++n, peek: () => n };
}

/**
 * The values to ship. Every entry is pickled under its name, and demo_consumer.ts checks the
 * entries it knows (see CHECKS there). To ship something new, add an entry here and a check
 * there.
 */
export function valuesToShip(): Record<string, unknown> {
  const owner = { name: "Ada", roles: ["admin", "author"] };
  const tag = Symbol("request-id"); // a unique symbol: only its identity ties its uses

  const buffer = new ArrayBuffer(16);
  const bytes = new Uint8Array(buffer); // views the whole buffer
  const floats = new Float32Array(buffer, 8, 2); // views the last 8 bytes of the same buffer
  bytes.set([1, 2, 3, 4, 5, 6, 7, 8]);
  floats.set([1.5, -2.25]);

  const first: RingNode = { name: "first" };
  const second: RingNode = { name: "second", next: first };
  first.next = second; // a cycle: first -> second -> first

  const pattern = /cloud(pickle)?/giu;
  pattern.lastIndex = 3;

  return {
    producedBy: runtimeName(),
    owner,
    index: new Map<unknown, unknown>([[owner, "the owner"], ["plain", 42], [tag, "by symbol"]]),
    members: new Set<unknown>([owner, "guest", 7n]),
    createdAt: new Date(Date.UTC(2024, 1, 29, 12, 30, 0)),
    pattern,
    big: 2n ** 100n + 1n,
    ring: first,
    bytes,
    floats,
    error: new TypeError("could not connect", { cause: new RangeError("port 70000 out of range") }),
    tags: [tag, tag],
    specials: [NaN, -0, Infinity, undefined, null],
    counter: makeCounter(41),
    withTax: closure({ taxRate: 0.2 }, (net: number) => Math.round(net * (1 + taxRate))),
    fib: function fib(n: number): number {
      return n < 2 ? n : fib(n - 1) + fib(n - 2);
    },
    evens: function* (count: number) {
      for (let i = 0; i < count; i++) yield 2 * i;
    },
    // An npm package's export: by reference ("npm:meriyah@…", export "parse"), imported there.
    parse,
  };
}

const values = valuesToShip();
const pickle = await dumps(values);
console.error(
  `${runtimeName()}: pickled ${Object.keys(values).length} values into ${pickle.length} bytes`,
);
// What travels and why (explain): each function and class, and the largest parts.
const report = await explain(values, { top: 3 });
for (const f of report.functions) {
  console.error(`  ${f.path}: ${f.kind} by ${f.travel} (${f.reason}), ${formatBytes(f.bytes)}`);
}
for (const c of report.largest) console.error(`  largest: ${c.path} ${formatBytes(c.selfBytes)}`);
await writeStdout(pickle);
