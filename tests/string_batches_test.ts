// Short strings past U+00FF decoded ahead in batches (on V8: the short UTF-8 and UTF-16
// strings that follow one another, over Latin-1 ones, made into one string and cut out of
// it). Checks that runs of every kind between other values come back exactly, that a bad
// string inside a run fails at its own bytes, that a reused input buffer is read afresh, and
// that mutated pickles load the same in Deno (batches) and Bun (one string at a time).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { dumpsSync, FORMAT_VERSION, loadsSync } from "../mod.ts";
import { bodyOf, concat, expectUnpicklingError, prng, withHeader } from "./helpers.ts";
import { KINDS, textOf } from "./cross/strings_values.ts";

const ARRAY = 0x76;
const STR8 = 0x6b;
const STR16 = 0x6d;
const LATIN1 = 0x92;
const SHORT_STRING = 0x40;
const u8 = (...b: number[]): Uint8Array => new Uint8Array(b);
const pickle = (...parts: Uint8Array[]): Uint8Array =>
  withHeader(concat(...parts), FORMAT_VERSION, 0);
const utf8 = new TextEncoder();

/** Short strings of every kind and length (0-300 units), with other values between some. */
function mixed(count: number, seed: number): unknown[] {
  const rand = prng(seed);
  const out: unknown[] = [];
  for (let i = 0; i < count; i++) {
    const r = rand();
    if (r < 0.06) out.push(rand() * 1e6);
    else if (r < 0.08) out.push(new Uint8Array([STR8, 3, 0xe4, 0xb8, 0xad, STR16, 1, 0x2d]));
    else if (r < 0.09) out.push({ "中文": "мир", k: textOf("lone", 5, i) });
    else if (r < 0.1) out.push(-(2 ** 40) - i);
    else {
      const kind = KINDS[Math.floor(rand() * KINDS.length)];
      const n = rand() < 0.95 ? Math.floor(rand() * 70) : Math.floor(rand() * 300);
      out.push(textOf(kind, n, i + seed));
    }
  }
  return out;
}

describe("short strings decoded in batches", () => {
  it("long runs of short strings of every kind, between other values, come back exactly", () => {
    for (const seed of [1, 2, 3]) {
      const values = mixed(12_000, seed);
      const out = loadsSync(dumpsSync(values)) as unknown[];
      assert.equal(out.length, values.length);
      for (let i = 0; i < values.length; i++) {
        if (typeof values[i] === "string") {
          assert.ok(out[i] === values[i], `item ${i}: ${JSON.stringify(values[i])}`);
        } else {
          assert.deepEqual(out[i], values[i], `item ${i}`);
        }
      }
      // The same strings as keys and values of objects, and repeated (back-references).
      const obj = Object.fromEntries(
        values.filter((v) => typeof v === "string").slice(0, 3000).map((v, i) => [v, v + i]),
      );
      const back = loadsSync(dumpsSync([obj, obj])) as Record<string, string>[];
      assert.equal(back[0], back[1]);
      assert.deepEqual(Object.entries(back[0]), Object.entries(obj));
    }
  });

  it("a bad string inside a run fails at its own bytes, wherever it is in the run", () => {
    const good: Uint8Array[] = [
      concat(u8(STR8, 5), utf8.encode("x✓y")),
      concat(u8(STR16, 2), u8(0x2d, 0x4e, 0x87, 0x65)),
      concat(u8(SHORT_STRING | 3), utf8.encode("abc")),
      concat(u8(LATIN1, 2), u8(0xe9, 0xff)),
      concat(u8(STR16, 1), u8(0x00, 0xd8)), // a lone surrogate
      concat(u8(STR8, 4), u8(0xf0, 0x9f, 0x9a, 0x80)),
    ];
    const bads = [[0xed, 0xa0, 0x80], [0xc3], [0xe4, 0xb8, 0x28], [0x80, 0x61]];
    for (const bad of bads) {
      for (let at = 0; at < 40; at += 3) {
        const items: Uint8Array[] = [];
        for (let i = 0; i < 40; i++) {
          items.push(i === at ? concat(u8(STR8, bad.length), u8(...bad)) : good[i % good.length]);
        }
        const body = concat(u8(ARRAY, 40), ...items);
        const p = pickle(body);
        const e = expectUnpicklingError(() => loadsSync(p), p);
        assert.match(e.message, /not valid UTF-8/);
        const before = items.slice(0, at).reduce((n, b) => n + b.length, 0);
        assert.equal(e.offset, p.length - body.length + 2 + before + 2, `bad at ${at}`);
      }
    }
  });

  it("a run cut short by the end of the pickle: UnpicklingError, never a partial string", () => {
    const items = Array.from({ length: 30 }, (_, i) => i % 2 ? "x✓" + i : "中文" + i);
    const full = dumpsSync(items);
    for (let cut = full.length - 1; cut > full.length - 60; cut--) {
      const p = full.slice(0, cut);
      expectUnpicklingError(() => loadsSync(p), p);
    }
  });

  it("one input buffer reused for another pickle is read afresh", () => {
    const a = dumpsSync(["x✓1", "中文", "мир1", "é"]);
    const b = dumpsSync(["y✓2", "文中", "мир2", "è"]);
    assert.equal(a.length, b.length);
    const buf = new Uint8Array(a.length);
    buf.set(a);
    assert.deepEqual(loadsSync(buf), ["x✓1", "中文", "мир1", "é"]);
    buf.set(b);
    assert.deepEqual(loadsSync(buf), ["y✓2", "文中", "мир2", "è"]);
    buf.set(a);
    assert.deepEqual(loadsSync(buf), ["x✓1", "中文", "мир1", "é"]);
  });
});

const root = fileURLToPath(new URL("..", import.meta.url));
const script = `${root}tests/cross/strings_batch.ts`;
function load(cmd: "deno" | "bun", input: string): string[] {
  const args = cmd === "deno" ? ["run", "-A", script] : [script];
  const r = spawnSync(`${root}node_modules/.bin/${cmd}`, args, {
    cwd: root,
    input,
    encoding: "utf8",
    timeout: 120_000,
    maxBuffer: 256 * 1024 * 1024,
  });
  assert.equal(r.status, 0, `${cmd} failed:\n${r.stderr}`);
  return r.stdout.trimEnd().split("\n");
}

describe("short strings across runtimes", () => {
  it("mutated pickles of string runs load the same in Deno (batches) and Bun (one at a time)", () => {
    const rand = prng(0x5eed);
    const bases = [1, 2, 3, 4].map((s) => dumpsSync(mixed(60, s * 7)));
    const tags = [STR8, STR16, LATIN1, SHORT_STRING | 2, 0x00, 0x80, 0xc3, 0xed, 0xd8];
    const pickles: Uint8Array[] = [];
    for (let k = 0; k < 600; k++) {
      const p = bases[k % bases.length].slice();
      const body = p.length - bodyOf(p).length;
      const edits = 1 + Math.floor(rand() * 3);
      for (let e = 0; e < edits; e++) {
        const at = body + Math.floor(rand() * (p.length - body));
        p[at] = rand() < 0.5 ? tags[Math.floor(rand() * tags.length)] : Math.floor(rand() * 256);
      }
      pickles.push(rand() < 0.2 ? p.subarray(0, body + Math.floor(rand() * (p.length - body))) : p);
    }
    const input = pickles.map((p) => p.toHex()).join("\n") + "\n";
    const deno = load("deno", input);
    const bun = load("bun", input);
    assert.equal(deno.length, pickles.length);
    assert.equal(bun.length, pickles.length);
    let values = 0;
    for (let i = 0; i < pickles.length; i++) {
      assert.ok(!deno[i].startsWith("NOT"), `Deno, pickle ${i}: ${deno[i]}`);
      assert.ok(!bun[i].startsWith("NOT"), `Bun, pickle ${i}: ${bun[i]}`);
      assert.equal(deno[i], bun[i], `pickle ${i} (${pickles[i].toHex()})`);
      if (!deno[i].startsWith("error")) values++;
    }
    assert.ok(values > 50, `${values} mutated pickles still loaded`);
  });
});
