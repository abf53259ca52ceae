// registerPickleByValue covers everything a registered module or package reaches by its own
// imports: a registered module's namespace goes by value with its state, and a registered
// package's internal files are captured by value even when node_modules sits under the
// working directory, so its functions run where the package is not installed.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { differenceInCalendarDays } from "date-fns";
import { dumps, loads, registerPickleByValue, unregisterPickleByValue } from "../mod.ts";
import * as shapes from "./modules/shapes.ts";
import { FLAG_MODULES } from "../lib/format/tags.ts";
import { parseHeader } from "./helpers.ts";

const root = fileURLToPath(new URL("..", import.meta.url));

describe("namespaces of modules registered by value", () => {
  it("load as a frozen object of the exports' values, functions by value with their state", async () => {
    const fixture = new URL("./modules/shapes.ts", import.meta.url);
    registerPickleByValue(fixture);
    try {
      const use = () => shapes.area(2, 3);
      const p = await dumps({ ns: shapes, again: shapes, use });
      assert.equal(parseHeader(p).flags & FLAG_MODULES, 0, "no module import needed");
      const back = await loads<{ ns: typeof shapes; again: object; use: () => number }>(p);
      assert.notEqual(back.ns, shapes);
      assert.equal(back.again, back.ns, "one namespace, one object");
      assert.equal(Object.getPrototypeOf(back.ns), null);
      assert.ok(Object.isFrozen(back.ns));
      assert.equal(Object.prototype.toString.call(back.ns), "[object Module]");
      assert.deepEqual(Object.keys(back.ns), Object.keys(shapes));
      assert.notEqual(back.ns.area, shapes.area);
      assert.equal(back.ns.area(2, 3), 12, "the module binding `scale` came along");
      assert.equal(back.ns.Model.fromJSON('{"size":4}').doubled(), 8);
      assert.equal(back.use(), 12);
    } finally {
      unregisterPickleByValue(fixture);
    }
    assert.equal(await loads(await dumps(shapes)), shapes, "by reference again");
  });
});

describe("npm packages registered by value", () => {
  it("a package's internal files are by value with node_modules under the working directory", async () => {
    // differenceInCalendarDays uses functions of date-fns/_lib/, which the package does not
    // export: they are covered by the package's registration all the same.
    registerPickleByValue("date-fns");
    try {
      // (On Bun, the preload instruments the package's ES modules, so its closures are read.)
      const p = await dumps(differenceInCalendarDays);
      assert.equal(parseHeader(p).flags & FLAG_MODULES, 0, "nothing by reference");
      assert.ok(!new TextDecoder().decode(p).includes("node_modules"));
      const back = await loads<typeof differenceInCalendarDays>(p);
      assert.notEqual(back, differenceInCalendarDays);
      assert.equal(back(new Date(2021, 0, 1), new Date(2020, 0, 1)), 366);
    } finally {
      unregisterPickleByValue("date-fns");
    }
  });

  /** Runs the loaded closures in a temp directory that has no node_modules. */
  function consume(runtime: "deno" | "bun", pickle: string): Record<string, unknown> {
    const dir = mkdtempSync(join(tmpdir(), "cloudpickle-nopkg-"));
    try {
      writeFileSync(
        join(dir, "consume.ts"),
        `import { loads } from ${JSON.stringify(pathToFileURL(join(root, "mod.ts")).href)};\n` +
          `const chunks: Uint8Array[] = [];\n` +
          `for await (const c of (globalThis as any).process.stdin) chunks.push(c);\n` +
          `const text = new TextDecoder().decode(Buffer.concat(chunks)).trim();\n` +
          `const v = await loads<Record<string, () => unknown>>(Uint8Array.fromBase64(text));\n` +
          `const out: Record<string, unknown> = {};\n` +
          `for (const [k, f] of Object.entries(v)) out[k] = f();\n` +
          `out.installed = await import("lodash-es").then(() => true, () => false);\n` +
          `console.log(JSON.stringify(out));\n`,
      );
      // The library's parser is mapped by absolute path: nothing resolves through node_modules.
      const meriyah = pathToFileURL(join(root, "node_modules/meriyah/dist/meriyah.mjs")).href;
      writeFileSync(join(dir, "map.json"), JSON.stringify({ imports: { meriyah } }));
      const cmd = runtime === "deno"
        ? [`${root}node_modules/.bin/deno`, "run", "-A", "--no-config", "--import-map=map.json"]
        : [`${root}node_modules/.bin/bun`, "--no-install"];
      const r = spawnSync(cmd[0], [...cmd.slice(1), "consume.ts"], {
        cwd: dir,
        input: pickle,
        encoding: "utf8",
        timeout: 60_000,
      });
      assert.equal(r.status, 0, `${runtime}: ${r.stderr}`);
      return JSON.parse(r.stdout);
    } finally {
      rmSync(dir, { recursive: true });
    }
  }

  const EXPECTED = {
    lodash: [[[1, 2], [3, 4], [5]], [1, 2, 3], "helloBigWorld"],
    date: ["2020-02-02", 152, true],
    id: [21, 8, true, true],
    schema: [true, false],
    installed: false,
  };

  for (const from of ["deno", "bun"] as const) {
    it(`lodash-es, date-fns, nanoid and valibot functions pickled on ${from} run where the packages are not installed`, () => {
      const cmd = from === "deno"
        ? [`${root}node_modules/.bin/deno`, "run", "-A"]
        : [`${root}node_modules/.bin/bun`, "--preload", "./preload.ts"];
      const made = spawnSync(cmd[0], [...cmd.slice(1), "tests/cross/modules_packages.ts"], {
        cwd: root,
        encoding: "utf8",
        timeout: 120_000,
      });
      assert.equal(made.status, 0, made.stderr);
      const text = new TextDecoder().decode(Uint8Array.fromBase64(made.stdout.trim()));
      assert.ok(!text.includes("npm:") && !text.includes("node_modules"), "nothing by reference");
      for (const to of ["deno", "bun"] as const) {
        assert.deepEqual(consume(to, made.stdout), EXPECTED, `${from} -> ${to}`);
      }
    });
  }
});
