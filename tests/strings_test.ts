// Strings in large pickles: ASCII strings are cut out of decoded chunks of the pickle, so
// these check every length around the chunk and path limits, strings that straddle chunk
// ends, binary bytes (>= 0x80) between strings, and that nothing decoded for one load is
// reused by the next (another pickle, or the same bytes changed in place).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { dumpsSync, FORMAT_VERSION, loadsSync } from "../mod.ts";
import { bodyOf, concat, expectUnpicklingError, hexOf, varint, withHeader } from "./helpers.ts";

/** A deterministic string of `n` code units, ASCII or with a non-ASCII unit at `odd`. */
function text(n: number, seed: number, odd = -1): string {
  let s = "";
  for (let i = 0; i < n; i++) {
    s += i === odd ? "é" : String.fromCharCode(33 + ((seed * 31 + i * 7) % 94));
  }
  return s;
}

/** Values with strings of many lengths, separated by bytes past 0x7f. */
function mixed(count: number, seed: number): unknown[] {
  const out: unknown[] = [];
  for (let i = 0; i < count; i++) {
    const n = (i * 37 + seed) % 1100;
    out.push(text(n, i + seed, i % 9 === 0 ? n >> 1 : -1));
    if (i % 3 === 0) out.push(0.5 + i * 1e-7, -(i * 977));
    if (i % 5 === 0) out.push(new Uint8Array([0x80, 0xff, 0xc3, 0xa9, 0x7f]));
  }
  return out;
}

describe("strings in large pickles", () => {
  it("every length up to past the path limits comes back exactly", () => {
    const values: string[] = [];
    for (let n = 0; n <= 1100; n++) values.push(text(n, n));
    for (const n of [4095, 4096, 4097, 9000]) values.push(text(n, n));
    const out = loadsSync(dumpsSync(values)) as string[];
    assert.equal(out.length, values.length);
    for (let i = 0; i < values.length; i++) assert.ok(out[i] === values[i], `string ${i}`);
  });

  it("strings that straddle chunk ends, between binary bytes, come back exactly", () => {
    const value = mixed(3000, 1);
    const bytes = dumpsSync(value);
    assert.ok(bytes.length > 64 * 1024, "pickle spans many chunks");
    const out = loadsSync(bytes) as unknown[];
    assert.equal(out.length, value.length);
    for (let i = 0; i < value.length; i++) {
      if (typeof value[i] === "string") assert.ok(out[i] === value[i], `item ${i}`);
    }
    assert.deepEqual(out, value);
  });

  for (const [count, n] of [[10, 100], [10, 20], [400, 40], [400, 100]]) {
    it(`two loads never share decoded text (${count} strings of ${n}): other pickle, or the same bytes changed in place`, () => {
      const a = Array.from({ length: count }, (_, i) => text(n, i));
      const b = Array.from({ length: count }, (_, i) => text(n, i + 1000));
      const pa = dumpsSync(a);
      const pb = dumpsSync(b);
      assert.equal(pa.length, pb.length, "same layout, other text");
      assert.deepEqual(loadsSync(pa), a);
      assert.deepEqual(loadsSync(pb), b);
      assert.deepEqual(loadsSync(pa), a);
      const same = pa.slice();
      assert.deepEqual(loadsSync(same), a);
      same.set(pb);
      assert.deepEqual(loadsSync(same), b, "the changed bytes are read again");
    });
  }

  it("a string inside a larger buffer (byteOffset) reads from its own bytes", () => {
    const value = mixed(300, 7);
    const bytes = dumpsSync(value);
    const host = new Uint8Array(bytes.length + 100).fill(0x41);
    host.set(bytes, 37);
    assert.deepEqual(loadsSync(host.subarray(37, 37 + bytes.length)), value);
  });

  it("arbitrary strings in large arrays round-trip exactly (property)", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.string({ unit: "binary-ascii", maxLength: 1200 }),
            fc.string({ unit: "binary", maxLength: 80 }),
            fc.string({ unit: "grapheme-ascii", maxLength: 40 }),
            fc.double(),
          ),
          { maxLength: 300 },
        ),
        (value) => {
          const bytes = dumpsSync(value);
          const out = loadsSync(bytes) as unknown[];
          assert.equal(out.length, value.length, hexOf(bytes, 64));
          for (let i = 0; i < value.length; i++) {
            assert.ok(Object.is(out[i], value[i]), `item ${i} of ${hexOf(bytes, 64)}`);
          }
        },
      ),
      { seed: 6161, numRuns: 150 },
    );
  });

  it("each string is written in its documented encoding", () => {
    const tagOf = (v: string): number[] => [...bodyOf(dumpsSync(v)).subarray(0, 3)];
    assert.deepEqual(tagOf("hi"), [0x42, 0x68, 0x69], "short Latin-1: length in the tag");
    assert.deepEqual([...bodyOf(dumpsSync("é"))], [0x41, 0xe9], "U+00E9 takes one byte");
    assert.deepEqual(tagOf("xy中"), [0x6b, 5, 0x78], "past U+00FF, smaller as UTF-8: STR8");
    assert.deepEqual(tagOf("中"), [0x6d, 1, 0x2d], "no larger as UTF-16: STR16");
    assert.deepEqual(tagOf("x".repeat(40)), [0x92, 40, 0x78], "Latin-1 of 32..63 units: LATIN1");
    assert.deepEqual(tagOf("x".repeat(200)), [0x92, 0xc8, 0x01], "long ASCII: LATIN1, varint");
    const long8 = bodyOf(dumpsSync("é ".repeat(100)));
    assert.deepEqual([...long8.subarray(0, 5)], [0x6c, 44, 1, 0, 0], "long non-ASCII: STR32");
    assert.equal(long8.length, 5 + 300);
    const long16 = bodyOf(dumpsSync("中".repeat(200)));
    assert.deepEqual([...long16.subarray(0, 4)], [0x6d, 0xc8, 0x01, 0x2d], "long CJK: STR16");
    assert.equal(long16.length, 3 + 400);
    assert.equal(bodyOf(dumpsSync("a\uD800")).at(0), 0x6d, "lone surrogate: STR16");
  });

  it("the same text in every string representation is written as the same bytes", () => {
    // Flat, built by += (cons strings), sliced, internalized (object keys), one- and
    // two-byte: the writer reads them all alike, also once it has seen every kind.
    const words = ["plain", "café", "привет", "日本語", "🚀", "a\uD800b", "x".repeat(70)];
    const forms = (w: string): string[] => {
      let cons = "";
      for (const ch of w) cons += ch;
      const wide = `<${w}>${"中".repeat(40)}`;
      return [
        w,
        cons,
        wide.slice(1, 1 + w.length),
        JSON.parse(JSON.stringify(w)),
        Object.keys({ [w]: 1 })[0],
        String.fromCharCode(...Array.from({ length: w.length }, (_, i) => w.charCodeAt(i))),
        (w + " ").trimEnd(),
      ];
    };
    const all: string[][] = [];
    for (let round = 0; round < 3; round++) {
      for (const w of words) {
        const fs = forms(w);
        all.push(fs);
        const want = dumpsSync(w);
        for (const [i, f] of fs.entries()) {
          assert.equal(f, w);
          assert.deepEqual(dumpsSync(f), want, `${JSON.stringify(w)}, form ${i}`);
        }
      }
    }
    // And all of them in one array, mixed, come back exactly.
    const flat = all.flat();
    const back = loadsSync(dumpsSync(flat)) as string[];
    assert.equal(back.length, flat.length);
    for (let i = 0; i < flat.length; i++) assert.ok(back[i] === flat[i], `item ${i}`);
  });

  it("Latin-1 strings past 0x7f of every short length and some long ones come back", () => {
    for (let n = 1; n < 300; n++) {
      const v = Array.from({ length: n }, (_, i) => String.fromCharCode(0x80 + ((i * 13) % 128)))
        .join("");
      assert.ok(loadsSync(dumpsSync(v)) === v, `length ${n}`);
    }
  });

  it("malformed strings fail with the offset: LATIN1 past the end, bad UTF-8 in STR8", () => {
    const past = withHeader(
      concat(new Uint8Array([0x92]), varint(50), new Uint8Array(10)),
      FORMAT_VERSION,
      0,
    );
    const e1 = expectUnpicklingError(() => loadsSync(past), past);
    assert.match(e1.message, /truncated|past the end/);
    const bad = withHeader(new Uint8Array([0x6b, 2, 0xc3, 0x28]), FORMAT_VERSION, 0);
    const e2 = expectUnpicklingError(() => loadsSync(bad), bad);
    assert.match(e2.message, /not valid UTF-8/);
    assert.equal(e2.offset, 9, "offset of the string's bytes");
  });
});
