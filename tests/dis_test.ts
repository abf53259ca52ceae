// The disassembler (dis.ts): golden outputs for every tag (tests/fixtures/dis/*.txt, from the
// golden bytes of tests/fixtures/golden.json and from values pickled once into
// tests/fixtures/dis/inputs.json), corrupt and truncated pickles, random mutations that never
// make it throw or take more than linear time, and the command on Deno and Bun.
//
// DIS_UPDATE=1 rewrites the golden outputs (and, on Deno, pickles the values of VALUES again):
//   DIS_UPDATE=1 node scripts/test.mjs --deno-only tests/dis_test.ts
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { closure, CodeCache, dumps, loadsSync, Pickler, UnpicklingError } from "../mod.ts";
import { dis, disassemble, TAG_NAMES } from "../dis.ts";
import { concat, prng, varint, withHeader } from "./helpers.ts";
import { FORMAT_VERSION } from "../lib/format/tags.ts";
import { binaryFixtures } from "./fixtures/binary.ts";
import { collectionFixtures } from "./fixtures/collections.ts";
import { errorFixtures } from "./fixtures/errors.ts";
import { objectFixtures } from "./fixtures/objects.ts";
import { primitiveFixtures } from "./fixtures/primitives.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const dir = `${root}tests/fixtures/dis/`;
const UPDATE = process.env.DIS_UPDATE === "1";
const IS_DENO = "Deno" in globalThis;
const golden = JSON.parse(readFileSync(`${root}tests/fixtures/golden.json`, "utf8")) as Record<
  string,
  string
>;

/** Values pickled into inputs.json (on DIS_UPDATE): code, signing, buffers, long strings. */
const VALUES: Record<string, () => Promise<Uint8Array>> = {
  data_only: () =>
    dumps({
      id: 7,
      name: "dis",
      tags: new Set(["a", "b"]),
      at: new Date(0),
      re: /x+/g,
      m: new Map<string, unknown>([["k", [1.5, -2, 10n ** 30n]]]),
      s: "é ✓",
      rows: [{ x: 1, y: null }, { x: 2, y: undefined }],
    }),
  signed: () => dumps({ a: 1, b: [true, false] }, { signingKey: new Uint8Array(32).fill(7) }),
  structured: () => {
    const shared = { n: 1 };
    const row = {
      id: 7,
      get label() {
        return "seven";
      },
      [Symbol("dropped")]: 1,
      a: shared,
      b: shared,
      holes: [1, , 3],
    };
    return dumps(row, { fidelity: "structured" });
  },
  out_of_band: () =>
    dumps([new Uint8Array([1, 2, 3]), new ArrayBuffer(4), new Float64Array(2)], {
      bufferCallback: () => false,
    }),
  closures: () => {
    const step = 2;
    const make = closure({ step }, () => {
      let count = 0;
      return closure({ step, count }, () => (count += step));
    });
    const shared = { n: 1 };
    const a = closure({ shared }, () => shared.n);
    const b = closure({ shared, a }, () => a() + shared.n);
    return dumps({ make, a, b });
  },
  class_definitions: () => {
    const Base = closure(
      {},
      class Base {
        base() {
          return 1;
        }
      },
    );
    const k = 3;
    const Derived = closure(
      { Base, k },
      class Derived extends Base {
        static s = k;
        #p = 1;
        static #q = 2;
        get p() {
          return this.#p + Derived.#q;
        }
      },
    );
    return dumps({ Derived, instance: new Derived() });
  },
  long_strings: () =>
    dumps({
      latin1: "ab".repeat(5000),
      utf8: "✓ ok ".repeat(1800),
      utf16: "\ud800x".repeat(100),
      long: closure({}, function long() {
        return "a very long function source that will not fit in a line of the output at all";
      }),
    }),
  // The second pickle of a channel with a code cache: its definitions by hash only.
  code_cache: async () => {
    const p = new Pickler({ codeCache: new CodeCache() });
    const add = closure({ n: 1 }, (x: number) => x + 1);
    const mul = closure({}, (x: number) => x * 2);
    await p.dumps({ add });
    return p.dumps({ add, mul, again: add });
  },
};

const header = (flags: number, body: number[]) =>
  withHeader(Uint8Array.from(body), FORMAT_VERSION, flags);

/** Corrupt pickles, made from bytes. */
const CORRUPT: Record<string, () => Uint8Array> = {
  truncated: () => {
    const b = Uint8Array.fromHex(golden.OBJECT_NEW_SHAPE);
    return b.subarray(0, b.length - 3);
  },
  truncated_header: () => Uint8Array.fromHex(golden.ARRAY).subarray(0, 5),
  bad_length: () => header(0, [0x76, 0xff, 0x7f, 0x01]),
  unknown_tag: () => header(0, [0x76, 0x02, 0x01, 0x99]),
  wrong_version: () => withHeader(new Uint8Array([0x01]), 9, 0),
  wrong_magic: () => concat(new TextEncoder().encode("JSON"), new Uint8Array([3, 0, 1, 0])),
  unknown_flags: () => header(0x40, [0x01]),
  unknown_memo_id: () => header(0, [0x76, 0x02, 0x71, 0x00, 0x71, 0x05]),
  unknown_shape: () => header(0, [0x73, 0x03]),
  invalid_utf8: () => header(0, [0x6b, 0x02, 0xff, 0xfe]),
  bytes_after_value: () => header(0, [0x01, 0x02]),
  bytes_after_pickle: () => concat(header(0, [0x01]), new Uint8Array([0, 0])),
  bad_module_index: () => header(8, [0x01, 0x44, ...new TextEncoder().encode("./ab"), 0x90, 0x03]),
  not_a_scope: () => header(1, [0x8b, 0x01, 0x00, 0x42, 0x28, 0x29, 0x01]),
};

function inputs(): Record<string, string> {
  const p = `${dir}inputs.json`;
  return existsSync(p) ? JSON.parse(readFileSync(p, "utf8")) : {};
}

/** Every case: name → bytes. */
function cases(): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  for (const [k, hex] of Object.entries(golden)) {
    out.set(`tag_${k.replaceAll(" ", "_")}`, Uint8Array.fromHex(hex));
  }
  for (const [k, hex] of Object.entries(inputs())) out.set(k, Uint8Array.fromHex(hex));
  for (const [k, make] of Object.entries(CORRUPT)) out.set(`corrupt_${k}`, make());
  return out;
}

/** Tag names of the format's table in lib/format/tags.ts (its documentation). */
function documentedTags(): string[] {
  const src = readFileSync(`${root}lib/format/tags.ts`, "utf8");
  const names = ["SMALL_INT", "SHORT_STRING"];
  for (const m of src.matchAll(/^ \* \| 0x[0-9A-F]{2} +\| ([A-Z_0-9]+) +\|/gm)) names.push(m[1]);
  return names;
}

describe("dis: golden outputs", () => {
  if (UPDATE) {
    it("rewrites the golden outputs (DIS_UPDATE=1)", async () => {
      mkdirSync(dir, { recursive: true });
      if (IS_DENO) {
        const out: Record<string, string> = {};
        for (const [k, make] of Object.entries(VALUES)) out[k] = (await make()).toHex();
        writeFileSync(`${dir}inputs.json`, JSON.stringify(out, null, 2) + "\n");
      }
      for (const [name, bytes] of cases()) writeFileSync(`${dir}${name}.txt`, dis(bytes));
    });
    return;
  }

  for (const [name, bytes] of cases()) {
    it(`${name}: disassembles to its golden output`, () => {
      const expected = readFileSync(`${dir}${name}.txt`, "utf8");
      assert.equal(dis(bytes), expected);
      const d = disassemble(bytes);
      assert.equal(d.error === null, !name.startsWith("corrupt_"), d.error?.reason);
    });
  }

  it("the tag table is the format's: every documented tag has a name", () => {
    assert.deepEqual(
      [...TAG_NAMES].sort(),
      documentedTags().map((n) => n === "URL_TAG" ? "URL" : n).sort(),
    );
  });

  it("every tag of lib/format/tags.ts appears in a golden output", () => {
    const seen = new Set<string>();
    for (const [, bytes] of cases()) for (const l of disassemble(bytes).lines) seen.add(l.name);
    const missing = TAG_NAMES.filter((n) => !seen.has(n));
    assert.deepEqual(missing, []);
    // And in the text of the fixtures, as `NAME` after the role.
    const text = [...cases().keys()].map((n) => readFileSync(`${dir}${n}.txt`, "utf8")).join("");
    for (const n of TAG_NAMES) assert.match(text, new RegExp(`[: ]${n}( |$)`, "m"), n);
  });
});

describe("dis: what it shows", () => {
  it("the header, its flags, the MAC of a signed pickle", () => {
    const d = disassemble(Uint8Array.fromHex(inputs().signed));
    assert.deepEqual(d.header?.flagNames, ["signed"]);
    assert.equal(d.mac?.length, 64);
    assert.equal(d.error, null);
  });

  it("out-of-band buffers by index, with the flag", () => {
    const d = disassemble(Uint8Array.fromHex(inputs().out_of_band));
    assert.ok(d.header!.flagNames.includes("out-of-band"));
    const oob = d.lines.filter((l) => l.name === "OOB_BUFFER").map((l) => l.operands);
    assert.deepEqual(oob, ["buffers[0]", "buffers[1]", "buffers[2]"]);
  });

  it("the module table, and the modules MODULE and EXPORT refer to", () => {
    const d = disassemble(Uint8Array.fromHex(golden.EXPORT));
    assert.ok(d.header!.flagNames.includes("modules"));
    assert.equal(d.modules.length, 1);
    const line = d.lines.find((l) => l.name === "EXPORT")!;
    assert.match(line.operands, /^modules\[0\] .* export area$/);
  });

  it("memo ids and the back-references that point to them", () => {
    const d = disassemble(Uint8Array.fromHex(golden.REF));
    const ref = d.lines.find((l) => l.name === "REF")!;
    const target = d.lines.find((l) => l.memo === Number(ref.operands.split(" ")[0]))!;
    assert.ok(ref.operands.endsWith(`${target.name} at ${target.offset}`));
  });

  it("a function's kind, source, scope records and the values they hold", async () => {
    const n = 41;
    const f = closure({ n }, (x: number) => x + n);
    const d = disassemble(await dumps(f));
    assert.deepEqual(d.header!.flagNames, ["code"]);
    const fn = d.lines[0];
    assert.equal(fn.name, "FUNCTION");
    assert.match(fn.operands, /^arrow source="\(x\) ?=> ?x \+ n"$/);
    const scope = d.lines.find((l) => l.name === "SCOPE")!;
    assert.equal(scope.operands, "1 variable [n]");
    const value = d.lines.find((l) => l.role === "n")!;
    assert.deepEqual([value.name, value.operands], ["SMALL_INT", "41"]);
  });

  it("long strings and sources are cut, with their length; maxWidth cuts lines", () => {
    const d = disassemble(Uint8Array.fromHex(inputs().long_strings), { maxString: 10 });
    const ops = d.lines.map((l) => l.operands).join("\n");
    assert.match(ops, /\(10000 chars\) "ababababab…"/);
    assert.match(ops, /\(12600 bytes\) "✓ ok ✓ ok …"/);
    const text = dis(Uint8Array.fromHex(inputs().long_strings), { maxWidth: 40 });
    for (const line of text.split("\n")) assert.ok(line.length <= 40, line);
  });

  it("a truncated pickle: the lines up to the cut, then the offset and the reason", () => {
    const full = Uint8Array.fromHex(golden.OBJECT_NEW_SHAPE);
    const whole = disassemble(full);
    for (let cut = 0; cut < full.length; cut++) {
      const d = disassemble(full.subarray(0, cut));
      assert.ok(d.error !== null, `cut at ${cut}`);
      assert.ok(d.error.offset <= cut, `offset ${d.error.offset} past the cut ${cut}`);
      assert.ok(d.lines.length <= whole.lines.length);
      for (let i = 0; i < d.lines.length; i++) {
        if (d.lines[i].offset < d.error.offset) assert.equal(d.lines[i].name, whole.lines[i].name);
      }
    }
  });
});

/** The loader's error on `bytes` (data only unless `code`), or null when it loads. */
function loaderError(bytes: Uint8Array, code = false): UnpicklingError | null {
  try {
    loadsSync(bytes, { allowCode: code });
    return null;
  } catch (e) {
    assert.ok(e instanceof UnpicklingError, String(e));
    return e;
  }
}

/**
 * Per corrupt case: what the loader's message and dis's reason each say about the fault. A
 * fault the byte reader finds (both use it) has no reason of dis's own: dis shows the loader's
 * message.
 */
const SAME_FAULT: Record<string, [RegExp, RegExp?]> = {
  bad_length: [/length it declares \(16383\) runs past its end/],
  unknown_tag: [/starts no known value/, /unknown tag 0x99/],
  wrong_version: [
    new RegExp(`format version 9.*reads version ${FORMAT_VERSION}`),
    new RegExp(`version 9 \\(this library reads ${FORMAT_VERSION}\\)`),
  ],
  wrong_magic: [/magic bytes/, /wrong magic bytes/],
  unknown_flags: [/unknown flags \(64\)/, /unknown header flags 0x40/],
  unknown_memo_id: [/unknown memo id 5/, /unknown memo id 5/],
  unknown_shape: [/unknown shape 3/, /unknown object shape 3/],
  invalid_utf8: [/not valid UTF-8/],
  bytes_after_value: [/1 unexpected bytes follow its value/, /1 unexpected bytes after the value/],
  bytes_after_pickle: [/2 unexpected bytes follow it/, /2 unexpected bytes after the pickle/],
  not_a_scope: [/a scope was expected/, /expected a scope/],
};

describe("dis: agrees with the loader", () => {
  it("corrupt pickles: the same offset and reason as the loader's error", () => {
    for (const [name, make] of Object.entries(CORRUPT)) {
      // The loader imports the module table before it reads the value.
      if (name === "bad_module_index") continue;
      const bytes = make();
      const d = disassemble(bytes);
      // Hand-made bytes whose code fails before anything is evaluated.
      const e = loaderError(bytes, true);
      assert.ok(d.error !== null && e !== null, name);
      if (name.startsWith("truncated")) {
        // The loader checks the announced length first; dis reads as far as the bytes go.
        assert.match(e.message, /truncated/);
        assert.match(d.error.reason, /truncated/);
        continue;
      }
      assert.equal(d.error.offset, e.offset, name);
      // The loader's message is written for users (what failed, why, the remedy); dis names
      // the faults only it checks in its own terms, tag names included.
      const [loader, shown] = SAME_FAULT[name];
      assert.match(e.message, loader, name);
      if (shown === undefined) {
        assert.equal(`${d.error.reason} (at byte ${e.offset})`, e.message, name);
      } else assert.match(d.error.reason, shown, name);
    }
  });

  it("every value of the suite's fixtures: read to its end, a line per tag", async () => {
    const fixtures = [
      ...binaryFixtures,
      ...collectionFixtures,
      ...errorFixtures,
      ...objectFixtures,
      ...primitiveFixtures,
    ];
    for (const f of fixtures) {
      const bytes = await dumps(f.value(), { bufferCallback: () => true });
      const d = disassemble(bytes);
      assert.equal(d.error, null, `${f.name}: ${d.error?.reason}`);
      assert.ok(d.lines.length > 0 && d.lines.every((l) => l.offset < bytes.length), f.name);
      const offsets = d.lines.filter((l) => l.tag >= 0).map((l) => l.offset);
      assert.equal(new Set(offsets).size, offsets.length, `${f.name}: one line per tag`);
    }
    assert.ok(fixtures.length > 100, `${fixtures.length} fixtures`);
  });

  it("a pickle the loader accepts, dis reads to its end (random mutations)", () => {
    const rand = prng(42);
    const sources = [...cases().entries()].filter(([n]) => !n.startsWith("corrupt_"))
      .map(([, b]) => b);
    let loaded = 0;
    for (let i = 0; i < 3000; i++) {
      const bytes = mutate(sources[i % sources.length], rand);
      if (loaderError(bytes) !== null) continue;
      loaded++;
      const d = disassemble(bytes);
      assert.equal(d.error, null, `${bytes.toHex()}: ${d.error?.reason}`);
    }
    assert.ok(loaded > 50, `${loaded} mutations loaded`);
  });
});

/** Random mutations of a pickle: flipped, inserted, deleted, repeated and cut bytes. */
function mutate(src: Uint8Array, rand: () => number): Uint8Array {
  const b = Array.from(src);
  const edits = 1 + Math.floor(rand() * 4);
  for (let e = 0; e < edits; e++) {
    const at = Math.floor(rand() * (b.length + 1));
    switch (Math.floor(rand() * 6)) {
      case 0:
        b[Math.min(at, b.length - 1)] = Math.floor(rand() * 256);
        break;
      case 1:
        b.splice(at, 0, Math.floor(rand() * 256));
        break;
      case 2:
        b.splice(at, 1 + Math.floor(rand() * 4));
        break;
      case 3:
        b.splice(at, 0, ...b.slice(at, at + 1 + Math.floor(rand() * 16)));
        break;
      case 4:
        b.length = at;
        break;
      default:
        b[Math.min(at, b.length - 1)] = [0x71, 0x76, 0x8b, 0x8c, 0x78, 0x93, 0xff][
          Math.floor(rand() * 7)
        ];
    }
  }
  return new Uint8Array(b);
}

describe("dis: hostile bytes", () => {
  it("random mutations of real pickles never throw, and stop at a reason", () => {
    const rand = prng(15);
    const sources = [...cases().values()];
    let corrupt = 0;
    for (let i = 0; i < 4000; i++) {
      const bytes = mutate(sources[i % sources.length], rand);
      const d = disassemble(bytes);
      const text = dis(bytes);
      assert.equal(typeof text, "string");
      if (d.error !== null) {
        corrupt++;
        assert.ok(!d.error.reason.startsWith("disassembler error"), d.error.reason);
        assert.ok(d.error.offset >= 0 && d.error.offset <= bytes.length);
      }
    }
    assert.ok(corrupt > 1000, `${corrupt} of 4000 mutations found corrupt`);
  });

  /** Milliseconds of the fastest of three runs of `f`. */
  const time = (f: () => void) => {
    let best = Infinity;
    for (let i = 0; i < 3; i++) {
      const t = performance.now();
      f();
      best = Math.min(best, performance.now() - t);
    }
    return best;
  };

  /** `part` `n` times, as bytes (built without spreading millions of arguments). */
  const repeat = (part: number[], n: number) => {
    const out = new Uint8Array(part.length * n);
    for (let i = 0; i < n; i++) out.set(part, i * part.length);
    return out;
  };
  const pickle = (flags: number, ...parts: (number[] | Uint8Array)[]) =>
    withHeader(concat(...parts.map((p) => Uint8Array.from(p))), FORMAT_VERSION, flags);
  const KEYS = 10;
  const hostile: Record<string, (n: number) => Uint8Array> = {
    "nested arrays": (n) => pickle(0, repeat([0x76, 0x01], n), [0x00]),
    "nested boxes": (n) => pickle(0, repeat([0x82, 0x00], n), [0x00]),
    "a chain of scopes": (n) =>
      pickle(1, [0x8b, 0x01, 0x00, 0x40], repeat([0x8c, 0x00], n), [0x61]),
    "one shape referenced again and again": (n) =>
      pickle(
        0,
        [0x76, ...varint(n + 1), 0x72, ...varint(KEYS)],
        Array.from({ length: KEYS }, (_, i) => [0x6d, 0x02, i, 0x00, i, 0xd8]).flat(),
        repeat([0x00], KEYS),
        repeat([0x73, 0x00, ...Array(KEYS).fill(0x01)], n),
      ),
    "nested class definitions": (n) =>
      pickle(1, repeat([0x8b, 0x03, 0x00, 0x40, 0x40, 0x61, 0x01, 0x41, 0x61, 0x01], n), [0x61]),
    "a chain of SET_PROTO": (n) => pickle(1, repeat([0x8e], n), [0x61]),
    "a long string": (n) => pickle(0, [0x92, ...varint(n * 10)], repeat([0x61], n * 10)),
    "many sparse elements": (n) =>
      pickle(0, [0x77, ...varint(n * 4), ...varint(n)], repeat([0x00, 0x01], n)),
  };

  it("deep operands stop with a reason, not a stack overflow", () => {
    for (const name of ["nested boxes", "a chain of scopes", "nested class definitions"]) {
      const d = disassemble(hostile[name](5000));
      assert.match(d.error!.reason, /nested (deeper|too deep)/, name);
    }
  });

  it("any bytes: ArrayBuffer, views, Buffer; odd options", () => {
    const bytes = Uint8Array.fromHex(golden.ARRAY);
    const text = dis(bytes);
    assert.equal(dis(bytes.slice().buffer), text);
    assert.equal(dis(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)), text);
    const padded = new Uint8Array(bytes.length + 4);
    padded.set(bytes, 2);
    assert.equal(dis(padded.subarray(2, 2 + bytes.length)), text);
    assert.equal(dis(bytes, { maxString: NaN, maxWidth: Infinity }), text);
    assert.equal(disassemble(new Uint8Array(0)).error?.reason, "truncated pickle header");
  });

  for (const [name, make] of Object.entries(hostile)) {
    it(`${name}: never throws, output and time linear in the input`, () => {
      const small = make(1000);
      const big = make(8000);
      const ds = dis(small);
      const db = dis(big);
      assert.ok(db.length / big.length < 30 * Math.max(1, ds.length / small.length), "output");
      const ts = time(() => dis(small));
      const tb = time(() => dis(big));
      // Eight times the input: linear is 8 times the time, quadratic 64 (a shared machine and
      // the collector's work on a larger heap blur the ratio, hence the margin).
      assert.ok(tb < 24 * ts + 200, `${ts.toFixed(1)} ms, then ${tb.toFixed(1)} ms`);
    });
  }
});

const RUNTIMES: Record<string, [string, string[]]> = {
  deno: [`${root}node_modules/.bin/deno`, ["run", "--allow-read", "dis.ts"]],
  bun: [`${root}node_modules/.bin/bun`, ["dis.ts"]],
};

function run(cmd: string, args: string[], input?: Uint8Array) {
  return spawnSync(cmd, args, {
    cwd: root,
    input,
    encoding: "utf8",
    timeout: 60_000,
    env: { ...process.env, NO_COLOR: "1" },
  });
}

describe("dis: the command", () => {
  for (const [runtime, [cmd, args]] of Object.entries(RUNTIMES)) {
    it(`${runtime}: a file, standard input, --json, and exit codes`, () => {
      const tmp = `${root}tests/fixtures/dis/`;
      const pickle = Uint8Array.fromHex(inputs().closures);
      const expected = readFileSync(`${tmp}closures.txt`, "utf8");
      // A file: the pickle written next to the fixtures for the run.
      const path = `${root}tmp/dis_cli_${runtime}.pkl`;
      mkdirSync(`${root}tmp`, { recursive: true });
      writeFileSync(path, pickle);
      let r = run(cmd, [...args, path]);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, expected);
      // Standard input: "-" and no argument.
      r = run(cmd, [...args, "-"], pickle);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, expected);
      r = run(cmd, args, pickle);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, expected);
      // A corrupt pickle: exit code 1, the output ends with the offset and the reason.
      const bad = CORRUPT.unknown_tag();
      r = run(cmd, [...args, "-"], bad);
      assert.equal(r.status, 1);
      assert.equal(r.stdout, readFileSync(`${tmp}corrupt_unknown_tag.txt`, "utf8"));
      assert.match(r.stdout.trimEnd().split("\n").pop()!, /^ *\d+: ERROR unknown tag 0x99$/);
      // --json: the structured form; --max-width cuts lines.
      r = run(cmd, [...args, "--json", "-"], bad);
      assert.equal(r.status, 1);
      assert.deepEqual(JSON.parse(r.stdout), JSON.parse(JSON.stringify(disassemble(bad))));
      r = run(cmd, [...args, "--max-width", "30", path]);
      assert.equal(r.status, 0, r.stderr);
      for (const line of r.stdout.trimEnd().split("\n")) assert.ok(line.length <= 30, line);
      // Usage errors: exit code 2.
      r = run(cmd, [...args, "--bogus"]);
      assert.equal(r.status, 2);
      assert.match(r.stderr, /unknown option --bogus/);
    });
  }

  it("a reader that closes the pipe early: no error, the exit code of the pickle", () => {
    const path = `${root}tmp/dis_cli_long.pkl`;
    mkdirSync(`${root}tmp`, { recursive: true });
    writeFileSync(
      path,
      withHeader(
        concat(Uint8Array.of(0x76, 0xa0, 0x9c, 0x01), new Uint8Array(20000).fill(1)),
        FORMAT_VERSION,
        0,
      ),
    );
    for (const [cmd, args] of Object.values(RUNTIMES)) {
      const line = [cmd, ...args, path].join(" ");
      const r = run("bash", ["-c", `${line} | head -n 1; echo "status \${PIPESTATUS[0]}" >&2`]);
      assert.match(r.stdout, new RegExp(`HEADER version ${FORMAT_VERSION}`));
      assert.equal(r.stderr.trim(), "status 0");
    }
  });

  it("importing dis.ts has no side effects (Deno and Bun)", () => {
    const code = 'await import("./dis.ts"); console.log("imported");';
    for (
      const [cmd, args] of [
        [`${root}node_modules/.bin/deno`, ["eval", code]],
        [`${root}node_modules/.bin/bun`, ["-e", code]],
      ] as const
    ) {
      const r = run(cmd, [...args], new Uint8Array([1, 2, 3]));
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, "imported\n");
    }
  });
});
