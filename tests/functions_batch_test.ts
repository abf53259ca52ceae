// Functions by value evaluated together on load (lib/code/eval_batch.ts): sibling functions of
// one scope are evaluated in one evaluation, and still share their scope; `name` and `length`
// travel only where the source does not give them, and come back right in every form; a
// source that is not one function expression is refused, alone or in a batch, and cannot
// change the other functions of its batch. Checked in this process and in processes of both
// runtimes.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { closure, dumpsSync, loadsSync, PicklingError, UnpicklingError } from "../mod.ts";
import { batchCounts } from "../lib/code/eval_batch.ts";
import defaultFn from "./batch/default_fn.ts";
import { describeFunctions } from "./batch/describe.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const describeScript = `${root}tests/batch/describe.ts`;
const defaultModule = new URL("./batch/default_fn.ts", import.meta.url).href;

declare let count: number;
declare let log: string[];

/** Six closures of one scope, given with closure(): they share it after loading. */
function makeCounter(): Record<string, (n?: number) => unknown> {
  const caps = { count: 0, log: [] as string[] };
  return {
    inc: closure(caps, () => {
      log.push("inc");
      return ++count;
    }),
    dec: closure(caps, () => {
      log.push("dec");
      return --count;
    }),
    add: closure(caps, (n?: number) => {
      log.push("add");
      return (count += n ?? 0);
    }),
    get: closure(caps, () => count),
    reset: closure(caps, () => {
      count = 0;
      log = [];
    }),
    history: closure(caps, () => log.join(",")),
  };
}

const computedKey = "comp" + "uted";
const sym = Symbol("sym");
const literal = {
  method(a: number) {
    return a + 1;
  },
  get value() {
    return 5;
  },
  set value(_v: number) {
    // nothing to store
  },
  async am(a: number, b: number) {
    return await Promise.resolve(a + b);
  },
  *gen(a: number) {
    yield a;
  },
  [computedKey](a: number, b: number, c: number) {
    return a + b + (c ?? 0);
  },
  [sym](a: number) {
    return a;
  },
  "quoted key"(x: number) {
    return x;
  },
  42(a: number, b: number) {
    return a * b;
  },
};
const accessor = Object.getOwnPropertyDescriptor(literal, "value")!;

const arrowInConst = (a: number, b: number) => a + b;
function declared(a: number, b = 1, ...rest: number[]) {
  return a + b + rest.length;
}
const renamed = Object.defineProperty((a: number) => a * 10, "name", { value: "renamed" });
const relength = Object.defineProperty(
  function lenX(a: number, b: number) {
    return a - b;
  },
  "length",
  { value: 7 },
);
const writableName = Object.defineProperty(
  function wn() {
    return 1;
  },
  "name",
  { value: "wn", writable: true, enumerable: true },
);

/** Every form of function whose name and length must come back as they are. */
function forms(): Record<string, unknown> {
  return {
    arrowInConst,
    declared,
    anonymousFunction: [function (a: number) {
      return a;
    }][0],
    anonymousArrow: [(a: number, b: number) => a * b][0],
    method: literal.method,
    getter: accessor.get,
    setter: accessor.set,
    asyncMethod: literal.am,
    generatorMethod: literal.gen,
    computed: literal[computedKey as "computed"],
    symbolKeyed: literal[sym],
    quoted: literal["quoted key"],
    numeric: literal[42],
    defaultExport: defaultFn,
    bound: declared.bind(null, 1),
    boundArrow: arrowInConst.bind(null),
    renamed,
    relength,
    writableName,
  };
}

const pickle = (v: unknown): Uint8Array => dumpsSync(v, { byValue: [defaultModule] });

function run(cmd: string, args: string[], input: string): string {
  const r = spawnSync(cmd, args, { cwd: root, input, encoding: "utf8", timeout: 60_000 });
  assert.equal(r.status, 0, `${cmd} ${args.join(" ")} failed:\n${r.stderr}`);
  return r.stdout.trim();
}

/** A pickle whose function sources are `sources` (each an anonymous arrow of its length). */
function withSources(sources: readonly string[]): Uint8Array {
  // Real functions whose sources have the same lengths, then their bytes replaced.
  const fns = sources.map((s) => (0, eval)(`(() => ${"1".repeat(s.length - 6)})`));
  const bytes = dumpsSync(fns);
  // One character per byte (TextDecoder's "latin1" is windows-1252, which remaps 0x80-0x9F).
  const text = String.fromCharCode(...bytes);
  let out = text;
  fns.forEach((f, i) => {
    const src = String(f);
    assert.equal(src.length, sources[i].length);
    out = out.replace(src, sources[i]);
  });
  return Uint8Array.from(out, (c) => c.charCodeAt(0));
}

describe("functions evaluated together on load", () => {
  it("names and lengths come back right in every form", () => {
    const original = forms();
    const bytes = pickle(original);
    const copy = loadsSync<Record<string, unknown>>(bytes);
    assert.deepEqual(describeFunctions(copy), describeFunctions(original));
    // Each alone too (not in a batch).
    for (const [k, f] of Object.entries(original)) {
      const one = loadsSync<Record<string, unknown>>(pickle({ [k]: f }));
      assert.deepEqual(describeFunctions(one), describeFunctions({ [k]: f }), k);
    }
  });

  it("a bound function whose length was redefined is refused, not loaded without it", () => {
    const b = Object.defineProperty(declared.bind(null), "length", { value: 9 });
    assert.throws(
      () => dumpsSync(b),
      (e) => e instanceof PicklingError && /length was redefined/.test(e.message),
    );
  });

  it("name and length travel only where the source does not give them", () => {
    const plain = pickle([(a: number) => a]);
    const named = pickle([Object.defineProperty((a: number) => a, "name", { value: "x" })]);
    assert.ok(!new TextDecoder().decode(plain).includes("length"));
    assert.ok(new TextDecoder().decode(named).includes("name"));
  });

  it("many capture-free functions are made by one evaluation, and run", () => {
    const fns = (0, eval)(
      `[${Array.from({ length: 50 }, (_, j) => `(x) => x * ${j} + ${Date.now() % 1e6}`)}]`,
    ) as ((x: number) => number)[];
    const before = { ...batchCounts };
    const copy = loadsSync<((x: number) => number)[]>(dumpsSync(fns));
    assert.equal(batchCounts.evaluations - before.evaluations, 1);
    assert.equal(batchCounts.functions - before.functions, 50, "the first one too");
    for (let j = 0; j < 50; j++) assert.equal(copy[j](2), fns[j](2));
    assert.equal(new Set(copy).size, 50, "distinct functions");
  });

  it("functions made by one evaluation keep their own identity, properties and prototypes", () => {
    const n = Date.now() % 1e6;
    // (Strict: a sloppy-mode function loads through a path of its own, alone.)
    const fns = (0, eval)(
      `"use strict"; [${
        Array.from({ length: 6 }, (_, j) => `function f${j}(x) { return x + ${j} + ${n}; }`)
      }]`,
    ) as ((x: number) => number)[];
    const before = { ...batchCounts };
    const copy = loadsSync<((x: number) => number)[]>(dumpsSync([...fns, fns[2], fns[4]]));
    assert.equal(batchCounts.evaluations - before.evaluations, 1);
    assert.equal(copy.length, 8);
    assert.equal(copy[6], copy[2], "a repeated function is the same function");
    assert.equal(copy[7], copy[4]);
    assert.equal(new Set(copy).size, 6);
    const protos = new Set(copy.map((f) => (f as unknown as { prototype: object }).prototype));
    assert.equal(protos.size, 6, "each its own prototype object");
    for (let j = 0; j < 6; j++) {
      const f = copy[j] as unknown as { prototype: { constructor: unknown }; name: string };
      assert.equal(f.prototype.constructor, f);
      assert.equal(f.name, `f${j}`);
      assert.equal(copy[j](1), 1 + j + n);
    }
    // Properties given to one are its own.
    (copy[1] as unknown as { tag: string }).tag = "one";
    Object.defineProperty(copy[3], "name", { value: "three" });
    assert.equal((copy[0] as unknown as { tag?: string }).tag, undefined);
    assert.equal((copy[2] as unknown as { tag?: string }).tag, undefined);
    assert.equal(copy[4].name, "f4");
    const again = loadsSync<((x: number) => number)[]>(dumpsSync(copy));
    assert.equal((again[1] as unknown as { tag: string }).tag, "one");
    assert.equal(again[3].name, "three");
    assert.equal(again[0].name, "f0");
  });

  it("loaded functions pickle again to the same bytes, hop after hop", () => {
    const n = Date.now() % 1e6;
    const arrows = (0, eval)(
      `[${Array.from({ length: 20 }, (_, j) => `(x) => x * ${j} + ${n}`)}]`,
    ) as ((x: number) => number)[];
    const value = { arrows, fns: forms(), counter: makeCounter() };
    const first = pickle(value);
    const hop1 = dumpsSync(loadsSync(first));
    const hop2 = dumpsSync(loadsSync(hop1));
    const hop3 = dumpsSync(loadsSync(hop2));
    assert.deepEqual(hop2, hop1, "a loaded value pickles to the bytes it came from");
    assert.deepEqual(hop3, hop2);
    const last = loadsSync<typeof value>(hop3);
    assert.deepEqual(last.arrows.map((f) => f(3)), arrows.map((f) => f(3)));
    assert.deepEqual(describeFunctions(last.fns), describeFunctions(value.fns));
    last.counter.inc();
    last.counter.add(4);
    assert.equal(last.counter.get(), 5);
  });

  it("closures of one scope made by one evaluation still share the scope", () => {
    // (The originals cannot run here: their variables exist only as closure() captures.)
    const c = makeCounter();
    const before = { ...batchCounts };
    const copy = loadsSync<Record<string, (n?: number) => unknown>>(dumpsSync(c));
    // The first function declares the scope, whose values follow it: the batch starts at the
    // second function (read by the frame loop itself, its scope a reference).
    assert.equal(batchCounts.evaluations - before.evaluations, 1);
    assert.equal(batchCounts.functions - before.functions, 5);
    assert.equal(copy.get(), 0);
    copy.inc();
    copy.add(5);
    copy.dec();
    assert.equal(copy.get(), 5, "inc, add, dec and get share count");
    assert.equal(copy.history(), "inc,add,dec", "and log");
    const second = loadsSync<Record<string, (n?: number) => unknown>>(dumpsSync(c));
    assert.equal(second.get(), 0, "another load has its own scope");
    copy.reset();
    assert.equal(copy.get(), 0);
    assert.equal(copy.history(), "");
    // Pickled again from the loaded copy: still one scope.
    copy.inc();
    const again = loadsSync<Record<string, (n?: number) => unknown>>(dumpsSync(copy));
    again.add(2);
    assert.equal(again.get(), 3);
    assert.equal(again.history(), "inc,add");
  });

  it("two scopes in one array stay apart", () => {
    const a = makeCounter();
    const b = makeCounter();
    const copy = loadsSync<Record<string, (n?: number) => unknown>[]>(dumpsSync([a, b]));
    copy[0].add(4);
    copy[1].inc();
    assert.equal(copy[0].get(), 4);
    assert.equal(copy[1].get(), 1);
  });

  it("a batch with a function of its own properties, a sloppy-mode one and methods", () => {
    const withProp = Object.assign((x: number) => x + 1, { extra: 42 });
    const sloppy = (0, eval)("(function () { return 010; })"); // octal: sloppy mode only
    const fns = [
      (x: number) => x,
      (x: number) => x * 2,
      withProp,
      (x: number) => x * 3,
      sloppy,
      (x: number) => x * 4,
      literal.method,
      literal[computedKey as "computed"],
      (x: number) => x * 5,
    ];
    const copy = loadsSync<typeof fns>(dumpsSync(fns));
    assert.deepEqual(copy.map((f) => (f as (a: number, b: number) => number)(2, 3)), [
      2,
      4,
      3,
      6,
      8,
      8,
      3,
      5,
      10,
    ]);
    assert.equal((copy[2] as unknown as { extra: number }).extra, 42);
    assert.equal(copy[7].name, computedKey);
  });

  it("a source that is not one function expression is refused, alone or in a batch", () => {
    const g = globalThis as { __batchHostile?: number };
    const hostile = [
      // Adds a function to the batch (would shift the others).
      "(x) => 1, (y) => 666",
      // Closes the batch's array, runs code, opens another.
      "(x) => 1]; globalThis.__batchHostile = 1; [(y) => 2",
      // A function whose text is shorter than the source.
      "((x) => 1)",
    ];
    for (const h of hostile) {
      for (const at of [0, 1, 3]) {
        const sources = ["(a) => a + 1", "(b) => b + 2", "(c) => c + 3", "(d) => d + 4"];
        sources[at] = h;
        const bytes = withSources(sources);
        assert.throws(
          () => loadsSync(bytes),
          (e) =>
            e instanceof UnpicklingError &&
            /not one function expression|does not make a function|does not evaluate/.test(
              e.message,
            ),
          `${h} at ${at}`,
        );
      }
      const alone = withSources([h]);
      assert.throws(() => loadsSync(alone), UnpicklingError, h);
    }
    delete g.__batchHostile;
    // The same sources, well formed, load (the stale state of a refused load is not reused).
    const ok = loadsSync<((x: number) => number)[]>(
      withSources(["(a) => a + 1", "(b) => b + 2", "(c) => c + 3", "(d) => d + 4"]),
    );
    assert.deepEqual(ok.map((f) => f(1)), [2, 3, 4, 5]);
  });

  for (const runtime of ["deno", "bun"] as const) {
    it(`loaded in a ${runtime} process: names, lengths and shared state, pickled again`, () => {
      const original = forms();
      const counter = makeCounter();
      const hex = pickle({ fns: original, counter }).toHex();
      const args = runtime === "deno"
        ? ["run", "-A", describeScript]
        : ["--preload", `${root}preload.ts`, describeScript];
      const out = JSON.parse(run(`${root}node_modules/.bin/${runtime}`, args, hex)) as {
        described: Record<string, string[]>;
        counted: unknown[];
        again: string;
      };
      const expected = describeFunctions(original);
      assert.deepEqual(out.described, expected);
      assert.deepEqual(out.counted, [11, "inc,inc,add,dec"]);
      // What that process pickled again loads here with the same names, lengths and state.
      const back = loadsSync<{
        fns: Record<string, unknown>;
        counter: Record<string, (n?: number) => unknown>;
      }>(Uint8Array.fromHex(out.again));
      assert.deepEqual(describeFunctions(back.fns), expected);
      // And pickled again here, back in that process's bytes: the same pickle both ways.
      assert.deepEqual(dumpsSync(back).toHex(), out.again, "a byte fixpoint across runtimes");
      back.counter.inc();
      assert.equal(back.counter.get(), 12);
      assert.equal(back.counter.history(), "inc,inc,add,dec,inc");
    });
  }
});
