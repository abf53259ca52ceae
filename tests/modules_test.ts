// Code by reference: exported functions, classes and namespaces are pickled as "import it
// from its module", the entry module and registered modules by value.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { readFileSync } from "node:fs";
import { parse } from "meriyah";
import {
  dumps,
  dumpsSync,
  listRegistryPickleByValue,
  loads,
  loadsSync,
  PickleError,
  PicklingError,
  registerModule,
  registerPickleByValue,
  UnpicklingError,
  unregisterPickleByValue,
} from "../mod.ts";
import * as shapes from "./modules/shapes.ts";
import * as other from "./modules/uses_shapes.ts";
import { FLAG_MODULES } from "../lib/format/tags.ts";
import { parseHeader } from "./helpers.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const fixtures = new URL("./modules/", import.meta.url);
const decoder = new TextDecoder();

/** The module table of a pickle, as text (the names are plain strings in it). */
function text(p: Uint8Array): string {
  return decoder.decode(p);
}

/** A function of this file, the entry module: pickled by value. */
export function entryFunction(x: number): number {
  return x * 7;
}

describe("code by reference", () => {
  it("exported functions, classes, static methods and members load as the export itself", async () => {
    const values = [
      shapes.area,
      shapes.Model,
      shapes.Model.fromJSON,
      shapes.tools.twice,
      shapes.default,
      shapes.viaHidden,
    ];
    for (const v of values) {
      const p = dumpsSync(v);
      assert.ok(parseHeader(p).flags & FLAG_MODULES, `${v.name}: a module table`);
      assert.ok(text(p).includes("./tests/modules/shapes.ts"), v.name);
      assert.ok(p.length < 80, `${v.name} by reference is small (${p.length} bytes)`);
      assert.equal(loadsSync(p), v);
      assert.equal(await loads(await dumps(v)), v);
    }
  });

  it("names the export path: Model.fromJSON, tools.twice, default", () => {
    assert.ok(text(dumpsSync(shapes.Model.fromJSON)).includes("ModelHfromJSON"));
    assert.ok(text(dumpsSync(shapes.tools.twice)).includes("toolsEtwice"));
    assert.ok(text(dumpsSync(shapes.default)).includes("default"));
  });

  it("instances of an exported class keep the class itself", async () => {
    const m = new shapes.Model(4);
    const back = await loads<{ m: shapes.Model; again: shapes.Model }>(
      await dumps({ m, again: m }),
    );
    assert.ok(back.m instanceof shapes.Model);
    assert.equal(back.again, back.m);
    assert.equal(Object.getPrototypeOf(back.m), shapes.Model.prototype);
    assert.equal(back.m.doubled(), 8);
  });

  it("module namespace objects are pickled by reference", async () => {
    const back = await loads<{ a: object; b: object }>(await dumps({ a: shapes, b: shapes }));
    assert.equal(back.a, shapes);
    assert.equal(back.b, shapes);
  });

  it("one module table entry per module, shared references kept", () => {
    const p = dumpsSync([shapes.area, shapes.Model, shapes.area, other.perimeter]);
    const t = text(p);
    assert.equal(t.split("./tests/modules/shapes.ts").length, 2);
    assert.ok(t.includes("./tests/modules/uses_shapes.ts"));
    const back = loadsSync<unknown[]>(p);
    assert.deepEqual(back, [shapes.area, shapes.Model, shapes.area, other.perimeter]);
  });

  it("is deterministic", () => {
    const v = { f: shapes.area, C: shapes.Model, p: parse };
    assert.deepEqual(dumpsSync(v), dumpsSync(v));
  });

  it("an npm package's function is named npm:name@version and loads as itself", async () => {
    const p = await dumps(parse);
    assert.match(text(p), /npm:meriyah@\d+\.\d+\.\d+/);
    assert.equal(await loads(p), parse);
    assert.equal(loadsSync(p), parse);
  });

  it("a Node built-in module's function is named node:…", async () => {
    const p = await dumps(readFileSync);
    assert.ok(text(p).includes("node:fs"));
    assert.equal(await loads(p), readFileSync);
    // A built-in whose exports object is itself a function: its `default`.
    const q = await dumps(assert);
    assert.ok(text(q).includes("node:assert"));
    assert.equal(await loads(q), assert);
  });

  it("functions of the entry module are pickled by value", async () => {
    const p = await dumps(entryFunction);
    assert.equal(parseHeader(p).flags & FLAG_MODULES, 0);
    const back = await loads<typeof entryFunction>(p);
    assert.notEqual(back, entryFunction);
    assert.equal(back(6), 42);
  });

  it("a module imported dynamically later is found too", async () => {
    const late = await import("./modules/late.ts");
    let byReference = false;
    // The V8 module source lists modules again at most once a second, after a miss.
    for (let i = 0; i < 30 && !byReference; i++) {
      byReference = (await loads(await dumps(late.late))) === late.late;
      if (!byReference) await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(byReference);
  });

  it("a module root makes the names relative to it", async () => {
    const p = await dumps(shapes.area, { moduleRoot: fixtures });
    assert.ok(text(p).includes("./shapes.ts"));
    assert.ok(!text(p).includes("tests/modules"));
    assert.equal(await loads(p, { moduleRoot: fileURLToPath(fixtures) }), shapes.area);
    assert.equal(loadsSync(p, { moduleRoot: fixtures }), shapes.area);
  });
});

describe("the by-value registry", () => {
  const forms: Array<[string, string | URL | object]> = [
    ["a folder URL", fixtures],
    ["a relative folder path", "./tests/modules/"],
    ["a file URL", new URL("./modules/shapes.ts", import.meta.url)],
    ["a namespace object", shapes],
  ];
  for (const [label, module] of forms) {
    it(`registering ${label} flips to by value, unregistering flips back`, async () => {
      registerPickleByValue(module);
      try {
        const p = await dumps({ area: shapes.area, Model: shapes.Model });
        assert.equal(parseHeader(p).flags & FLAG_MODULES, 0);
        const back = await loads<{ area: typeof shapes.area; Model: typeof shapes.Model }>(p);
        assert.notEqual(back.area, shapes.area);
        assert.equal(back.area(2, 3), 12, "the module binding `scale` was captured");
        assert.equal(back.Model.fromJSON('{"size":3}').doubled(), 6);
      } finally {
        unregisterPickleByValue(module);
      }
      assert.equal(await loads(await dumps(shapes.area)), shapes.area);
    });
  }

  it("a registered module's re-export elsewhere is by value too", async () => {
    registerPickleByValue(new URL("./modules/shapes.ts", import.meta.url));
    try {
      assert.equal(other.area, shapes.area);
      assert.notEqual(await loads(await dumps(other.area)), shapes.area);
      assert.equal(await loads(await dumps(other.perimeter)), other.perimeter);
    } finally {
      unregisterPickleByValue(new URL("./modules/shapes.ts", import.meta.url));
    }
  });

  it("lists resolved entries; folders end in '/', packages are npm:name", () => {
    registerPickleByValue("./tests/modules");
    registerPickleByValue("meriyah");
    try {
      const list = listRegistryPickleByValue();
      assert.ok(list.includes(fixtures.href), list.join());
      assert.ok(list.includes("npm:meriyah"), list.join());
    } finally {
      unregisterPickleByValue(fixtures);
      unregisterPickleByValue("npm:meriyah");
    }
    assert.deepEqual(listRegistryPickleByValue(), []);
  });

  it("unregistering what is not registered is a PickleError", () => {
    assert.throws(() => unregisterPickleByValue("./tests/modules/"), PickleError);
    assert.throws(() => registerPickleByValue({}), PickleError);
  });

  it("DumpOptions.byValue covers one call only", async () => {
    const p = await dumps(shapes.area, { byValue: ["./tests/modules/"] });
    assert.notEqual(await loads(p), shapes.area);
    assert.equal(await loads(await dumps(shapes.area)), shapes.area);
  });

  it("registering a package pickles its functions by value", () => {
    // meriyah's parse cannot be pickled by value (its module scope is not instrumented on
    // Bun, and huge): registering the package must at least stop the by-reference path.
    const p = dumpsSync(shapes.area, { byValue: ["npm:meriyah"] });
    assert.ok(parseHeader(p).flags & FLAG_MODULES);
    let flipped = false;
    try {
      flipped = !(parseHeader(dumpsSync(parse, { byValue: ["meriyah"] })).flags & FLAG_MODULES);
    } catch (e) {
      flipped = e instanceof PicklingError;
    }
    assert.ok(flipped);
  });
});

describe("loading modules", () => {
  it("importModule is asked with the name in the pickle", async () => {
    const asked: string[] = [];
    const fake = { area: () => "fake area" };
    const v = await loads<() => string>(await dumps(shapes.area), {
      importModule: (spec) => {
        asked.push(spec);
        return fake;
      },
    });
    assert.deepEqual(asked, ["./tests/modules/shapes.ts"]);
    assert.equal(v(), "fake area");
  });

  it("a missing export is an UnpicklingError naming the module and the export", async () => {
    const p = await dumps(shapes.Model.fromJSON);
    await assert.rejects(
      loads(p, { importModule: () => ({ Model: class {} }) }),
      (e: unknown) =>
        e instanceof UnpicklingError && e.message.includes("./tests/modules/shapes.ts") &&
        e.message.includes("Model.fromJSON"),
    );
    await assert.rejects(
      loads(p, { importModule: () => ({ Model: { fromJSON: 3 } }) }),
      (e: unknown) => e instanceof UnpicklingError && /not a function or class/.test(e.message),
    );
    // What importModule answered was for those loads only.
    assert.equal(await loads(p), shapes.Model.fromJSON);
    assert.equal(await loads(await dumps(shapes)), shapes);
  });

  it("a missing module is an UnpicklingError naming it", async () => {
    const empty = mkdtempSync(join(tmpdir(), "cloudpickle-empty-"));
    try {
      const p = await dumps(shapes.area);
      await assert.rejects(
        loads(p, { moduleRoot: empty }),
        (e: unknown) =>
          e instanceof UnpicklingError && e.message.includes("./tests/modules/shapes.ts"),
      );
      assert.throws(
        () => loadsSync(p, { moduleRoot: empty }),
        (e: unknown) => e instanceof UnpicklingError && /use loads/.test(e.message),
      );
    } finally {
      rmSync(empty, { recursive: true });
    }
  });

  it("allowCode: false refuses before importing anything", async () => {
    let asked = 0;
    await assert.rejects(
      loads(await dumps(shapes.area), {
        allowCode: false,
        importModule: () => {
          asked++;
          return shapes;
        },
      }),
      UnpicklingError,
    );
    assert.equal(asked, 0);
  });

  it("registerModule makes a namespace known by its URL", async () => {
    const ns = { hello: (who: string) => `hello ${who}` };
    registerModule("https://example.com/greet.js", ns);
    const p = await dumps(ns.hello);
    assert.ok(text(p).includes("https://example.com/greet.js"));
    assert.equal(loadsSync(p), ns.hello);
    assert.throws(() => registerModule("not a url", ns), TypeError);
  });
});

// Subprocesses: another runtime, a copy of the project at another path, and a process
// without the modules at all.
const deno = `${root}node_modules/.bin/deno`;
const bun = `${root}node_modules/.bin/bun`;

function run(cwd: string, runtime: "deno" | "bun", script: string, args: string[], input?: string) {
  const cmd = runtime === "deno" ? [deno, "run", "-A", script, ...args] : [
    bun,
    ...(args.length > 0 ? ["--preload", join(cwd, "preload.ts")] : []),
    script,
    ...args,
  ];
  const r = spawnSync(cmd[0], cmd.slice(1), { cwd, input, encoding: "utf8", timeout: 60_000 });
  assert.equal(r.status, 0, `${cmd.join(" ")} failed:\n${r.stderr}`);
  return r.stdout;
}

/** A copy of what the cross scripts need, at another path, with node_modules linked. */
function copyProject(withModules: boolean): string {
  const dir = mkdtempSync(join(tmpdir(), "cloudpickle-copy-"));
  for (const f of ["mod.ts", "preload.ts", "package.json", "deno.json", "lib", "tests/cross"]) {
    cpSync(join(root, f), join(dir, f), { recursive: true });
  }
  if (withModules) {
    cpSync(join(root, "tests/modules"), join(dir, "tests/modules"), { recursive: true });
  } else mkdirSync(join(dir, "tests/modules"), { recursive: true });
  symlinkSync(join(root, "node_modules"), join(dir, "node_modules"), "dir");
  return dir;
}

/** What modules_consume.ts finds running the loaded code, whichever way it came. */
const RUNS = { area: 12, viaHidden: 30, fromJSON: 10, instanceOfLoaded: true, doubled: 8 };

describe("code by reference across processes", () => {
  for (const [from, to] of [["deno", "bun"], ["bun", "deno"]] as const) {
    it(`by reference from ${from} loads in ${to}, npm and node: modules included`, () => {
      const pickle = run(root, from, "tests/cross/modules_produce.ts", ["ref"]);
      const out = JSON.parse(run(root, to, "tests/cross/modules_consume.ts", [], pickle));
      assert.deepEqual(out, {
        ...RUNS,
        sameAsLocal: true,
        nsIsLocal: true,
        parse: "Program",
        readFileSync: "function",
      });
    });
  }

  it("a pickle made with the project here loads where a copy sits at another path", () => {
    const copy = copyProject(true);
    try {
      for (const [from, to] of [["deno", "bun"], ["bun", "deno"]] as const) {
        const pickle = run(root, from, "tests/cross/modules_produce.ts", ["ref"]);
        const out = JSON.parse(run(copy, to, "tests/cross/modules_consume.ts", [], pickle));
        assert.equal(out.sameAsLocal, true, `${from} -> ${to}: the copy's own module`);
        assert.equal(out.nsIsLocal, true);
        assert.equal(out.area, 12);
        assert.equal(out.parse, "Program");
      }
    } finally {
      rmSync(copy, { recursive: true });
    }
  });

  it("registered by value, the copy runs where the module is absent", () => {
    const bare = copyProject(false);
    try {
      for (const [from, to] of [["deno", "bun"], ["bun", "deno"]] as const) {
        const byRef = run(root, from, "tests/cross/modules_produce.ts", ["ref"]);
        const refused = JSON.parse(run(bare, to, "tests/cross/modules_consume.ts", [], byRef));
        assert.equal(refused.error, "UnpicklingError");
        assert.ok(refused.message.includes("./tests/modules/shapes.ts"), refused.message);
        const byValue = run(root, from, "tests/cross/modules_produce.ts", ["value"]);
        const out = JSON.parse(run(bare, to, "tests/cross/modules_consume.ts", [], byValue));
        assert.deepEqual(out, {
          ...RUNS,
          sameAsLocal: null,
          nsIsLocal: null,
          parse: null,
          readFileSync: null,
        });
      }
    } finally {
      rmSync(bare, { recursive: true });
    }
  });
});

// Keep pathToFileURL referenced for runtimes that report unused imports.
void pathToFileURL;
