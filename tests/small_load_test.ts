// The fixed costs of a small load, taken without changing what loads: floats read through
// scratch memory for the first few of a load and through a DataView after that, u32 lengths
// read from their bytes, the arrays a load fills replaced rather than truncated, an object's
// values emptied only when a load fails. Each is checked across loads of other pickles, after
// failures, and through a real subprocess of each runtime.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { dumpsSync, loadsSync, Pickler, type Reduction, UnpicklingError } from "../mod.ts";
import { ByteReader } from "../lib/format/reader.ts";

/** Floats that take the FLOAT64 tag, with the edge cases of the bit layout. */
const FLOATS = [
  0.1,
  -98.25,
  5e-324,
  -5e-324,
  2.2250738585072014e-308,
  1.7976931348623157e308,
  -1.7976931348623157e308,
  Infinity,
  -Infinity,
  2 ** 53 + 2,
  -(2 ** 60),
  Math.PI,
  1 / 3,
  123456.789,
  -0.5,
  1e21,
  7.5,
  -3.25e-7,
  9007199254740993.5,
  0.30000000000000004,
];

describe("floats of small and larger loads", () => {
  it("every float of a message loads exactly, before and past the scratch reads", () => {
    for (let n = 1; n <= FLOATS.length; n++) {
      const msg = { xs: FLOATS.slice(0, n), o: { score: FLOATS[n - 1], s: "é" + n } };
      const back = loadsSync<typeof msg>(dumpsSync(msg));
      assert.deepEqual(back, msg);
      for (let i = 0; i < n; i++) assert.ok(Object.is(back.xs[i], FLOATS[i]), `float ${i} of ${n}`);
    }
  });

  it("floats of one load are not taken from another (pickles at other offsets, Dates)", () => {
    const a = dumpsSync({ x: 1.5, d: new Date(1.25), y: -2.75 });
    const big = new Uint8Array(a.length + 13);
    big.set(a, 13);
    const b = dumpsSync([0.1, 0.2, 0.3, new Date(-8.64e15), 0.4]);
    for (let i = 0; i < 3; i++) {
      const x = loadsSync<{ x: number; d: Date; y: number }>(big.subarray(13));
      assert.equal(x.x, 1.5);
      assert.equal(x.d.getTime(), 1);
      assert.equal(x.y, -2.75);
      const y = loadsSync<unknown[]>(b);
      assert.deepEqual(y, [0.1, 0.2, 0.3, new Date(-8.64e15), 0.4]);
    }
  });

  it("a float cut short is refused at its offset, also as the first float of a load", () => {
    const bytes = dumpsSync([1, 0.1]);
    for (let cut = 1; cut <= 8; cut++) {
      const short = bytes.slice(0, bytes.length - cut);
      // The header's length no longer matches: refused by the header. Fix the length too.
      short[6] -= cut;
      assert.throws(() => loadsSync(short), (e: unknown) => {
        assert.ok(e instanceof UnpicklingError, String(e));
        assert.match((e as Error).message, /truncated/);
        return true;
      });
    }
    // Loads after a refused one read their floats right.
    assert.deepEqual(loadsSync(bytes), [1, 0.1]);
  });

  it("u32 reads every byte, the top one included", () => {
    const cases: [number[], number][] = [
      [[0, 0, 0, 0], 0],
      [[1, 2, 3, 4], 0x04030201],
      [[0xff, 0xff, 0xff, 0x7f], 0x7fffffff],
      [[0, 0, 0, 0x80], 0x80000000],
      [[0xff, 0xff, 0xff, 0xff], 0xffffffff],
    ];
    for (const [bytes, want] of cases) {
      const r = new ByteReader(new Uint8Array([9, ...bytes]), 1);
      assert.equal(r.u32(), want);
      assert.equal(r.pos, 5);
      assert.throws(() => new ByteReader(new Uint8Array(bytes.slice(0, 3))).u32(), UnpicklingError);
    }
    const long = "é".repeat(40) + "x".repeat(30); // UTF-8 of 64 units or more: STR32
    assert.equal(loadsSync<{ long: string }>(dumpsSync({ long })).long, long);
  });
});

describe("Latin-1 strings decoded from the pickle's own bytes", () => {
  it("every byte value, short, windowed and long, at any offset of the given bytes", () => {
    let all = "";
    for (let c = 0; c < 256; c++) all += String.fromCharCode(c);
    const strings: string[] = [];
    for (const n of [1, 2, 5, 31, 32, 63, 64, 200, 1024, 1025, 3000, 5000]) {
      let s = "";
      for (let i = 0; i < n; i++) s += all[(i * 7 + n) % 256];
      strings.push(s);
    }
    const value = { strings, last: all, keys: { [all.slice(160, 200)]: all.slice(200) } };
    const bytes = dumpsSync(value);
    for (const offset of [0, 1, 7]) {
      const host = new Uint8Array(bytes.length + offset + 3);
      host.set(bytes, offset);
      const back = loadsSync<typeof value>(host.subarray(offset, offset + bytes.length));
      assert.deepEqual(back, value);
    }
    const fromBuffer = loadsSync<typeof value>(bytes.buffer);
    assert.deepEqual(fromBuffer.strings, strings);
  });
});

describe("UTF-8 and UTF-16 strings decoded from the pickle's own bytes", () => {
  it("short and long, lone surrogates kept, invalid UTF-8 refused, at any offset", () => {
    const strings: string[] = [];
    for (const n of [1, 3, 40, 63, 64, 100, 300, 1000, 5000]) {
      strings.push("é".repeat(n) + "x", "ж€".repeat(n), "日本".repeat(n), "😀a".repeat(n));
      strings.push("\ud800" + "д".repeat(n) + "\udfff"); // lone surrogates: UTF-16
    }
    const bytes = dumpsSync(strings);
    for (const offset of [0, 1, 6]) {
      const host = new Uint8Array(bytes.length + offset + 2);
      host.set(bytes, offset);
      assert.deepEqual(loadsSync(host.subarray(offset, offset + bytes.length)), strings);
    }
    // A long UTF-8 string whose bytes are made invalid is refused at its offset.
    const long = dumpsSync(["жa".repeat(200)]);
    const at = long.lastIndexOf(0xd0);
    const bad = long.slice();
    bad[at] = 0xff;
    assert.throws(() => loadsSync(bad), (e: unknown) => {
      assert.ok(e instanceof UnpicklingError, String(e));
      assert.match((e as Error).message, /not valid UTF-8/);
      return true;
    });
  });
});

describe("a load's arrays and values after loads that failed", () => {
  it("objects, shared references and shapes load right after failures at every byte", () => {
    const shared = { k: 1 };
    const msg = { a: shared, b: [shared, { a: 2.5, b: "x" }], c: { a: 3, b: "y", t: 0.25 } };
    const bytes = dumpsSync(msg);
    for (let cut = 7; cut < bytes.length; cut++) {
      const short = bytes.slice(0, cut);
      short[6] = cut - 7; // the header's length announces what is left (one-byte varint)
      if (short[6] === 0) continue;
      assert.throws(() => loadsSync(short), UnpicklingError);
      const back = loadsSync<typeof msg>(bytes);
      assert.deepEqual(back, msg);
      assert.equal(back.a, back.b[0]);
      assert.equal(Object.getPrototypeOf(back.c), Object.prototype);
      // No value of the failed load is left in a new object of a shape it began.
      const other = loadsSync<Record<string, unknown>>(dumpsSync({ a: undefined, b: undefined }));
      assert.deepEqual(Object.entries(other), [["a", undefined], ["b", undefined]]);
    }
  });

  it("a reducer that loads another pickle while a load runs gets its own memo", () => {
    class Box {
      constructor(readonly v: unknown) {}
    }
    class BoxesAsLoads extends Pickler {
      override reducerOverride(v: unknown): Reduction | undefined {
        return v instanceof Box ? [loadsSync, [dumpsSync(v.v)]] : undefined;
      }
    }
    const shared = { t: 0.5 };
    const value = {
      s: shared,
      box: new Box({ q: [0.5, 0.75], r: { q: 1.5 }, u: shared }),
      again: shared,
      after: { t: 2.25 },
    };
    const back = loadsSync<Record<string, Record<string, unknown>>>(
      new BoxesAsLoads().dumpsSync(value),
    );
    assert.equal(back.s, back.again);
    assert.deepEqual(back.s, { t: 0.5 });
    assert.deepEqual(back.box, { q: [0.5, 0.75], r: { q: 1.5 }, u: { t: 0.5 } });
    assert.notEqual(back.box.u, back.s); // a copy: it was pickled on its own
    assert.deepEqual(back.after, { t: 2.25 });
    assert.equal(Object.getPrototypeOf(back.after), Object.prototype);
  });
});

describe("small messages through real processes", () => {
  const runtimes: [string, string[]][] = [
    ["deno", ["eval"]],
    ["bun", ["-e"]],
  ];
  for (const [rt, flags] of runtimes) {
    it(`${rt} loads messages with floats this process pickled, and pickles them back`, () => {
      const msgs = Array.from({ length: 12 }, (_, i) => ({
        id: i,
        score: i + 0.25,
        xs: FLOATS.slice(0, i + 1),
        name: "n" + i,
        when: new Date(1.5e12 + i),
      }));
      const script = `
        import { dumpsSync, loadsSync } from ${
        JSON.stringify(new URL("../mod.ts", import.meta.url).href)
      };
        import { Buffer } from "node:buffer";
        import process from "node:process";
        const chunks = [];
        for await (const c of process.stdin) chunks.push(c);
        const all = Buffer.concat(chunks);
        const out = [];
        let p = 0;
        while (p < all.length) {
          const n = all.readUInt32LE(p);
          const m = loadsSync(new Uint8Array(all.subarray(p + 4, p + 4 + n)));
          p += 4 + n;
          out.push({ ...m, sum: m.xs.reduce((a, b) => a + b, 0), year: m.when.getUTCFullYear() });
        }
        process.stdout.write(Buffer.from(dumpsSync(out)).toString("base64"));
      `;
      const parts: Uint8Array[] = [];
      for (const m of msgs) {
        const b = dumpsSync(m);
        const len = new Uint8Array(4);
        new DataView(len.buffer).setUint32(0, b.length, true);
        parts.push(len, b);
      }
      const input = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
      let o = 0;
      for (const p of parts) input.set(p, o), o += p.length;
      const bin = new URL(`../node_modules/.bin/${rt}`, import.meta.url).pathname;
      const res = spawnSync(bin, [...flags, script], {
        input,
        cwd: new URL("..", import.meta.url).pathname,
        encoding: "utf8",
        maxBuffer: 1 << 24,
      });
      assert.equal(res.status, 0, res.stderr);
      const back = loadsSync<(typeof msgs[0] & { sum: number; year: number })[]>(
        Uint8Array.from(atob(res.stdout.trim()), (c) => c.charCodeAt(0)),
      );
      assert.equal(back.length, msgs.length);
      back.forEach((m, i) => {
        assert.deepEqual(m.xs, msgs[i].xs);
        assert.equal(m.score, i + 0.25);
        assert.ok(m.when instanceof Date);
        assert.equal(m.when.getTime(), 1.5e12 + i);
        assert.equal(m.year, 2017);
        assert.equal(m.sum, msgs[i].xs.reduce((a, b) => a + b, 0));
      });
    });
  }
});

describe("calls without options after calls with options", () => {
  it("a call without options takes nothing from the options of an earlier call", () => {
    const value = { n: 1.5, buf: new Uint8Array([1, 2, 3]), s: "x" };
    const plain = dumpsSync(value);
    const got: ArrayBuffer[] = [];
    const outOfBand = dumpsSync(value, { bufferCallback: (b) => void got.push(b) });
    const structured = dumpsSync(value, { fidelity: "structured" });
    assert.equal(got.length, 1);
    assert.notDeepEqual(outOfBand, plain);
    assert.notDeepEqual(structured, plain);
    class WithOverride extends Pickler {
      override reducerOverride(v: unknown): Reduction | undefined {
        return v instanceof Uint8Array ? [Array.of, [9]] : undefined;
      }
    }
    assert.deepEqual(loadsSync(new WithOverride().dumpsSync(value)), { ...value, buf: [9] });
    const again = dumpsSync(value);
    assert.deepEqual(again, plain);
    assert.equal(got.length, 1);
    const back = loadsSync<typeof value>(again);
    assert.ok(back.buf instanceof Uint8Array);
    assert.deepEqual([...back.buf], [1, 2, 3]);
  });
});
