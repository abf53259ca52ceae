// Strings past U+00FF: written as UTF-8 (STR8, STR32) or, where that is no larger, as UTF-16
// (STR16); short UTF-8 strings decoded in JavaScript on V8, long ones by a native decoder.
// These check every length around those limits, each kind of text, lone surrogates, sizes,
// hostile bytes, and a pickle that travels from Deno to Bun and back.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { dumpsSync, FORMAT_VERSION, loadsSync } from "../mod.ts";
import { bodyOf, concat, expectUnpicklingError, hexOf, varint, withHeader } from "./helpers.ts";
import { KINDS, stringsOfAllKinds, textOf } from "./cross/strings_values.ts";

const STR8 = 0x6b;
const STR32 = 0x6c;
const STR16 = 0x6d;
const utf8 = new TextEncoder();

/** Tag of the pickle of one string. */
const tagOf = (s: string): number => bodyOf(dumpsSync(s))[0];
/** Round trip, identical code units (no U+FFFD for a lone surrogate). */
function same(v: string, what: string): void {
  const out = loadsSync(dumpsSync(v));
  assert.ok(out === v, `${what}: ${JSON.stringify(v.slice(0, 40))} came back different`);
}
/** A pickle holding one string value written by hand: tag, then operands. */
const pickle = (...parts: Uint8Array[]): Uint8Array =>
  withHeader(concat(...parts), FORMAT_VERSION, 0);
const u8 = (...b: number[]): Uint8Array => new Uint8Array(b);

/** Lengths around every limit of the writer and the reader (units or bytes). */
const LENGTHS = [
  ...Array.from({ length: 70 }, (_, i) => i),
  85,
  86,
  127,
  128,
  129,
  255,
  256,
  257,
  511,
  1023,
  1024,
  1025,
  4095,
  4096,
  4097,
  20000,
];

describe("strings past U+00FF", () => {
  for (const kind of KINDS) {
    it(`${kind}: every length around the limits comes back exactly, alone, in arrays and as keys`, () => {
      const values = LENGTHS.map((n) => textOf(kind, n, n));
      for (const v of values) same(v, `${kind} of ${v.length}`);
      const many = loadsSync(dumpsSync(values)) as string[];
      for (let i = 0; i < values.length; i++) {
        assert.ok(many[i] === values[i], `${kind} item ${i} in an array`);
      }
      const obj: Record<string, number> = {};
      values.forEach((v, i) => (obj[v] = i));
      const back = loadsSync(dumpsSync([obj, obj, { ...obj }])) as Record<string, number>[];
      assert.deepEqual(Object.keys(back[0]), Object.keys(obj), `${kind} keys, in order`);
      assert.equal(back[0], back[1]);
      for (const [k, i] of Object.entries(obj)) assert.equal(back[2][k], i);
      const map = loadsSync(dumpsSync(new Map(values.map((v, i) => [v, i])))) as Map<
        string,
        number
      >;
      values.forEach((v, i) => assert.equal(map.get(v), i, `${kind} Map key ${i}`));
    });
  }

  it("the empty string, one unit of each kind, U+FFFD and U+FEFF (a BOM) come back exactly", () => {
    for (
      const v of [
        "",
        "a",
        "é",
        "ÿ",
        "Ā",
        "中",
        "\uD83D\uDE80",
        "\uD800",
        "\uDC00",
        "\uDBFF\uD800",
        "\uDC00\uD800",
        "\uFFFD",
        "\uFEFF",
        "\uFEFFx",
        "x\uFEFF中",
        "\uFFFF",
        "\u0000中",
      ]
    ) {
      same(v, "one unit");
      same(v.repeat(300), "repeated");
      same("a".repeat(100) + v, "after ASCII");
    }
  });

  it("lone surrogates at the start, the end, next to pairs, in short and long strings", () => {
    const lone = ["\uD800", "\uDBFF", "\uDC00", "\uDFFF"];
    for (const l of lone) {
      for (const n of [0, 1, 30, 31, 32, 62, 63, 64, 300, 5000]) {
        const body = textOf("bmp", n, 3);
        same(l + body, "lone at start");
        same(body + l, "lone at end");
        same(body.slice(0, n >> 1) + l + "\uD83D\uDE80" + body.slice(n >> 1), "lone before a pair");
        same("\uD83D\uDE80" + l + body, "lone after a pair");
        same(textOf("ascii", n, 1) + l, "ASCII then lone");
      }
    }
  });

  it("huge strings (over a megabyte) of each kind come back exactly", () => {
    for (const kind of KINDS) {
      const v = textOf(kind, 600_000, 7);
      const bytes = dumpsSync([v, v + "!", 1]);
      assert.ok(bytes.length > 600_000, `${kind}: ${bytes.length} bytes`);
      const [a, b, c] = loadsSync(bytes) as [string, string, number];
      assert.ok(a === v && b === v + "!" && c === 1, `${kind} huge`);
    }
    const big = "中".repeat(1_200_000) + "\uD800";
    assert.ok(loadsSync(dumpsSync(big)) === big, "2.4 MB of UTF-16 with a lone surrogate");
  });

  it("mixed arrays of every kind and length come back exactly", () => {
    const values = stringsOfAllKinds();
    const out = loadsSync(dumpsSync(values)) as string[];
    assert.equal(out.length, values.length);
    for (let i = 0; i < values.length; i++) assert.ok(out[i] === values[i], `item ${i}`);
  });
});

describe("string encodings and sizes", () => {
  it("UTF-16 only where it is no larger than UTF-8", () => {
    assert.equal(tagOf("中文"), STR16, "CJK: 3 bytes a unit in UTF-8");
    assert.equal(tagOf("мир"), STR16, "Cyrillic: as large in both");
    assert.equal(tagOf("x мир"), STR8, "one ASCII unit more: UTF-8 is smaller");
    assert.equal(tagOf("中".repeat(500)), STR16);
    assert.equal(tagOf("ab中".repeat(200)), STR32, "5 bytes for 3 units in UTF-8, 6 in UTF-16");
    assert.equal(tagOf("\uD83D\uDE80".repeat(100)), STR16, "astral: 4 bytes in both");
    assert.equal(tagOf("a\uD800"), STR16, "lone surrogate: always UTF-16");
  });

  it("one character past U+00FF in a long ASCII string keeps it at its UTF-8 size", () => {
    for (const n of [40, 63, 64, 200, 5000, 100_000]) {
      const v = "x".repeat(n >> 1) + "中" + "y".repeat(n - (n >> 1));
      const size = bodyOf(dumpsSync(v)).length;
      const utf8Size = utf8.encode(v).length;
      assert.ok(size <= utf8Size + 5, `${n}: ${size} bytes, UTF-8 alone ${utf8Size}`);
      assert.ok(size < 1.1 * n + 8, `${n}: ${size} bytes is not about ${n}`);
    }
  });

  it("every string is as small as the smaller of UTF-8 and UTF-16, plus its header", () => {
    for (const v of stringsOfAllKinds()) {
      const size = bodyOf(dumpsSync(v)).length;
      const latin1 = /^[\0-\xff]*$/.test(v) && (v.length < 64 || /^[\0-\x7f]*$/.test(v));
      const best = latin1
        ? v.length
        : v.isWellFormed()
        ? Math.min(utf8.encode(v).length, 2 * v.length)
        : 2 * v.length; // lone surrogates: UTF-16 only
      assert.ok(size <= best + 5, `${JSON.stringify(v.slice(0, 20))}: ${size} > ${best} + 5`);
    }
  });
});

describe("hostile string bytes", () => {
  // Each: bytes that are not UTF-8 (overlong forms, encoded surrogates, past U+10FFFF, cut
  // sequences, stray continuation bytes), short (decoded in JavaScript on V8) and long.
  const BAD: [string, number[]][] = [
    ["stray continuation", [0x80]],
    ["overlong 2-byte", [0xc0, 0x80]],
    ["overlong 2-byte C1", [0xc1, 0xbf]],
    ["overlong 3-byte", [0xe0, 0x80, 0x80]],
    ["overlong 4-byte", [0xf0, 0x80, 0x80, 0x80]],
    ["encoded high surrogate", [0xed, 0xa0, 0x80]],
    ["encoded low surrogate", [0xed, 0xbf, 0xbf]],
    ["past U+10FFFF", [0xf4, 0x90, 0x80, 0x80]],
    ["F5 lead", [0xf5, 0x80, 0x80, 0x80]],
    ["FF byte", [0xff]],
    ["2-byte lead then ASCII", [0xc3, 0x28]],
    ["3-byte lead then ASCII", [0xe4, 0xb8, 0x28]],
    ["4-byte lead then ASCII", [0xf0, 0x9f, 0x9a, 0x28]],
  ];
  const CUT: [string, number[]][] = [
    ["2-byte cut", [0xc3]],
    ["3-byte cut after 1", [0xe4]],
    ["3-byte cut after 2", [0xe4, 0xb8]],
    ["4-byte cut after 3", [0xf0, 0x9f, 0x9a]],
  ];

  for (const [what, bad] of [...BAD, ...CUT]) {
    it(`${what}: UnpicklingError at the string's bytes, short and long, at the start and the end`, () => {
      for (const pad of [0, 1, 20, 60, 61, 62, 63, 64, 250, 300, 2000]) {
        const a = "a".repeat(pad);
        const ascii = (s: string) => utf8.encode(s);
        for (const bytes of [concat(u8(...bad), ascii(a)), concat(ascii(a), u8(...bad))]) {
          const p = bytes.length < 256
            ? pickle(u8(STR8, bytes.length), bytes)
            : pickle(u8(STR32, ...u32(bytes.length)), bytes);
          const e = expectUnpicklingError(() => loadsSync(p), p);
          assert.match(e.message, /not valid UTF-8/, hexOf(p, 40));
          assert.equal(e.offset, p.length - bytes.length, `offset of the bytes (${what}, ${pad})`);
        }
      }
    });
  }

  it("U+FFFD written as UTF-8 is text, not an error, short and long", () => {
    for (const n of [1, 10, 21, 100, 1000]) {
      const v = "x\uFFFD".repeat(n);
      const bytes = utf8.encode(v);
      const p = bytes.length < 256
        ? pickle(u8(STR8, bytes.length), bytes)
        : pickle(u8(STR32, ...u32(bytes.length)), bytes);
      assert.equal(loadsSync(p), v);
    }
  });

  it("a UTF-8 string running past the end: UnpicklingError, short and long", () => {
    for (const [tag, n] of [[STR8, 10], [STR8, 200], [STR32, 300], [STR32, 5000]]) {
      const head = tag === STR8 ? u8(STR8, n) : u8(STR32, ...u32(n));
      const p = pickle(head, utf8.encode("é".repeat(n >> 2)));
      const e = expectUnpicklingError(() => loadsSync(p), p);
      assert.match(e.message, /truncated/);
    }
  });

  it("UTF-16 cut inside a unit, past the end, or with a huge count: UnpicklingError", () => {
    const units = u8(0x2d, 0x4e, 0x87, 0x65); // 中文
    for (const n of [1, 2, 3, 100, 2 ** 40]) {
      for (const cut of [0, 1, 3]) {
        const body = units.subarray(0, Math.min(units.length, cut));
        if (body.length >= 2 * n) continue;
        const p = pickle(u8(STR16), varint(n), body);
        const e = expectUnpicklingError(() => loadsSync(p), p);
        assert.match(e.message, /truncated|past its end/, `${n} units, ${cut} bytes`);
        assert.equal(e.offset, p.length - body.length - varint(n).length, "offset of the count");
      }
    }
    // An odd byte count left over before the next value: the unit count decides, the next
    // value starts after 2n bytes.
    const odd = pickle(u8(0x76, 2, STR16, 1, 0x2d, 0x4e, 0x05));
    assert.deepEqual(loadsSync(odd), ["中", 5]);
    const short = pickle(u8(0x76, 2, STR16, 2, 0x2d, 0x4e, 0x05));
    expectUnpicklingError(() => loadsSync(short), short);
    const overlong = pickle(u8(STR16, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff));
    expectUnpicklingError(() => loadsSync(overlong), overlong);
  });

  it("UTF-16 bytes of any value load as exactly those code units (lone surrogates kept)", () => {
    const units = [0xd800, 0xdc00, 0xdbff, 0xdfff, 0xfffe, 0xfeff, 0, 0x41, 0xd83d, 0xde80];
    const bytes = new Uint8Array(units.length * 2);
    units.forEach((u, i) => (bytes[2 * i] = u & 0xff, bytes[2 * i + 1] = u >> 8));
    const s = loadsSync(pickle(u8(STR16), varint(units.length), bytes)) as string;
    assert.equal(s.length, units.length);
    for (let i = 0; i < units.length; i++) assert.equal(s.charCodeAt(i), units[i], `unit ${i}`);
  });
});

const root = fileURLToPath(new URL("..", import.meta.url));
const hop = `${root}tests/cross/strings_hop.ts`;
const run = (cmd: string, args: string[], input?: string): string => {
  const r = spawnSync(`${root}node_modules/.bin/${cmd}`, args, {
    cwd: root,
    input,
    encoding: "utf8",
    timeout: 60_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  assert.equal(r.status, 0, `${cmd} ${args.join(" ")} failed:\n${r.stderr}`);
  return r.stdout;
};
const runtimes = {
  deno: (mode: string, input?: string) => run("deno", ["run", "-A", hop, mode], input),
  bun: (mode: string, input?: string) => run("bun", [hop, mode], input),
};

describe("strings across runtimes", () => {
  for (const [from, to] of [["deno", "bun"], ["bun", "deno"]] as const) {
    it(`strings past U+00FF and lone surrogates pickled by ${from} load identically in ${to}`, () => {
      const pickled = runtimes[from]("dump");
      const out = JSON.parse(runtimes[to]("load", pickled));
      assert.deepEqual(out.mismatches, [], `items that differ in ${to}`);
      assert.ok(out.count > 1000, `${out.count} strings checked`);
      assert.ok(out.tags.includes(STR16) && out.tags.includes(STR8) && out.tags.includes(STR32));
      // And the pickle is the same bytes whichever runtime made it.
      assert.equal(
        pickled.trim(),
        runtimes[to]("dump").trim(),
        "both runtimes write the same bytes",
      );
    });
  }
});

function u32(n: number): number[] {
  return [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, n >>> 24];
}
