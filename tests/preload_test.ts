// The Bun preload (preload.ts): closures of the modules it instruments pickle with automatic
// capture. Its tests run under `bun test` (bunfig.toml names the preload), where this very
// file is instrumented; the pickles it makes are then loaded by Deno and by Bun without it.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { dumpsSync, loadsSync } from "../mod.ts";
import { recordOf } from "../lib/runtime/instrumented.ts";
import { handles, transformFile } from "../preload.ts";
import * as fx from "./instrumented/closures.ts";
import * as plain from "./instrumented/plain.mjs";
import { PRELOADED, rtAsync, rtSync } from "./instrumented/shared.ts";

// A module-level let of this file, read by a closure of this file
// ("closures defined in this test file").
let probeCount = 0;
const probe = () => ++probeCount;

describe("the preload: automatic capture on Bun", { skip: !PRELOADED }, () => {
  it("a counter: inc and get share n after loading", async () => {
    const c = fx.makeCounter(5);
    c.inc();
    for (const [inc, get] of [rtSync([c.inc, c.get]), await rtAsync([c.inc, c.get])]) {
      inc();
      assert.equal(get(), 7, "a mutation through inc is seen by get");
    }
    assert.equal(c.get(), 6, "the original is untouched");
  });

  it("module-level let and const, and imports used by a closure", async () => {
    fx.setModuleLet(5);
    assert.equal(rtSync(fx.usesModule)(1), 16);
    assert.equal((await rtAsync(fx.usesModule))(1), 16);
    fx.setModuleLet(1);
    assert.equal(rtSync(fx.usesModule)(1), 12, "the current value is captured");
    assert.equal(rtSync(fx.usesImports)(2), 12);
    assert.equal((await rtAsync(fx.usesImports))(2), 12);
  });

  it("per-iteration loop bindings, a catch parameter, three levels of nesting", async () => {
    assert.deepEqual(rtSync(fx.loopClosures()).map((f) => f()), [0, 1, 2]);
    assert.deepEqual((await rtAsync(fx.loopClosures())).map((f) => f()), [0, 1, 2]);
    assert.equal(rtSync(fx.catchClosure())(), "caught!");
    assert.equal(rtSync(fx.threeLevels(1)(2))(3), 123);
    assert.equal((await rtAsync(fx.threeLevels(4)))(5)(6), 456);
  });

  it("recursion through a const, a function declaration, a default parameter", async () => {
    assert.equal(rtSync(fx.fib)(12), 144);
    assert.equal((await rtAsync(fx.fib))(12), 144);
    assert.equal(rtSync(fx.declared)(1), 11);
    assert.equal(rtSync(fx.withDefault(21))(), 42);
    assert.equal((await rtAsync(fx.withDefault(4)))(), 8);
  });

  it("a getter in an object literal shares its variable with a method", async () => {
    const o = fx.getterObject(1);
    o.bump();
    for (const copy of [rtSync(o), await rtAsync(o)]) {
      assert.equal(copy.value, 2);
      copy.bump();
      assert.equal(copy.value, 3);
    }
  });

  it("generators and async functions", async () => {
    assert.deepEqual([...rtSync(fx.counterGenerator(5))()], [0, 5, 10]);
    assert.equal(await rtSync(fx.asyncAdder(40))(2), 42);
  });

  it("closures defined in this test file", async () => {
    let hits = 0;
    const hit = (by: number) => (hits += by);
    const [hit2, read] = rtSync([hit, () => hits]);
    hit2(3);
    assert.equal(read(), 3);
    assert.equal(hits, 0);
    probe();
    assert.equal(rtSync(probe)(), probeCount + 1, "a module-level let of this file");
    const adders = [1, 2, 3].map((k) => (x: number) => x + k);
    assert.deepEqual((await rtAsync(adders)).map((f) => f(10)), [11, 12, 13]);
  });

  it("a plain .mjs module is instrumented too", () => {
    const h = plain.hitter(2);
    h();
    const [h2, now] = rtSync([h, plain.hitsNow]);
    assert.equal(h2(), 4);
    assert.equal(now(), 4);
  });

  it("CommonJS modules keep working (Bun's own loader; not instrumented)", async () => {
    const { createRequire } = await import("node:module");
    const require = createRequire(import.meta.url);
    type Label = (name: string) => () => string;
    const cjs = (await import("./instrumented/legacy.cjs")).default as { label: Label };
    const js = (await import("./instrumented/legacy_js.js")) as unknown as {
      default: Label;
      kind: string;
    };
    assert.equal(cjs.label("ab")(), "cjs:AB");
    assert.equal(js.default("x")(), "js:x");
    assert.equal(js.kind, "commonjs");
    assert.equal((require("./instrumented/legacy_js.js") as Label)("y")(), "js:y");
    assert.equal(recordOf(js.default("x")), undefined);
  });

  it("errors keep the line numbers of the original files", () => {
    assert.throws(fx.throwsHere, (e: Error) => /closures\.ts:84:/.test(e.stack ?? ""));
    assert.throws(plain.throwsOnLine12, (e: Error) => /plain\.mjs:12:/.test(e.stack ?? ""));
  });

  it("handles the project's modules, not node_modules, this package's lib/ or .cjs", () => {
    const root = fileURLToPath(new URL("..", import.meta.url));
    assert.equal(handles(`${root}tests/instrumented/closures.ts`), true);
    assert.equal(handles("/elsewhere/app/main.mjs"), true);
    assert.equal(handles("/elsewhere/app/view.tsx"), true);
    assert.equal(handles("/elsewhere/app/node_modules/pkg/index.js"), false);
    assert.equal(handles(`${root}lib/pickle/encoder.ts`), false);
    assert.equal(handles(`${root}mod.ts`), false);
    assert.equal(handles("/elsewhere/app/legacy.cjs"), false);
    assert.equal(handles("/elsewhere/app/legacy.js?cloudpickle-raw"), false);
  });

  it("transformFile: TypeScript is stripped and instrumented, CommonJS is recognised", () => {
    const ts = transformFile(
      "/x/a.ts",
      "let n: number = 0;\nexport const f = (): number => n++;\n",
    );
    assert.equal(ts.kind, "instrumented");
    assert.match((ts as { contents: string }).contents, /\$cp\$n\(\$cp\$a,/);
    const cjs = transformFile("/x/b.js", "const a = require('x');\nmodule.exports = () => a;\n");
    assert.equal(cjs.kind, "commonjs");
    const plainJs = transformFile("/x/c.js", "export const g = (x) => x;\n");
    assert.equal(plainJs.kind, "unchanged");
  });

  it("closures made by code loaded from a pickle carry the loader's records: they pickle again", () => {
    const make = rtSync(fx.makeCounter);
    const c = make(1);
    assert.notEqual(recordOf(c.inc), undefined);
    c.inc();
    assert.equal(c.get(), 2);
    const copy = loadsSync<typeof c>(dumpsSync(c));
    assert.equal(copy.inc(), 3);
    assert.equal(copy.get(), 3);
    assert.equal(c.get(), 2);
  });
});

describe("instrumented pickles in other runtimes", () => {
  const root = fileURLToPath(new URL("..", import.meta.url));
  const run = (cmd: string, args: string[], input?: string) => {
    const r = spawnSync(cmd, args, { cwd: root, input, encoding: "utf8", timeout: 60_000 });
    assert.equal(r.status, 0, `${cmd} ${args.join(" ")} failed:\n${r.stderr}`);
    return r.stdout;
  };
  const bun = `${root}node_modules/.bin/bun`;
  const deno = `${root}node_modules/.bin/deno`;

  it("closures pickled by Bun with the preload run in Deno and in Bun without it", () => {
    const pickle = run(bun, ["--preload", "./preload.ts", "tests/instrumented/produce.ts"]);
    const expected = { counter: 12, made: 7, loop: [0, 1, 2], deep: 123, usesModule: 12 };
    const consumer = "tests/instrumented/consume.ts";
    assert.deepEqual(JSON.parse(run(deno, ["run", "-A", consumer], pickle)), expected);
    assert.deepEqual(JSON.parse(run(bun, [consumer], pickle)), expected);
  });
});
