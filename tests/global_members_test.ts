// Members that user code added to the global object or to built-ins, read through them
// (`globalThis.helper(x)`, `self.x`, `global.x`, a captured alias `g.fn()`, `Math.clamp(x)`,
// `[1, 2].last()`, `String.prototype.x` …), travel with the function that reads them and are
// installed at their path where it loads: in processes of both runtimes, along chains of
// hops, in a pool's long-lived workers (a newer pickle's version wins over what an earlier
// pickle installed; the loading side's own values are kept). Hostile paths are refused.
// deno-lint-ignore-file no-explicit-any
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { dumps, dumpsSync, loads, loadsSync, UnpicklingError } from "../mod.ts";
import { dis } from "../dis.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const bins = { deno: `${root}node_modules/.bin/deno`, bun: `${root}node_modules/.bin/bun` };
const produce = `${root}tests/global_members/produce.ts`;
const hop = `${root}tests/global_members/hop.ts`;
type Runtime = keyof typeof bins;
const RUNTIMES: readonly Runtime[] = ["deno", "bun"];
const here: Runtime = "Deno" in globalThis ? "deno" : "bun";
const other: Runtime = here === "deno" ? "bun" : "deno";

const G = globalThis as any;
const P = (c: { prototype: unknown }) => c.prototype as any;

function run(rt: Runtime, script: string, input?: string): string {
  const args = rt === "deno" ? ["run", "-A", script] : ["--preload", `${root}preload.ts`, script];
  const r = spawnSync(bins[rt], args, { cwd: root, input, encoding: "utf8", timeout: 60_000 });
  assert.equal(r.status, 0, `${rt} ${script} failed:\n${r.stderr}`);
  return r.stdout;
}

/** What each function of produce.ts gives where none of the members it reads exists. */
const EXPECTED: Record<string, unknown> = {
  globalThisCall: 101,
  globalThisData: 6,
  globalThisBracket: 102,
  self: 103,
  global: 104,
  alias: 4,
  aliasClass: 10,
  math: 1,
  mathData: 6,
  json: "abab",
  objectStatic: 2,
  arrayProto: 3,
  arrayProtoCall: 5,
  stringProto: ["AB!", false, false], // installed non-enumerable, as it was defined
  objectProto: 2,
  promiseProto: 6,
  numberProto: 14,
  optional: ["none", 1],
  all: 109,
};

interface Hop {
  runtime: Runtime;
  results: Record<string, unknown>;
  next: Record<string, string>;
  same: Record<string, boolean>;
}

let produced: string | undefined;
/** The pickles of produce.ts, made by this runtime (once). */
const pickles = () => produced ??= run(here, produce);

describe("members of the global object and of built-ins travel with the function", () => {
  for (const to of RUNTIMES) {
    it(`made in ${here}, they run in ${to}`, () => {
      const out = JSON.parse(run(to, hop, pickles())) as Hop;
      assert.equal(out.runtime, to);
      assert.deepEqual(out.results, EXPECTED);
    });
  }

  it(`a chain ${here} → ${other} → ${here} → ${other}: every hop runs them and pickles them again to the same bytes`, () => {
    let input = pickles();
    for (const step of [other, here, other]) {
      const out = JSON.parse(run(step, hop, input)) as Hop;
      assert.equal(out.runtime, step);
      assert.deepEqual(out.results, EXPECTED, `in ${step}`);
      for (const [name, same] of Object.entries(out.same)) {
        assert.equal(same, true, `${name} in ${step}: pickled again to other bytes`);
      }
      input = JSON.stringify(out.next);
    }
  });

  it("a function that reads no such member pickles as before (no install)", () => {
    const f = (xs: number[]) => xs.map((x) => Math.max(x, 0)).join(",");
    assert.doesNotMatch(dis(dumpsSync(f)), /install/);
    assert.equal(loadsSync<typeof f>(dumpsSync(f))([-1, 2]), "0,2");
  });

  it("members of the runtime's other objects are the runtime's: process.cwd, console.log", () => {
    const f = () => [typeof process.cwd(), typeof console.log];
    assert.doesNotMatch(dis(dumpsSync(f)), /install/);
    assert.deepEqual(loadsSync<typeof f>(dumpsSync(f))(), ["string", "function"]);
  });

  it("a class extending a class kept on the global object loads where there is none", async () => {
    G.CpgBase = class {
      hi(this: { n: number }) {
        return `hi ${this.n}`;
      }
    };
    let bytes: Uint8Array[];
    try {
      class Derived extends (globalThis as any).CpgBase {
        n = 5;
      }
      bytes = [dumpsSync({ Derived, d: new Derived() }), await dumps(Derived)];
    } finally {
      delete G.CpgBase;
    }
    const v = loadsSync<any>(bytes[0]);
    assert.equal(v.d.hi(), "hi 5");
    assert.ok(v.d instanceof v.Derived);
    assert.equal(new v.Derived().hi(), "hi 5");
    assert.equal(G.CpgBase, undefined, "the parent travels with the class, not as a global");
    const C = await loads<any>(bytes[1]);
    assert.equal(new C().hi(), "hi 5");
  });

  it("a computed read of the global object (globalThis[name]) carries nothing", () => {
    G.cpgComputed = 1;
    try {
      const f = (k: string) => G[k] ?? (globalThis as any)[k];
      assert.doesNotMatch(dis(dumpsSync(f)), /cpgComputed/);
    } finally {
      delete G.cpgComputed;
    }
  });
});

describe("installing in this process", () => {
  it("the loading side's own global is kept (sync and async forms)", async () => {
    const mine = (x: number) => x + 1;
    G.cpgOwn = mine;
    try {
      const f = () => G.cpgOwn(1) + (globalThis as any).cpgOwn(2);
      const bytes = dumpsSync(f);
      assert.match(dis(bytes), /install \[globalThis\.cpgOwn\]/);
      assert.equal(loadsSync<typeof f>(bytes)(), 5);
      assert.equal((await loads<typeof f>(await dumps(f)))(), 5);
      assert.equal(G.cpgOwn, mine);
    } finally {
      delete G.cpgOwn;
    }
  });

  it("a newer pickle replaces what an earlier pickle installed, never the loading side's own", () => {
    const f = () => (globalThis as any).cpgVer() + ([0] as any).cpgVerM();
    const define = (v: string) => {
      G.cpgVer = new Function(`return () => "${v}"`)();
      Object.defineProperty(Array.prototype, "cpgVerM", {
        value: new Function(`return function () { return "${v}" + this.length; }`)(),
        writable: true,
        configurable: true,
      });
    };
    const remove = () => {
      delete G.cpgVer;
      delete P(Array).cpgVerM;
    };
    try {
      define("v1");
      const v1 = dumpsSync(f);
      define("v2");
      const v2 = dumpsSync(f);
      remove();
      const f1 = loadsSync<typeof f>(v1);
      assert.equal(f1(), "v1v11");
      const d = Object.getOwnPropertyDescriptor(Array.prototype, "cpgVerM")!;
      assert.equal(d.enumerable, false);
      const f2 = loadsSync<typeof f>(v2);
      assert.equal(f2(), "v2v21");
      assert.equal(f1(), "v2v21"); // one global: the newest pickle loaded wins
      assert.equal(loadsSync<typeof f>(v1)(), "v1v11");
      // Defined here again by user code: no pickle replaces it.
      define("own");
      assert.equal(loadsSync<typeof f>(v2)(), "ownown1");
      assert.equal(G.cpgVer(), "own");
    } finally {
      remove();
    }
  });
});

describe("a pool's long-lived worker", () => {
  it("runs tasks that read globalThis.helper and a prototype method, and takes their new versions", async () => {
    const { createPool } = await import("../pool.ts");
    const pool = createPool({ size: 1 });
    const task = (x: number) =>
      (globalThis as any).cpgPoolHelper(x) + ([x, 1] as any).cpgPoolLast();
    try {
      G.cpgPoolHelper = (x: number) => x + 100;
      Object.defineProperty(Array.prototype, "cpgPoolLast", {
        value: function (this: number[]) {
          return this[this.length - 1];
        },
        writable: true,
        configurable: true,
      });
      assert.equal(await pool.submit(task, 1), 102);
      assert.deepEqual(await pool.map(task, [2, 3]), [103, 104]);
      // New versions, sent again to the same worker.
      G.cpgPoolHelper = (x: number) => x + 200;
      P(Array).cpgPoolLast = function (this: number[]) {
        return this[this.length - 1] * 10;
      };
      assert.equal(await pool.submit(task, 1), 211);
      const other = (x: number) => (globalThis as any).cpgPoolHelper(x);
      assert.equal(await pool.submit(other, 1), 201);
    } finally {
      await pool.close();
      delete G.cpgPoolHelper;
      delete P(Array).cpgPoolLast;
    }
  });
});

/**
 * A pickle that installs `path` (with the value 1): one that installs a global or a `Math`
 * member of a name as long, with the name replaced in its bytes.
 */
function installing(path: string): Uint8Array {
  const prefix = path.length >= 12 ? "globalThis." : "Math.";
  const key = "k".repeat(path.length - prefix.length);
  const holder = prefix === "Math." ? Math as any : G;
  holder[key] = 1;
  try {
    const f = new Function(`return () => ${prefix}${key}`)();
    const bytes = dumpsSync(f);
    const text = new TextDecoder("latin1").decode(bytes);
    const at = text.lastIndexOf(`${prefix}${key}`);
    assert.ok(at > 0);
    bytes.set(new TextEncoder().encode(path), at);
    return bytes;
  } finally {
    delete holder[key];
  }
}

describe("hostile pickles", () => {
  const keys = () =>
    [Object.prototype, Array.prototype, Math, globalThis, RegExp.prototype].map((o) =>
      Reflect.ownKeys(o).length
    );

  const refused: Array<[string, RegExp]> = [
    ["Object.prototype.__proto__", /not a member of the global object/],
    ["Object.prototype.constructor", /names __proto__, constructor or prototype/],
    ["Array.prototype.constructor", /names __proto__, constructor or prototype/],
    ["Array.prototype.prototype", /names __proto__, constructor or prototype/],
    ["Array.prototype.x.y", /not a member of the global object/],
    ["cpgNotAGlobal.prototype.x", /not one of the runtime's ECMAScript built-ins/],
    ["console.log", /not one of the runtime's ECMAScript built-ins/],
    ["globalThis.fetch", /this runtime's own global/],
    ["globalThis.Array", /this runtime's own global/],
    ["RegExp.prototype.flags", /an accessor/],
    ["Math.PI", /read-only in this runtime/],
    ["Array.prototype.length", /read-only in this runtime/],
    ["globalThis.kkk:z", /flags are unknown/],
  ];
  for (const [path, why] of refused) {
    it(`a pickle installing '${path}' is refused with the byte offset`, () => {
      const bytes = installing(path);
      const before = keys();
      const pi = Math.PI;
      assert.throws(
        () => loadsSync(bytes),
        (e: unknown) => {
          assert.ok(e instanceof UnpicklingError, String(e));
          assert.match(e.message, why);
          assert.match(e.message, /\(at byte \d+\)$/);
          assert.ok(e.offset > 8, `offset ${e.offset}`);
          return true;
        },
      );
      assert.deepEqual(keys(), before);
      assert.equal(Math.PI, pi);
      assert.equal(Object.getPrototypeOf({}), Object.prototype);
    });
  }

  it("a pickle installing over the runtime's own writable member changes nothing", () => {
    const map = Array.prototype.map;
    const f = loadsSync<() => unknown>(installing("Array.prototype.map"));
    assert.equal(Array.prototype.map, map);
    assert.equal(f(), undefined); // what it reads was not installed
  });

  it("installs are code: refused without allowCode", () => {
    assert.throws(
      () => loadsSync(installing("globalThis.kkkk"), { allowCode: false }),
      UnpicklingError,
    );
    assert.equal("kkkk" in G, false);
  });
});
