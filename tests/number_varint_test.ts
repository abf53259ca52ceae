// Numbers and Dates at every varint boundary: the bytes of an integer are its tag and the
// LEB128 varint of its magnitude (past 2^28 split by one division), and every number and
// Date time comes back exactly (negative, 2^31, 2^53, -0, NaN, fractions, infinities).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { dumpsSync, loadsSync } from "../mod.ts";
import { ByteWriter } from "../lib/format/writer.ts";
import { INT_NEG, INT_POS } from "../lib/format/tags.ts";

/** LEB128 by the definition: 7 bits at a time, low first. */
function leb128(n: number): number[] {
  const out: number[] = [];
  while (n >= 128) {
    out.push((n % 128) | 128);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}

const boundaries: number[] = [];
for (let bits = 6; bits <= 53; bits++) {
  const p = 2 ** bits;
  boundaries.push(p - 1, p, p + 1);
}
boundaries.push(2 ** 31, 2 ** 32, 1_705_320_000_000, Number.MAX_SAFE_INTEGER);
const safe = boundaries.filter((n) => Number.isSafeInteger(n));

describe("numbers at varint boundaries", () => {
  it("the writer's varint is LEB128 for every boundary and random magnitudes", () => {
    const w = new ByteWriter();
    const values = [...safe];
    let x = 0x2545f491;
    for (let i = 0; i < 5000; i++) {
      x = (x * 1103515245 + 12345) % 2147483648;
      values.push(Math.floor((x / 2147483648) * 2 ** (x % 54)));
    }
    for (const n of values) {
      w.reset(0);
      w.varint(n);
      assert.deepEqual([...w.buf.subarray(0, w.pos)], leb128(n), `varint(${n})`);
    }
  });

  it("integers, positive and negative, are their tag and varint, and round-trip", () => {
    for (const n of safe) {
      if (n < 64) continue;
      for (const v of [n, -n]) {
        const body = dumpsSync(v).subarray(7);
        assert.deepEqual([...body], [v > 0 ? INT_POS : INT_NEG, ...leb128(n)], `bytes of ${v}`);
        assert.equal(loadsSync(dumpsSync(v)), v);
      }
    }
  });

  it("-0, NaN, infinities, fractions and unsafe integers round-trip", () => {
    const odd = [
      -0,
      0,
      NaN,
      Infinity,
      -Infinity,
      0.5,
      -1.25,
      2 ** 53,
      -(2 ** 53),
      2 ** 53 + 2,
      1e21,
      Number.MIN_VALUE,
      Number.MAX_VALUE,
      1_705_320_000_000.5,
    ];
    for (const v of odd) assert.ok(Object.is(loadsSync(dumpsSync(v)), v), String(v));
    const arr = loadsSync<number[]>(dumpsSync([...odd, ...safe, ...safe.map((n) => -n)]));
    assert.ok(Object.is(arr[0], -0));
    assert.deepEqual(arr.slice(odd.length), [...safe, ...safe.map((n) => -n)]);
  });

  it("Dates at the same boundaries round-trip, negative and invalid ones too", () => {
    const max = 8.64e15;
    const times = [...safe, ...safe.map((n) => -n), 0, -0, -1, max, -max].filter((t) =>
      Math.abs(t) <= max
    );
    const dates = times.map((t) => new Date(t));
    dates.push(new Date(NaN));
    const out = loadsSync<Date[]>(dumpsSync(dates));
    for (let i = 0; i < dates.length; i++) {
      assert.ok(out[i] instanceof Date);
      assert.ok(Object.is(out[i].getTime(), dates[i].getTime()), String(dates[i].getTime()));
    }
    // In records, as the records of the bench carry them.
    const rows = times.map((t, i) => ({ i, at: t, when: new Date(t) }));
    assert.deepEqual(loadsSync(dumpsSync(rows, { fidelity: "structured" })), rows);
  });
});

describe("floats read from each pickle's own bytes", () => {
  it("loads read floats, 64-bit BigInts and Dates of the pickle at hand, at any offset", () => {
    // The reader is reused between loads and makes its DataView on first use: each load must
    // read its own bytes, also from a view at an odd offset of a larger buffer.
    const values = [0.5, -1.25e300, Math.PI, 2n ** 63n + 5n, new Date(-86_400_000)];
    for (let round = 0; round < 3; round++) {
      for (const v of values) {
        const bytes = dumpsSync([v, round + 0.25]);
        const shifted = new Uint8Array(bytes.length + 3);
        shifted.set(bytes, 3);
        for (const input of [bytes, shifted.subarray(3)]) {
          const [got, r] = loadsSync<[unknown, number]>(input);
          if (v instanceof Date) assert.equal((got as Date).getTime(), -86_400_000);
          else assert.equal(got, v);
          assert.equal(r, round + 0.25);
        }
      }
      // A pickle without any float between two with floats.
      assert.deepEqual(loadsSync(dumpsSync([1, "a"])), [1, "a"]);
    }
  });
});
