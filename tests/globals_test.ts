// The runtime's own built-ins go by path and load as the loading runtime's own; globals that
// user code defined (globalThis.helper = …, before or after the library was imported) are
// user code: pickled by value, with the user global data they read, so they run where none
// of those globals exists.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { closure, dumps, dumpsSync, loads, loadsSync } from "../mod.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const bins = { deno: `${root}node_modules/.bin/deno`, bun: `${root}node_modules/.bin/bun` };
const produce = `${root}tests/cross/globals_produce.ts`;
const consume = `${root}tests/cross/globals_consume.ts`;
type Runtime = keyof typeof bins;
const RUNTIMES: readonly Runtime[] = ["deno", "bun"];
const here: Runtime = "Deno" in globalThis ? "deno" : "bun";

type Rec = Record<string, unknown>;
const G = globalThis as unknown as Rec;

function run(rt: Runtime, script: string, input?: string): string {
  const args = rt === "deno" ? ["run", "-A", script] : [script];
  const r = spawnSync(bins[rt], args, { cwd: root, input, encoding: "utf8", timeout: 60_000 });
  assert.equal(r.status, 0, `${rt} ${script} failed:\n${r.stderr}`);
  return r.stdout;
}

const b64 = (b: Uint8Array) => btoa(String.fromCharCode(...b));

/** Defines globals for the duration of `body`, then removes them. */
async function withGlobals(defs: Rec, body: () => Promise<void> | void): Promise<void> {
  Object.assign(G, defs);
  try {
    await body();
  } finally {
    for (const k of Object.keys(defs)) delete G[k];
  }
}

declare const cpHelper: (x: number) => number;
declare const cpConfig: { scale: number; tags: string[] };
declare const cpUse: (x: number) => number;

describe("globals that user code defines are pickled by value", () => {
  it("functions and data assigned to globalThis travel with a function that reads them", async () => {
    const defs: Rec = {
      cpHelper: (x: number) => x + 100,
      cpConfig: { scale: 3, tags: ["a"] },
      cpUse: (x: number) => cpHelper(x) * cpConfig.scale,
    };
    let sync!: Uint8Array, async_!: Uint8Array, helper!: Uint8Array;
    await withGlobals(defs, async () => {
      sync = dumpsSync(cpUse);
      async_ = await dumps(cpUse);
      helper = dumpsSync(cpHelper);
      // Not a reference to a global path: the source text travels.
      assert.match(new TextDecoder().decode(sync), /cpHelper\(x\) \* cpConfig\.scale/);
    });
    // The globals are gone: what runs now is what the pickles carried.
    assert.equal("cpHelper" in G, false);
    const f1 = loadsSync<(x: number) => number>(sync);
    const f2 = await loads<(x: number) => number>(async_);
    assert.equal(f1(1), 303);
    assert.equal(f2(2), 306);
    assert.equal(loadsSync<(x: number) => number>(helper)(1), 101);
  });

  it("user globals with runtime-like shapes (frozen, null-prototype) go by value", async () => {
    const frozen = Object.freeze({ k: 2 });
    const bare = Object.assign(Object.create(null), { k: 3 });
    await withGlobals({ cpFrozen: frozen, cpBare: bare }, () => {
      const f = loadsSync<Rec>(dumpsSync(frozen));
      assert.notEqual(f, frozen);
      assert.deepEqual({ ...f }, { k: 2 });
      assert.ok(Object.isFrozen(f));
      const b = loadsSync<Rec>(dumpsSync(bare));
      assert.notEqual(b, bare);
      assert.equal(b.k, 3);
    });
  });

  it("a function reading a runtime global does not carry it", () => {
    const f = (x: number) => (JSON.stringify(Math.max(x, 1)), Math);
    const bytes = dumpsSync(f);
    assert.ok(bytes.length < 80, `${bytes.length} bytes`);
    assert.equal(loadsSync<typeof f>(bytes)(3), Math);
  });

  it("a runtime global replaced by user code is user code", () => {
    dumpsSync(Math.max); // the table of built-ins exists before the replacement
    const original = G.escape;
    const mine = (s: string) => `<${s}>`;
    G.escape = mine;
    try {
      const bytes = dumpsSync(mine);
      assert.match(new TextDecoder().decode(bytes), /<\$\{s\}>/);
      const reads = (s: string) => escape(s);
      const out = loadsSync<typeof reads>(dumpsSync(reads));
      G.escape = original;
      assert.equal(out("x"), "<x>");
    } finally {
      G.escape = original;
    }
  });

  it("closure() adds its captures to the user globals a function reads", async () => {
    await withGlobals({ cpHelper: (x: number) => x * 10 }, async () => {
      const f = closure({ base: 2 }, (x: number) => cpHelper(x) + base);
      const bytes = await dumps(f);
      delete G.cpHelper;
      assert.equal(loadsSync<typeof f>(bytes)(4), 42);
    });
  });
});
declare const base: number;

describe("globals defined before the library is imported (as in a REPL)", () => {
  for (const from of RUNTIMES) {
    for (const to of RUNTIMES) {
      it(`defined in ${from}, they run in ${to}`, () => {
        const out = JSON.parse(run(to, consume, run(from, produce)));
        assert.deepEqual(out, {
          helper: 101,
          useAll: 306,
          late: 307,
          clamp01: 1,
          lastItem: 9,
          cpTask: 20,
          config: { scale: 3 },
          myMax: true,
        });
      });
    }
  }
});

describe("the runtime's own built-ins go by path", () => {
  const common: Array<[string, unknown]> = [
    ["Math.max", Math.max],
    ["JSON.parse", JSON.parse],
    ["setTimeout", setTimeout],
    ["fetch", fetch],
    ["structuredClone", structuredClone],
    ["URL", URL],
    ["TextEncoder", TextEncoder],
    ["console.log", console.log],
    ["Array.prototype.map", Array.prototype.map],
  ];
  const own: [string, unknown] = here === "deno"
    ? ["Deno.readTextFile", (G.Deno as Rec).readTextFile]
    : ["Bun.file", (G.Bun as Rec).file];

  for (const [path, v] of [...common, own]) {
    it(`${path}: a small pickle that loads as the same built-in`, async () => {
      const bytes = dumpsSync(v);
      assert.ok(bytes.length < 40, `${bytes.length} bytes`);
      assert.equal(loadsSync(bytes), v);
      assert.equal(await loads(await dumps(v)), v);
    });
  }

  it("a built-in wrapped with closure() still goes by path (its source is native)", () => {
    const bytes = dumpsSync(closure({}, Math.min));
    assert.equal(loadsSync(bytes), Math.min);
  });

  for (const to of RUNTIMES) {
    it(`pickled here, they load in ${to} as ${to}'s own built-ins`, () => {
      const entries: Rec = {};
      for (const [path, v] of [...common, own]) {
        entries[path] = { pickle: b64(dumpsSync(v)), builtin: path };
      }
      const out = JSON.parse(run(to, consume, JSON.stringify(entries))) as Rec;
      for (const [path] of common) assert.equal(out[path], true, path);
      if (to === here) assert.equal(out[own[0]], true);
      else {
        assert.match(
          (out[own[0]] as { error: string }).error,
          new RegExp(`UnpicklingError: built-in '${own[0]}' does not exist in this runtime`),
        );
      }
    });
  }
});
