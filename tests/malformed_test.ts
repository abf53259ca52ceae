// Malformed input: every failure is an UnpicklingError (never another error
// type, never a RangeError, never a hang), plus seeded fuzzing with fast-check. Crafted
// attacks on the format's lengths and nesting: adversarial_input_test.ts.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { closure, dumpsSync, FORMAT_VERSION, load, loads, loadsSync, reduce } from "../mod.ts";
import {
  bytesEqual,
  concat,
  expectUnpicklingError,
  expectUnpicklingErrorAsync,
  loadsOrUnpicklingError,
  MAGIC,
  parseHeader,
  streamOf,
  valueOrUnpicklingError,
  withHeader,
} from "./helpers.ts";

class Reducing {
  [reduce](): unknown {
    return [Array.of, [1, "x"]];
  }
}

/** Valid pickles covering every tag family. */
function corpusValues(): unknown[] {
  const shared = { s: "shared" };
  const cyc: Record<string, unknown> = { name: "cycle" };
  cyc.self = cyc;
  const buf = new ArrayBuffer(16);
  const sparse: unknown[] = [];
  sparse[1000] = 1;
  const withDesc = Object.defineProperty({ a: 1 }, "hidden", { value: 2, enumerable: false });
  return [
    { a: [1, "two", 3n, -0, NaN, 1.5, -(2n ** 100n)], b: null, c: undefined, d: true },
    ["", "é", "中文", "😀", "\uD800", "x".repeat(40), "y".repeat(300)],
    new Map<unknown, unknown>([["k", shared], [shared, new Set([1, shared])]]),
    [new Uint8Array(buf, 0, 4), new DataView(buf, 4), new Float64Array([1, NaN]), buf],
    new TypeError("bad", { cause: new Error("inner") }),
    [new DOMException("stop", "AbortError"), Object.assign(new RangeError("r"), { code: 1 })],
    [new Date(12345), new Date(NaN), /a+b/gimsuy],
    sparse,
    [Symbol.for("reg"), Symbol.iterator, Symbol("u"), Object(1n), new String("s")],
    Object.assign(Object.create(null), { n: 1 }),
    Object.freeze([withDesc, cyc]),
    [Math.max, JSON.parse, new Reducing()],
    new URL("https://example.com/a?b=c"),
    [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 100, 1000, 100000, 2 ** 40, -5],
    { x: { y: { z: [[[[]]]] } } },
    codeValues(),
  ];
}

/** Functions, scopes, classes and instances: the code tags. */
function codeValues(): unknown {
  const state = { n: 1 };
  const inc = closure({ state }, () => ++state.n);
  const get = closure({ state }, () => state.n);
  class Base {
    constructor(public v: number) {}
    twice(): number {
      return 2 * this.v;
    }
  }
  class Derived extends Base {
    static label = "d";
    more(): number {
      return this.v + 1;
    }
  }
  closure({ Base }, Derived);
  class Tally extends Map<string, number> {}
  return [
    inc,
    get,
    function* g() {
      yield 1;
    },
    new Derived(3),
    Derived.prototype,
    new Tally([["a", 1]]),
    {
      m() {
        return 1;
      },
    }.m,
  ];
}

const corpus: Uint8Array[] = corpusValues().map((v) => dumpsSync(v));
const FLAGS_PLAIN = dumpsSync(0)[5];

describe("malformed input: header", () => {
  it("empty input", async () => {
    expectUnpicklingError(() => loadsSync(new Uint8Array(0)));
    expectUnpicklingError(() => loadsSync(new ArrayBuffer(0)));
    await expectUnpicklingErrorAsync(() => loads(new Uint8Array(0)));
    await expectUnpicklingErrorAsync(() => load(streamOf([])));
  });

  it("wrong magic (each magic byte)", async () => {
    const good = dumpsSync({ a: 1 });
    for (let i = 0; i < 4; i++) {
      for (const v of [0x00, 0xff, good[i] ^ 0x20]) {
        const bad = good.slice();
        bad[i] = v;
        expectUnpicklingError(() => loadsSync(bad), bad);
        await expectUnpicklingErrorAsync(() => loads(bad), bad);
      }
    }
  });

  it("not a pickle at all", () => {
    for (const text of ["{}", "null", "JSP", "JSPKJSPK", "hello world", "\x80\x05"]) {
      const bytes = new TextEncoder().encode(text);
      expectUnpicklingError(() => loadsSync(bytes), bytes);
    }
  });

  it("wrong version", async () => {
    const good = dumpsSync([1, 2]);
    const versions = [FORMAT_VERSION + 1, 0xff, FORMAT_VERSION - 1].filter((v) =>
      v >= 0 && v <= 0xff && v !== FORMAT_VERSION
    );
    for (const v of versions) {
      const bad = good.slice();
      bad[4] = v;
      expectUnpicklingError(() => loadsSync(bad), bad);
      await expectUnpicklingErrorAsync(() => loads(bad), bad);
      await expectUnpicklingErrorAsync(() => load(streamOf([bad])));
    }
  });

  it("unknown header flags are refused or ignored, never crash", () => {
    const good = dumpsSync({ a: 1 });
    for (let f = 0; f < 256; f++) {
      const bad = good.slice();
      bad[5] = f;
      valueOrUnpicklingError(() => loadsSync(bad), bad);
    }
  });
});

describe("malformed input: truncation and trailing bytes", () => {
  it("every truncation of every corpus pickle (sync)", () => {
    for (const p of corpus) {
      for (let n = 0; n < p.length; n++) {
        const cut = p.slice(0, n);
        expectUnpicklingError(() => loadsSync(cut), cut);
      }
    }
  });

  it("every truncation of a few corpus pickles (async)", async () => {
    for (const p of corpus.slice(0, 3)) {
      for (let n = 0; n < p.length; n++) {
        const cut = p.slice(0, n);
        await expectUnpicklingErrorAsync(() => loads(cut), cut);
      }
    }
  });

  it("trailing garbage after a pickle", async () => {
    for (const p of corpus) {
      for (const extra of [[0], [0x60], [0xff, 0xff], [...MAGIC]]) {
        const bad = concat(p, new Uint8Array(extra));
        expectUnpicklingError(() => loadsSync(bad), bad);
      }
    }
    const bad = concat(corpus[0], new Uint8Array([1, 2, 3]));
    await expectUnpicklingErrorAsync(() => loads(bad), bad);
  });

  it("two pickles back to back are trailing garbage for loads", () => {
    const two = concat(corpus[0], corpus[1]);
    expectUnpicklingError(() => loadsSync(two), two);
  });
});

describe("malformed input: body", () => {
  it("single-byte bodies: every tag loads or is refused; unknown tags are refused", () => {
    let refused = 0;
    for (let t = 0; t < 256; t++) {
      const p = withHeader(new Uint8Array([t]), FORMAT_VERSION, FLAGS_PLAIN);
      if (valueOrUnpicklingError(() => loadsSync(p), p) === "error") refused++;
      for (const tail of [[0], [0xff], [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01]]) {
        const q = withHeader(new Uint8Array([t, ...tail]), FORMAT_VERSION, FLAGS_PLAIN);
        valueOrUnpicklingError(() => loadsSync(q), q);
      }
    }
    assert.ok(refused > 0, "some tag byte is unknown");
  });

  it("empty body", () => {
    const p = withHeader(new Uint8Array(0), FORMAT_VERSION, FLAGS_PLAIN);
    expectUnpicklingError(() => loadsSync(p), p);
  });

  it("every single-byte substitution of a small pickle", () => {
    const p = dumpsSync({ a: [1, "b", new Map([[2n, null]])], d: new Date(0) });
    const h = parseHeader(p);
    for (let i = h.bodyStart; i < p.length; i++) {
      for (let v = 0; v < 256; v++) {
        if (v === p[i]) continue;
        const bad = p.slice();
        bad[i] = v;
        valueOrUnpicklingError(() => loadsSync(bad), bad);
      }
    }
  });
});

describe("fuzz (fast-check, fixed seeds)", () => {
  const SEED = 20240611;

  it("random byte strings are refused", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        if (bytes.length >= 4 && bytesEqual(bytes.subarray(0, 4), MAGIC)) {
          valueOrUnpicklingError(() => loadsSync(bytes), bytes);
        } else {
          expectUnpicklingError(() => loadsSync(bytes), bytes);
        }
      }),
      { seed: SEED, numRuns: 500 },
    );
  });

  it("random bodies behind a valid header load or are refused", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 80 }),
        fc.constantFrom(0, 1, 2),
        (body, flags) => {
          const p = withHeader(body, FORMAT_VERSION, flags);
          valueOrUnpicklingError(() => loadsSync(p), p);
        },
      ),
      { seed: SEED + 1, numRuns: 1500 },
    );
  });

  it("random tag-biased bodies load or are refused", () => {
    // bytes drawn mostly from the range where tags live in a typical format
    const tagByte = fc.oneof(
      fc.integer({ min: 0x60, max: 0x8f }),
      fc.integer({ min: 0, max: 0x7f }),
      fc.integer({ min: 0, max: 255 }),
    );
    fc.assert(
      fc.property(fc.array(tagByte, { minLength: 1, maxLength: 60 }), (arr) => {
        const p = withHeader(new Uint8Array(arr), FORMAT_VERSION, FLAGS_PLAIN);
        valueOrUnpicklingError(() => loadsSync(p), p);
      }),
      { seed: SEED + 2, numRuns: 1500 },
    );
  });

  it("mutations of valid pickles load or are refused", () => {
    const mutation = fc.oneof(
      fc.record({ kind: fc.constant("set" as const), at: fc.nat(), byte: fc.nat(255) }),
      fc.record({ kind: fc.constant("flip" as const), at: fc.nat(), bit: fc.nat(7) }),
      fc.record({ kind: fc.constant("insert" as const), at: fc.nat(), byte: fc.nat(255) }),
      fc.record({ kind: fc.constant("delete" as const), at: fc.nat() }),
    );
    fc.assert(
      fc.property(
        fc.nat(corpus.length - 1),
        fc.array(mutation, { minLength: 1, maxLength: 4 }),
        fc.boolean(),
        (which, muts, fixLength) => {
          let p: Uint8Array = corpus[which].slice();
          const h = parseHeader(p);
          for (const m of muts) {
            // mostly mutate the body; sometimes the header too
            const at = m.at % p.length;
            if (m.kind === "set") p[at] = m.byte;
            else if (m.kind === "flip") p[at] ^= 1 << m.bit;
            else if (m.kind === "insert") {
              p = concat(p.subarray(0, at), new Uint8Array([m.byte]), p.subarray(at));
            } else if (p.length > 1) p = concat(p.subarray(0, at), p.subarray(at + 1));
          }
          if (fixLength && p.length > h.bodyStart && bytesEqual(p.subarray(0, 4), MAGIC)) {
            p = withHeader(p.subarray(h.bodyStart), p[4], p[5]);
          }
          valueOrUnpicklingError(() => loadsSync(p), p);
        },
      ),
      { seed: SEED + 3, numRuns: 2500 },
    );
  });

  it("bit flips of valid pickles through the async form", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.nat(corpus.length - 1),
        fc.nat(),
        fc.nat(7),
        async (which, at, bit) => {
          const p = corpus[which].slice();
          p[at % p.length] ^= 1 << bit;
          await loadsOrUnpicklingError(p);
        },
      ),
      { seed: SEED + 4, numRuns: 300 },
    );
  });
});
