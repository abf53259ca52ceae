// The preload's package finder (which packages under node_modules/ it instruments) and its
// transform cache. Plain file-system code, so these tests run under Deno and Bun.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, sep } from "node:path";
import { cacheDir, TransformCache } from "../lib/instrument/cache.ts";
import { PackageFinder, scopeIsCommonJs } from "../lib/instrument/packages.ts";

describe("the preload's package finder and transform cache", () => {
  it("covers ES module package scopes and files, never CommonJS ones or this library", () => {
    const dir = mkdtempSync(join(tmpdir(), "cloudpickle-finder-"));
    try {
      const nm = join(dir, "node_modules");
      const files: Record<string, string> = {
        "esm/package.json": `{"type":"module"}`,
        "esm/index.js": "export const a = 1;",
        "esm/cjs/package.json": `{"type":"commonjs"}`,
        "esm/cjs/index.js": "module.exports = 1;",
        "cjs/package.json": `{"name":"cjs"}`,
        "cjs/index.js": "module.exports = () => 1;",
        "cjs/esm.mjs": "export default 1;",
        "cjs/modern.js": "import x from './esm.mjs';\nexport default x;",
        "own/package.json": `{"type":"module"}`,
        "own/mod.js": "export {};",
      };
      for (const [f, text] of Object.entries(files)) {
        mkdirSync(dirname(join(nm, f)), { recursive: true });
        writeFileSync(join(nm, f), text);
      }
      const at = (f: string) => join(nm, f);
      const resolve = (spec: string) => at(spec);
      const finder = new PackageFinder(at("own") + sep, resolve);
      const importer = join(dir, "main.mjs");
      const targets = finder.targets(importer, [
        "esm/index.js",
        "cjs/index.js",
        "cjs/esm.mjs",
        "cjs/modern.js",
        "own/mod.js",
        "node:fs",
        "fs",
        "./local.js",
      ]);
      assert.equal(targets.length, 3, targets.join("\n"));
      const filter = new RegExp(targets.join("|"));
      assert.equal(filter.test(at("esm/index.js")), true);
      assert.equal(filter.test(at("esm/lib/deep.mts")), true);
      assert.equal(filter.test(at("esm/node_modules/x/index.js")), false);
      assert.equal(filter.test(at("esm/index.cjs")), false);
      assert.equal(filter.test(at("cjs/esm.mjs")), true);
      assert.equal(filter.test(at("cjs/modern.js")), true);
      assert.equal(filter.test(at("cjs/index.js")), false);
      assert.equal(filter.test(at("own/mod.js")), false);
      // Known already: nothing new.
      assert.deepEqual(finder.targets(importer, ["esm/index.js", "cjs/esm.mjs"]), []);
      // A nested "type": "commonjs" inside a covered scope is caught when loaded.
      assert.equal(scopeIsCommonJs(at("esm/cjs/index.js")), true);
      assert.equal(scopeIsCommonJs(at("esm/index.js")), false);
      assert.equal(scopeIsCommonJs(at("cjs/index.js")), true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("the cache keys by text, name and salt; survives a damaged entry; falls back to memory", () => {
    const dir = mkdtempSync(join(tmpdir(), "cloudpickle-cache-"));
    try {
      const c = new TransformCache(join(dir, "c"), "v1");
      const k = c.key("a.js", "let x = 1;");
      assert.notEqual(k, c.key("b.js", "let x = 1;"));
      assert.notEqual(k, c.key("a.js", "let x = 2;"));
      assert.notEqual(k, new TransformCache(undefined, "v2").key("a.js", "let x = 1;"));
      assert.equal(c.get(k), undefined);
      c.set(k, { kind: "instrumented", contents: "x\ny", imports: ["z"] });
      assert.deepEqual(new TransformCache(join(dir, "c"), "v1").get(k), {
        kind: "instrumented",
        contents: "x\ny",
        imports: ["z"],
      });
      writeFileSync(join(dir, "c", k), "{not json");
      assert.equal(c.get(k), undefined);
      // Under a file: the folder cannot be made, entries stay in memory.
      writeFileSync(join(dir, "file"), "");
      const m = new TransformCache(join(dir, "file", "c"), "v1");
      m.set(k, { kind: "unchanged", imports: [] });
      assert.equal(m.folder, undefined);
      assert.deepEqual(m.get(k), { kind: "unchanged", imports: [] });
      assert.equal(cacheDir({ CLOUDPICKLE_CACHE_DIR: "off" }), undefined);
      assert.equal(cacheDir({ CLOUDPICKLE_CACHE_DIR: "/x" }), "/x");
      assert.equal(cacheDir({ XDG_CACHE_HOME: "/y" }), join("/y", "cloudpickle", "instrument"));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
