// Attacks on the bytes of the format, one test per attack, named for what it stages: claimed
// lengths beyond or short of the input, huge counts inside the body, nesting bombs.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { dumpsSync, FORMAT_VERSION, load, loads, loadsSync } from "../mod.ts";
import {
  bodyOf,
  bytesEqual,
  concat,
  expectUnpicklingError,
  expectUnpicklingErrorAsync,
  loadsOrUnpicklingError,
  MAGIC,
  nestedArray,
  nestedObject,
  parseHeader,
  streamOf,
  valueOrUnpicklingError,
  varint,
  withHeader,
} from "./helpers.ts";

const FLAGS_PLAIN = dumpsSync(0)[5];

describe("adversarial input: claimed lengths", () => {
  it("a claimed length beyond the input", async () => {
    const body = bodyOf(dumpsSync({ a: 1 }));
    for (const n of [body.length + 1, body.length + 1000, 2 ** 31, 1e9, 2 ** 40, 2 ** 53 - 1]) {
      const bad = concat(MAGIC, new Uint8Array([FORMAT_VERSION, FLAGS_PLAIN]), varint(n), body);
      expectUnpicklingError(() => loadsSync(bad), bad);
      await expectUnpicklingErrorAsync(() => loads(bad), bad);
      await expectUnpicklingErrorAsync(() => load(streamOf([bad])));
    }
  });

  it("a claimed length shorter than the body", () => {
    const body = bodyOf(dumpsSync({ a: [1, 2, 3] }));
    for (const n of [0, 1, body.length - 1]) {
      const bad = concat(
        MAGIC,
        new Uint8Array([FORMAT_VERSION, FLAGS_PLAIN]),
        varint(n),
        body,
      );
      expectUnpicklingError(() => loadsSync(bad), bad);
    }
  });

  it("an overlong or unterminated claimed length", () => {
    const head = concat(MAGIC, new Uint8Array([FORMAT_VERSION, FLAGS_PLAIN]));
    const cases = [
      concat(head, new Uint8Array(12).fill(0xff), new Uint8Array([0x01, 0x60])),
      concat(head, new Uint8Array(40).fill(0x80)),
      concat(head, new Uint8Array([0x80])),
      concat(head, new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f])),
    ];
    for (const bad of cases) expectUnpicklingError(() => loadsSync(bad), bad);
  });
  it("huge counts and lengths claimed inside the body fail fast", () => {
    // replace every body byte in turn by a 9-byte varint of 2**62-ish
    const p = dumpsSync({ s: "abc", a: [1, 2], m: new Map([[1, 2]]), t: new Uint8Array(4) });
    const h = parseHeader(p);
    const body = p.subarray(h.bodyStart);
    const huge = new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]);
    for (let i = 1; i < body.length; i++) {
      const nb = concat(body.subarray(0, i), huge, body.subarray(i + 1));
      const bad = withHeader(nb, FORMAT_VERSION, h.flags);
      const t0 = performance.now();
      valueOrUnpicklingError(() => loadsSync(bad), bad);
      assert.ok(performance.now() - t0 < 2000, `slow on position ${i}`);
    }
  });
});
/**
 * Builds the body of a pickle of `make(depth)` for a depth too big to dump
 * directly, from the bytes of small depths: body(n) = A + p^n + M + s^n + B.
 */
function craftNested(make: (n: number) => unknown, depth: number): Uint8Array {
  const body = (n: number) => bodyOf(dumpsSync(make(n))).slice();
  for (const n0 of [4, 5, 6, 7]) {
    const x = body(n0);
    const y = body(n0 + 1);
    let lcp = 0;
    while (lcp < x.length && x[lcp] === y[lcp]) lcp++;
    let lcs = 0;
    while (lcs < x.length - lcp && x[x.length - 1 - lcs] === y[y.length - 1 - lcs]) lcs++;
    const A = x.subarray(0, lcp);
    const B = x.subarray(x.length - lcs);
    const M = x.subarray(lcp, x.length - lcs);
    const Mp = y.subarray(lcp, y.length - lcs);
    for (let k = 0; k + M.length <= Mp.length; k++) {
      if (!bytesEqual(Mp.subarray(k, k + M.length), M)) continue;
      const p = Mp.subarray(0, k);
      const s = Mp.subarray(k + M.length);
      const build = (n: number) => {
        const reps = n - n0;
        const out = new Uint8Array(A.length + M.length + B.length + reps * (p.length + s.length));
        let o = 0;
        out.set(A, o);
        o += A.length;
        for (let i = 0; i < reps; i++, o += p.length) out.set(p, o);
        out.set(M, o);
        o += M.length;
        for (let i = 0; i < reps; i++, o += s.length) out.set(s, o);
        out.set(B, o);
        return out;
      };
      if (bytesEqual(build(n0 + 9), body(n0 + 9)) && bytesEqual(build(n0 + 20), body(n0 + 20))) {
        return build(depth);
      }
    }
  }
  throw new Error("could not derive a nesting unit from the pickles");
}

describe("adversarial input: nesting bombs", () => {
  const DEPTH = 1_000_000;
  for (
    const [name, make] of [
      ["arrays", (n: number) => nestedArray(n)],
      ["objects", (n: number) => nestedObject(n)],
      ["Maps", (n: number) => {
        let v: unknown = 0;
        for (let i = 0; i < n; i++) v = new Map([[0, v]]);
        return v;
      }],
    ] as const
  ) {
    it(`a nesting bomb of ${name} ${DEPTH} levels deep loads or is refused (no stack overflow)`, async () => {
      const body = craftNested(make, DEPTH);
      const flags = dumpsSync(make(3))[5];
      const p = withHeader(body, FORMAT_VERSION, flags);
      let v: unknown;
      let loaded = false;
      try {
        v = loadsSync(p);
        loaded = true;
      } catch (e) {
        expectUnpicklingError(() => {
          throw e;
        }, p);
      }
      if (loaded) {
        let d = 0;
        while (typeof v === "object" && v !== null && d <= DEPTH) {
          v = Array.isArray(v) ? v[0] : v instanceof Map ? v.get(0) : (v as { a: unknown }).a;
          d++;
        }
        assert.equal(d, DEPTH, "the loaded value has the crafted depth");
        v = undefined;
      }
      await loadsOrUnpicklingError(p);
    });
  }
});
