// Hostile data-only pickles against the decoder's allocation and time bounds: each test is one
// attack, built by hand, and must end in a value or an UnpicklingError that names the limit and
// the LoadOptions field that raises it, quickly, on Deno and Bun.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { dumpsSync, FORMAT_VERSION, loads, loadsSync, type UnpicklingError } from "../mod.ts";
import { concat, expectUnpicklingError, varint, withHeader } from "./helpers.ts";
import { MAX_SHAPE_BYTES, shapeCacheBytes } from "../lib/pickle/shapes.ts";

const DATA = { allowCode: false } as const;

function pickle(...parts: (Uint8Array | number[])[]): Uint8Array {
  return withHeader(
    concat(...parts.map((p) => p instanceof Uint8Array ? p : new Uint8Array(p))),
    FORMAT_VERSION,
    0,
  );
}

/** A string value: LATIN1 when every unit fits a byte, else STR32 (UTF-8). */
function str(s: string): Uint8Array {
  if (/^[\0-\xff]*$/.test(s)) {
    const b = new Uint8Array(s.length);
    for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i);
    return concat(new Uint8Array([0x92]), varint(s.length), b);
  }
  const utf8 = new TextEncoder().encode(s);
  const len = new Uint8Array(4);
  new DataView(len.buffer).setUint32(0, utf8.length, true);
  return concat(new Uint8Array([0x6c]), len, utf8);
}

function array(items: Uint8Array[]): Uint8Array {
  return concat(new Uint8Array([0x76]), varint(items.length), ...items);
}

function regexp(source: string, flags: string): Uint8Array {
  return concat(new Uint8Array([0x7c]), str(source), str(flags), varint(0));
}

function url(href: string): Uint8Array {
  return concat(new Uint8Array([0x83]), str(href));
}

/** ARRAY_BUFFER: resizable with `max` when given. */
function arrayBuffer(len: number, max?: number, shared = false): Uint8Array {
  return concat(
    new Uint8Array([shared ? 0x7f : 0x7e, max === undefined ? 0 : 1]),
    max === undefined ? new Uint8Array(0) : varint(max),
    varint(len),
    new Uint8Array(len),
  );
}

/** Offset of the body of a pickle made by {@linkcode pickle}. */
function bodyStart(bytes: Uint8Array): number {
  let i = 6;
  while (bytes[i] & 0x80) i++;
  return i + 1;
}

/** Runs `fn`, returns its duration in ms. */
function timed(fn: () => void): number {
  const t = performance.now();
  fn();
  return performance.now() - t;
}

/** The limit error: names the option, points at the offending tag. */
function refused(bytes: Uint8Array, option: string, options: object = DATA): UnpicklingError {
  const e = expectUnpicklingError(() => loadsSync(bytes, options), bytes);
  assert.match(e.message, new RegExp(`LoadOptions\\.${option}`), e.message);
  assert.match(e.message, /over the limit of \d+/);
  return e;
}

describe("bounds: views over fake buffers", () => {
  /** VIEW kind over an object whose prototype is a real ArrayBuffer and whose length is 1e9. */
  /**
   * [o, VIEW over o]: o is a plain object whose prototype is a real (empty) ArrayBuffer and
   * whose `length` is 1e9, complete before the view is read. A typed array constructor takes
   * such an object as an array-like: 1e9 elements.
   */
  function fakeBufferView(kind: number): Uint8Array {
    return pickle(
      [0x76, 2], // ARRAY of 2 (memo 0)
      [0x8a, 0x7e, 0, 0], // OBJECT_WITH_PROTO (memo 1), prototype: an empty ArrayBuffer
      [1, 0x46, ...new TextEncoder().encode("length"), 7, 0x64],
      varint(1e9),
      [0], // integrity
      [0x81, kind, 0, 0x71, 1, 0, 0], // VIEW over REF 1, offset 0, length 0
    );
  }
  /** Offset of the VIEW tag in {@linkcode fakeBufferView}. */
  const VIEW_AT = 2 + 4 + 1 + 7 + 2 + 5 + 1;

  it("a plain object with an ArrayBuffer prototype does not make a 1 GB Uint8Array", () => {
    const bytes = fakeBufferView(1);
    assert.ok(bytes.length <= 36, `${bytes.length} bytes`);
    let e: UnpicklingError | undefined;
    const ms = timed(() => e = expectUnpicklingError(() => loadsSync(bytes, DATA), bytes));
    // Refused at the view, or earlier for its prototype.
    assert.match(e!.message, /not a buffer|prototype/);
    assert.ok(ms < 500, `${ms.toFixed(0)} ms`);
    // With code allowed the prototype is taken, and the view refuses the object.
    const withCode = expectUnpicklingError(() => loadsSync(bytes), bytes);
    assert.match(withCode.message, /view over something that is not a buffer/);
    assert.equal(withCode.offset, bodyStart(bytes) + VIEW_AT);
  });

  it("a plain object with an ArrayBuffer prototype does not make a 1 GB Buffer or DataView", () => {
    for (const kind of [13, 12, 9]) {
      const bytes = fakeBufferView(kind);
      expectUnpicklingError(() => loadsSync(bytes, DATA), bytes);
      const e = expectUnpicklingError(() => loadsSync(bytes), bytes);
      assert.match(e.message, /view over something that is not a buffer/);
    }
  });

  it("a view over a real buffer from the pickle still loads", () => {
    const buf = new ArrayBuffer(8, { maxByteLength: 16 });
    const out = loadsSync<[Uint8Array, Float64Array]>(
      dumpsSync([new Uint8Array(buf, 2, 3), new Float64Array(buf)]),
      DATA,
    );
    assert.ok(out[0] instanceof Uint8Array && out[0].length === 3 && out[0].byteOffset === 2);
    assert.equal(out[0].buffer, out[1].buffer);
    assert.equal((out[0].buffer as ArrayBuffer).maxByteLength, 16);
  });
});

describe("bounds: BigInt decoding", () => {
  function bigBytes(n: number): Uint8Array {
    const b = new Uint8Array(n);
    for (let i = 0; i < n; i++) b[i] = (i * 7919 + 13) & 255;
    b[n - 1] = 0x9c;
    return b;
  }
  function expected(b: Uint8Array): bigint {
    let hex = "0x";
    for (let i = b.length - 1; i >= 0; i--) hex += b[i].toString(16).padStart(2, "0");
    return BigInt(hex);
  }

  it("a 256 KB BigInt decodes in well under a second (not quadratic)", () => {
    const mag = bigBytes(262144);
    const bytes = pickle([0x69], varint(mag.length), mag);
    let v: unknown;
    const ms = timed(() => v = loadsSync(bytes, DATA));
    assert.equal(v, expected(mag));
    assert.ok(ms < 1000, `${ms.toFixed(0)} ms`);
  });

  it("a 4 MB negative BigInt decodes within the time goal (~1 s per MB)", () => {
    const mag = bigBytes(4 * 1024 * 1024 + 3); // a partial last word
    const bytes = pickle([0x6a], varint(mag.length), mag);
    let v: unknown;
    const ms = timed(() => v = loadsSync(bytes, DATA));
    assert.equal(v, -expected(mag));
    assert.ok(ms < 4000, `${ms.toFixed(0)} ms`);
  });

  it("BigInts of every byte length up to 80 round trip", () => {
    for (let n = 1; n <= 80; n++) {
      const v = expected(bigBytes(n));
      assert.equal(loadsSync(dumpsSync(v)), v, `${n} bytes`);
      assert.equal(loadsSync(dumpsSync(-v)), -v, `-${n} bytes`);
    }
  });
});

describe("bounds: buffer reservations (maxBufferReserve)", () => {
  it("one resizable buffer reserving 2^40 bytes is refused naming maxBufferReserve", () => {
    const bytes = pickle(arrayBuffer(0, 2 ** 40));
    const e = refused(bytes, "maxBufferReserve");
    assert.equal(e.offset, bodyStart(bytes));
  });

  it("a thousand resizable buffers of 1 GiB each are refused (no mprotect abort)", () => {
    const one = arrayBuffer(0, 2 ** 30);
    const bytes = pickle(array(Array.from({ length: 1000 }, () => one)));
    const e = refused(bytes, "maxBufferReserve");
    // The second buffer is the one over the limit: ARRAY tag, count, first buffer.
    assert.equal(e.offset, bodyStart(bytes) + 1 + varint(1000).length + one.length);
  });

  it("growable SharedArrayBuffers count against the same reserve", () => {
    const one = arrayBuffer(0, 2 ** 29, true);
    refused(pickle(array([one, one, one])), "maxBufferReserve");
  });

  it("a resizable buffer under the default reserve loads, and raising the option admits more", async () => {
    const ab = new ArrayBuffer(4, { maxByteLength: 64 * 1024 * 1024 });
    new Uint8Array(ab).set([1, 2, 3, 4]);
    const out = loadsSync<ArrayBuffer>(dumpsSync(ab), DATA);
    assert.equal(out.maxByteLength, 64 * 1024 * 1024);
    assert.deepEqual([...new Uint8Array(out)], [1, 2, 3, 4]);
    const two = pickle(array([arrayBuffer(0, 2 ** 29), arrayBuffer(0, 2 ** 29)]));
    refused(two, "maxBufferReserve", { ...DATA, maxBufferReserve: 2 ** 29 });
    const got = await loads<ArrayBuffer[]>(two, { ...DATA, maxBufferReserve: 2 ** 30 });
    assert.equal(got[1].maxByteLength, 2 ** 29);
  });
});

describe("bounds: RegExp build cost (maxRegExpCost)", () => {
  it("a pattern with 4000 named groups is refused before it is built", () => {
    let src = "";
    for (let i = 0; i < 4000; i++) src += `(?<a${i}>x)`;
    const bytes = pickle(regexp(src, ""));
    let e: UnpicklingError | undefined;
    const ms = timed(() => e = refused(bytes, "maxRegExpCost"));
    assert.equal(e!.offset, bodyStart(bytes));
    assert.ok(ms < 200, `${ms.toFixed(0)} ms`);
  });

  it("long \\p{RGI_Emoji} classes with the v and i flags are refused", () => {
    const bytes = pickle(regexp("[" + "\\p{RGI_Emoji}".repeat(2000) + "]", "vi"));
    const ms = timed(() => refused(bytes, "maxRegExpCost"));
    assert.ok(ms < 200, `${ms.toFixed(0)} ms`);
  });

  it("wide ranges in classes under the i and v flags (every code point case-folded)", () => {
    const bytes = pickle(regexp("[^\\0-\\uffff]".repeat(76_000), "iv"));
    const ms = timed(() => refused(bytes, "maxRegExpCost"));
    assert.ok(ms < 200, `${ms.toFixed(0)} ms`);
    // With either flag alone the same ranges cost little: they load.
    for (const flags of ["i", "v"]) {
      const ok = loadsSync<RegExp>(pickle(regexp("[^\\0-\\uffff]".repeat(2000), flags)), DATA);
      assert.equal(ok.flags, flags);
    }
    const ordinary = loadsSync<RegExp>(
      pickle(regexp("^[a-z0-9\\-]+[\\p{L}\\d]$", "iv")),
      DATA,
    );
    assert.ok(ordinary.test("abc-é"));
  });

  it("many small patterns with property escapes share one budget per load", () => {
    const one = regexp("\\p{L}\\P{Lu}", "iu");
    const bytes = pickle(array(Array.from({ length: 400 }, () => one)));
    const ms = timed(() => refused(bytes, "maxRegExpCost"));
    assert.ok(ms < 1000, `${ms.toFixed(0)} ms`);
    // Each load has its own budget: a smaller array of them loads, twice.
    const fewer = pickle(array(Array.from({ length: 60 }, () => one)));
    for (let i = 0; i < 2; i++) {
      const out = loadsSync<RegExp[]>(fewer, DATA);
      assert.equal(out.length, 60);
      assert.ok(out[59].test("éx"));
    }
  });

  it("ordinary patterns load under the default, a refused one with the option raised", () => {
    const ordinary = [
      /^[\p{L}\p{N}_-]+$/u,
      /(?<year>\d{4})-(?<month>\d{2})-(?<day>\d{2})/g,
      /\bfoo\b/gi,
      new RegExp("a".repeat(100000) + "|b", "m"),
      ...Array.from({ length: 2000 }, (_, i) => new RegExp(`item-${i}\\.(\\w+)`, "i")),
    ];
    const out = loadsSync<RegExp[]>(dumpsSync(ordinary), DATA);
    assert.equal(out.length, ordinary.length);
    assert.equal(out[1].exec("2024-05-06")!.groups!.month, "05");
    assert.ok(out[0].test("héllo_1"));
    let src = "";
    for (let i = 0; i < 800; i++) src += `(?<g${i}>x)`;
    const bytes = pickle(regexp(src, ""));
    refused(bytes, "maxRegExpCost");
    const re = loadsSync<RegExp>(bytes, { ...DATA, maxRegExpCost: 400000 });
    assert.equal(re.exec("x".repeat(800))!.groups!.g799, "x");
  });
});

describe("bounds: URL host length (maxUrlHostLength)", () => {
  it("a URL with a 256K-character non-ASCII host is refused before it is parsed", () => {
    const bytes = pickle(url("https://" + "é.".repeat(128 * 1024) + "/"));
    let e: UnpicklingError | undefined;
    const ms = timed(() => e = refused(bytes, "maxUrlHostLength"));
    assert.equal(e!.offset, bodyStart(bytes));
    assert.ok(ms < 200, `${ms.toFixed(0)} ms`);
  });

  it("a long host without slashes, in user info or after backslashes is measured too", () => {
    for (
      const href of [
        "https:" + "ü.".repeat(20000),
        "wss:\\\\\t" + "é".repeat(40000),
        "http://" + "u:".repeat(20000) + "@a/",
        "foo://" + "é.".repeat(20000) + "/",
        "HT\tTPS:" + "é.".repeat(20000),
        " \x01https:" + "é.".repeat(20000),
        "foo:/\t/" + "é.".repeat(20000),
      ]
    ) {
      refused(pickle(url(href)), "maxUrlHostLength");
    }
  });

  it("long paths, queries and data: URLs load; a long host with the option raised", () => {
    const long = [
      new URL("data:text/plain," + "a".repeat(300000)),
      new URL("https://example.com/" + "p/".repeat(100000) + "?q=" + "é".repeat(1000)),
      new URL("mailto:" + "x".repeat(100000) + "@example.com"),
    ];
    const out = loadsSync<URL[]>(dumpsSync(long), DATA);
    assert.deepEqual(out.map((u) => u.href), long.map((u) => u.href));
    const host = "a".repeat(30000) + ".example";
    const bytes = pickle(url(`https://${host}/x`));
    refused(bytes, "maxUrlHostLength");
    assert.equal(loadsSync<URL>(bytes, { ...DATA, maxUrlHostLength: 65536 }).host, host);
  });
});

describe("bounds: shape cache", () => {
  /** A pickle of one object with `n` keys named after `tag` (a shape of its own). */
  /** One object of a new shape of `n` keys of 31 characters each, named after `tag`. */
  function wide(tag: string, n: number): Uint8Array {
    const out: number[] = [0x72, ...varint(n)];
    for (let i = 0; i < n; i++) {
      const key = `${tag}_${i}_`.padEnd(31, "k");
      out.push(0x40 + key.length);
      for (let c = 0; c < key.length; c++) out.push(key.charCodeAt(c));
    }
    for (let i = 0; i < n; i++) out.push(i & 63);
    return pickle(new Uint8Array(out));
  }

  it("forty 350 KB pickles with shapes of their own leave no more than the cap behind", () => {
    for (let i = 0; i < 40; i++) {
      const bytes = wide(`p${i}`, 11000);
      assert.ok(bytes.length > 350_000, `${bytes.length}`);
      const out = loadsSync<Record<string, number>>(bytes, DATA);
      assert.equal(out[`p${i}_10999_`.padEnd(31, "k")], 10999 & 63);
      assert.ok(shapeCacheBytes() <= MAX_SHAPE_BYTES, `${shapeCacheBytes()}`);
    }
  });

  it("many mid-sized shapes are forgotten once their bytes pass the cap", () => {
    let held = 0;
    for (let i = 0; i < 300; i++) {
      const out = loadsSync<Record<string, number>>(wide(`m${i}`, 500), DATA);
      assert.equal(out[`m${i}_499_`.padEnd(31, "k")], 499 & 63);
      held = Math.max(held, shapeCacheBytes());
      assert.ok(shapeCacheBytes() <= MAX_SHAPE_BYTES, `${shapeCacheBytes()}`);
    }
    // They were remembered (the cache is useful) until the cap made room.
    assert.ok(held > MAX_SHAPE_BYTES * 0.9, `${held}`);
  });

  it("a shape met again still loads right after the cache was cleared", () => {
    const again = dumpsSync([{ a: 1, b: [2] }, { a: 3, b: [4] }, { a: 5, b: [6] }]);
    for (let i = 0; i < 2; i++) {
      for (let j = 0; j < 140; j++) loadsSync(wide(`fill${i}_${j}`, 1000));
      const out = loadsSync<{ a: number; b: number[] }[]>(again);
      assert.deepEqual(out, [{ a: 1, b: [2] }, { a: 3, b: [4] }, { a: 5, b: [6] }]);
      assert.deepEqual(Object.keys(out[2]), ["a", "b"]);
    }
  });
});

describe("bounds: option values", () => {
  it("a limit that is not a number >= 0 is a TypeError naming the option", () => {
    const bytes = dumpsSync(1);
    for (const bad of [-1, NaN, "10"]) {
      assert.throws(
        () => loadsSync(bytes, { maxRegExpCost: bad as number }),
        (e) =>
          e instanceof TypeError &&
          /LoadOptions\.maxRegExpCost = .*: it is not a number >= 0/.test(e.message),
      );
    }
    assert.equal(loadsSync(bytes, { maxBufferReserve: Infinity, maxUrlHostLength: 0 }), 1);
  });
});
