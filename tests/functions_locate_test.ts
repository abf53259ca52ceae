// New functions pickled for the first time: on V8 a function no module exports is located
// (its script, and whether a module defines it: lib/runtime/inspector/locate.ts) together
// with the functions after it in its container, one property read each instead of three
// inspector commands; a module imported since the last listing is still found among them, by
// dumpsSync and dumps, here and in processes of both runtimes. Functions evaluated together
// on load carry the loader's mark as a private field: no own key, and they can be frozen and
// pickled again.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { dumps, dumpsSync, loads, loadsSync, ready } from "../mod.ts";
import { inspectorActivity } from "../lib/runtime/inspector/session.ts";
import { batchCounts } from "../lib/code/eval_batch.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const onDeno = "Deno" in globalThis;
let serial = 0;

/** `count` arrow functions of new source text: function j is (x) => x * j + k. */
function fresh(count: number): { fns: ((x: number) => number)[]; k: number } {
  const k = Date.now() % 1e6 + 1e6 * ++serial;
  const fns = (0, eval)(`[${Array.from({ length: count }, (_, j) => `(x) => x * ${j} + ${k}`)}]`);
  return { fns, k };
}

/** The inspector commands `work` sent, by method. */
function commands(work: () => void): Record<string, number> {
  const before = { ...inspectorActivity().calls };
  work();
  const out: Record<string, number> = {};
  for (const [m, v] of Object.entries(inspectorActivity().calls)) {
    if (v !== (before[m] ?? 0)) out[m] = v - (before[m] ?? 0);
  }
  return out;
}

/**
 * A module file exporting f (x + 1) and g (x * 2), imported now. Texts of its own: a function
 * of the same text located before stands for it in what costs time (see locate.ts).
 */
async function laterModule(dir: string, name: string) {
  const file = join(dir, name);
  const tag = JSON.stringify(name);
  writeFileSync(
    file,
    `export function f(x) { return x + 1 + ${tag}.length * 0; }\n` +
      `export const g = (x) => x * 2 + ${tag}.length * 0;\n`,
  );
  return await import(pathToFileURL(file).href) as {
    f: (x: number) => number;
    g: (x: number) => number;
  };
}

describe("new functions located together", () => {
  it("the functions of one array: one property read each, no listing, and they run", async () => {
    await ready();
    const { fns, k } = fresh(60);
    let copy: ((x: number) => number)[] = [];
    const calls = commands(() => {
      copy = loadsSync(dumpsSync(fns));
    });
    if (onDeno) {
      assert.ok((calls["Runtime.getProperties"] ?? 0) <= 61, JSON.stringify(calls));
      assert.ok((calls["Runtime.evaluate"] ?? 0) <= 2, JSON.stringify(calls));
      assert.equal(calls["Debugger.enable"] ?? 0, 0, "evaluated code asks for no listing");
    } else assert.deepEqual(calls, {}, "Bun has no inspector to ask");
    assert.equal(copy.length, 60);
    copy.forEach((f, j) => assert.equal(f(2), 2 * j + k));
    // Pickled again: the locations are known, nothing is asked.
    assert.deepEqual(commands(() => dumpsSync(fns)), {});
  });

  it("functions in an object's values and in nested arrays, and closures of a scope", async () => {
    await ready();
    const { fns, k } = fresh(8);
    const value = { a: fns[0], n: 1, b: fns[1], list: [fns[2], "x", fns[3]], c: fns[4] };
    const copy = loadsSync<typeof value>(dumpsSync(value));
    assert.equal(copy.a(1), k);
    assert.equal(copy.b(1), 1 + k);
    assert.equal((copy.list[0] as (x: number) => number)(1), 2 + k);
    assert.equal((copy.list[2] as (x: number) => number)(1), 3 + k);
    assert.equal(copy.c(1), 4 + k);
    if (onDeno) {
      // Closures made by evaluated code: their scope chain is more than the global scope
      // (V8 reads it to tell that no module defines them).
      const make = (0, eval)(`(function (m) { return [(x) => x * m, (x) => x + m + ${k}]; })`);
      const [times, plus] = loadsSync<((x: number) => number)[]>(dumpsSync(make(7)));
      assert.equal(times(3), 21);
      assert.equal(plus(1), 8 + k);
    }
  });

  it("a module imported since the last listing is found among them, sync and async", async () => {
    await ready();
    const dir = mkdtempSync(join(tmpdir(), "cloudpickle-locate-"));
    try {
      for (const sync of [true, false]) {
        const m = await laterModule(dir, `later_${sync}.mjs`);
        const { fns, k } = fresh(12);
        const value = [fns[0], m.f, ...fns.slice(1, 6), m.g, ...fns.slice(6)];
        const p = sync ? dumpsSync(value) : await dumps(value);
        const copy = sync
          ? loadsSync<((x: number) => number)[]>(p)
          : await loads<((x: number) => number)[]>(p);
        assert.equal(copy[1], m.f, `${sync ? "dumpsSync" : "dumps"}: f by reference`);
        assert.equal(copy[7], m.g, `${sync ? "dumpsSync" : "dumps"}: g by reference`);
        const rest = copy.filter((_, i) => i !== 1 && i !== 7);
        rest.forEach((f, j) => assert.equal(f(2), 2 * j + k));
      }
    } finally {
      rmSync(dir, { recursive: true });
    }
  });

  for (const runtime of ["deno", "bun"] as const) {
    it(`in a ${runtime} process: the later module's exports by reference, the rest by value`, async () => {
      const dir = mkdtempSync(join(tmpdir(), "cloudpickle-locate-child-"));
      try {
        const bin = `${root}node_modules/.bin/${runtime}`;
        const args = runtime === "deno"
          ? ["run", "-A", "tests/batch/locate_child.ts", dir]
          : ["--preload", "./preload.ts", "tests/batch/locate_child.ts", dir];
        const r = spawnSync(bin, args, { cwd: root, encoding: "utf8", timeout: 60_000 });
        assert.equal(r.status, 0, r.stderr);
        const out = JSON.parse(r.stdout) as {
          pickle: string;
          url: string;
          n: number;
          calls: Record<string, number>;
        };
        if (runtime === "deno") {
          // 30 new functions and 2 of the module: one read each, one listing for the module.
          assert.ok((out.calls["Runtime.getProperties"] ?? 0) <= 40, JSON.stringify(out.calls));
          assert.ok((out.calls["Runtime.evaluate"] ?? 0) <= 4, JSON.stringify(out.calls));
        }
        const m = await import(out.url);
        const copy = await loads<((x: number) => number)[]>(Uint8Array.fromBase64(out.pickle));
        assert.equal(copy.length, 32);
        assert.equal(copy[1], m.f, "f by reference");
        assert.equal(copy[21], m.g, "g by reference");
        const rest = copy.filter((_, i) => i !== 1 && i !== 21);
        rest.forEach((f, j) => assert.equal(f(2), 2 * j + out.n));
      } finally {
        rmSync(dir, { recursive: true });
      }
    });
  }
});

describe("closures located and read in one pickling call", () => {
  it(
    "Deno: the scope list that located a closure is the one its variables are read from",
    { skip: !onDeno },
    () => {
      const r = spawnSync(
        join(root, "node_modules/.bin/deno"),
        ["run", "-A", "tests/instrumented/closures_batch.ts"],
        { cwd: root, encoding: "utf8", timeout: 120_000 },
      );
      assert.equal(r.status, 0, r.stderr);
      const out = JSON.parse(r.stdout.trim().split("\n").pop()!) as {
        calls: Record<string, number>;
        right: boolean;
      };
      assert.ok(out.right, "the closures run after loading");
      // One handle, one look at its internal properties and one hand-over of its scope list
      // per closure (six before: the location and the variables were read apart).
      for (const m of ["Runtime.evaluate", "Runtime.getProperties", "Runtime.callFunctionOn"]) {
        assert.ok((out.calls[m] ?? 0) <= 40 + 4, `${m}: ${JSON.stringify(out.calls)}`);
      }
    },
  );
});

describe("functions evaluated together on load", () => {
  it("have no own key but length and name, and can be frozen and pickled again", () => {
    const { fns, k } = fresh(6);
    const before = { ...batchCounts };
    const copy = loadsSync<((x: number) => number)[]>(dumpsSync(fns));
    assert.equal(batchCounts.functions - before.functions, 6, "made by one evaluation");
    for (const f of copy) assert.deepEqual(Reflect.ownKeys(f), ["length", "name"]);
    Object.freeze(copy[0]);
    Object.preventExtensions(copy[1]);
    (copy[2] as unknown as { tag: string }).tag = "two";
    const again = dumpsSync(copy);
    const back = loadsSync<((x: number) => number)[]>(again);
    assert.ok(Object.isFrozen(back[0]));
    assert.ok(!Object.isExtensible(back[1]));
    assert.equal((back[2] as unknown as { tag: string }).tag, "two");
    back.forEach((f, j) => assert.equal(f(1), j + k));
    assert.deepEqual(dumpsSync(back), again, "the same bytes hop after hop");
    // Unchanged ones pickle to what their source gave.
    assert.deepEqual(dumpsSync(copy.slice(3)), dumpsSync(fns.slice(3)));
  });
});
