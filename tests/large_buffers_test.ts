// Pickles holding large binary data: a raw write of a megabyte or more goes into a new buffer
// that the pickle takes along (one copy of the bytes). Each pickle still owns its buffer, the
// writer goes on with its own buffer afterwards, and the bytes are those of the normal path.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { dumps, dumpsSync, loads, loadsSync } from "../mod.ts";
import { FLAG_MODULES } from "../lib/format/tags.ts";
import { picklable } from "./fixtures/all.ts";
import { differences, largeValues, pattern } from "./cross/large_buffers.ts";

const bytesOf = (v: ArrayBufferView) => new Uint8Array(v.buffer, v.byteOffset, v.byteLength);

describe("large binary data", () => {
  it("a large Float64Array comes back with its bytes, over a buffer of its own length", () => {
    const input = new Float64Array(pattern(8 * 1_000_000, 7).buffer);
    const out = loadsSync(dumpsSync(input)) as Float64Array;
    assert.ok(out instanceof Float64Array);
    assert.equal(Object.getPrototypeOf(out), Float64Array.prototype);
    assert.equal(out.length, 1_000_000);
    assert.equal(out.byteOffset, 0);
    assert.equal(out.buffer.byteLength, 8_000_000);
    assert.deepEqual(bytesOf(out), bytesOf(input));
    assert.notEqual(out.buffer, input.buffer);
  });

  it("pickles made one after another own their bytes: later pickles change none of them", () => {
    const big1 = pattern(2_000_000, 1);
    const big2 = pattern(3_000_000, 2);
    const p1 = dumpsSync(big1);
    const copy1 = p1.slice();
    const s1 = dumpsSync({ small: 1 });
    const p2 = dumpsSync(big2);
    const s2 = dumpsSync(["small", 2]);
    const p3 = dumpsSync(big1);
    assert.deepEqual(p1, copy1, "the first pickle was not written over");
    assert.deepEqual(p3, p1, "the same value gives the same bytes");
    const buffers = [p1, s1, p2, s2, p3].map((p) => p.buffer);
    assert.equal(new Set(buffers).size, 5, "every pickle has a buffer of its own");
    for (const s of [s1, s2]) assert.equal(s.buffer.byteLength, s.length, "small: exact size");
    assert.deepEqual(loadsSync(s1), { small: 1 });
    assert.deepEqual(loadsSync(s2), ["small", 2]);
    assert.deepEqual(loadsSync(p2), big2);
    assert.deepEqual(loadsSync(p1), big1);
  });

  it("a pickle with a large buffer can be transferred and loads after the transfer", () => {
    const big = pattern(1_500_000, 9);
    const p = dumpsSync({ big, after: "text" });
    const moved = structuredClone(p, { transfer: [p.buffer] });
    assert.equal(p.byteLength, 0, "transferred away");
    const out = loadsSync(moved) as { big: Uint8Array; after: string };
    assert.deepEqual(out.big, big);
    assert.equal(out.after, "text");
    // The writer goes on with buffers of its own: the next pickles are unaffected.
    assert.deepEqual(loadsSync(dumpsSync(big)), big);
    assert.equal(loadsSync(dumpsSync("next")), "next");
  });

  it("several large buffers in one pickle, and much more written after them", () => {
    const values = largeValues();
    const pickles = values.map((v) => dumpsSync(v));
    assert.deepEqual(differences(pickles.map((p) => loadsSync(p)), values), []);
    const all = dumpsSync(values);
    assert.deepEqual(differences(loadsSync(all) as unknown[], values), []);
    const many = Array.from({ length: 6 }, (_, i) => pattern(1_048_576 + i, i));
    const out = loadsSync(dumpsSync([...many, ...many])) as Uint8Array[];
    for (let i = 0; i < 6; i++) {
      assert.deepEqual(out[i], many[i]);
      assert.equal(out[i + 6], out[i], "shared identity kept");
    }
  });

  it("a large buffer next to code by reference (the module table is placed before it)", () => {
    const big = pattern(1_200_000, 4);
    const p = dumpsSync({ fn: picklable, big });
    assert.notEqual(p[5] & FLAG_MODULES, 0, "the pickle has a module table");
    const out = loadsSync(p) as { fn: unknown; big: Uint8Array };
    assert.equal(out.fn, picklable);
    assert.deepEqual(out.big, big);
    // The writer's next pickle, a large one again, is right too.
    assert.deepEqual(loadsSync(dumpsSync(big)), big);
  });

  it("a pickling error after a large buffer leaves the writer fit for the next pickles", () => {
    const big = pattern(1_300_000, 8);
    assert.throws(() => dumpsSync([big, new WeakRef({})]), (e: Error) => {
      assert.equal(e.name, "PicklingError");
      return true;
    });
    assert.deepEqual(loadsSync(dumpsSync({ n: 1 })), { n: 1 });
    const p = dumpsSync([big, "after"]);
    assert.deepEqual(loadsSync(p), [big, "after"]);
    assert.deepEqual(loadsSync(dumpsSync(["small"])), ["small"]);
    assert.deepEqual(loadsSync(p), [big, "after"], "the earlier pickle is unchanged");
  });

  it("the async form gives the same bytes as the sync form", async () => {
    const values = largeValues();
    const sync = dumpsSync(values);
    const async = await dumps(values);
    assert.deepEqual(async, sync);
    assert.deepEqual(differences(await loads(async) as unknown[], values), []);
  });

  it("a truncated pickle of a large buffer fails with UnpicklingError at its end", () => {
    const p = dumpsSync(pattern(1_100_000, 6));
    assert.throws(() => loadsSync(p.subarray(0, p.length - 1)), (e: Error) => {
      assert.equal(e.name, "UnpicklingError");
      assert.match(e.message, /truncated/);
      return true;
    });
  });
});

const root = fileURLToPath(new URL("..", import.meta.url));
const script = `${root}tests/cross/large_buffers.ts`;
function run(cmd: string, args: string[]): string {
  const r = spawnSync(`${root}node_modules/.bin/${cmd}`, args, {
    cwd: root,
    encoding: "utf8",
    timeout: 120_000,
  });
  assert.equal(r.status, 0, `${cmd} ${args.join(" ")} failed:\n${r.stderr}`);
  return r.stdout;
}
const runtimes = {
  deno: (...args: string[]) => run("deno", ["run", "-A", script, ...args]),
  bun: (...args: string[]) => run("bun", [script, ...args]),
};

describe("large binary data across runtimes", () => {
  for (const [from, to] of [["deno", "bun"], ["bun", "deno"]] as const) {
    it(`pickles of large buffers made by ${from} load in ${to}, and are the same bytes`, () => {
      const dir = mkdtempSync(join(tmpdir(), "cp-large-"));
      try {
        runtimes[from]("dump", join(dir, "a"));
        const out = JSON.parse(runtimes[to]("load", join(dir, "a")));
        assert.equal(out.count, 5);
        assert.deepEqual(out.diff, []);
        runtimes[to]("dump", join(dir, "b"));
        const a = spawnSync("cmp", [join(dir, "a"), join(dir, "b")]);
        assert.equal(a.status, 0, "both runtimes wrote the same bytes");
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
