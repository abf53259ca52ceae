// Portable module names and the registry's matching, as pure functions.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { parseNpm, portableName, resolvePortable } from "../lib/runtime/modules/names.ts";
import { covers, registryEntry } from "../lib/code/registry.ts";

const root = new URL("../", import.meta.url).href;

/** A fake package at `dir` with a package.json. */
function fakePackage(dir: string, json: object, files: string[]): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "package.json"), JSON.stringify(json));
  for (const f of files) {
    mkdirSync(join(dir, f, ".."), { recursive: true });
    writeFileSync(join(dir, f), "export {};");
  }
}

describe("portable module names", () => {
  it("project modules are relative to the root; others keep their URL", () => {
    assert.equal(portableName(root + "lib/a.ts", root), "./lib/a.ts");
    assert.equal(portableName("file:///elsewhere/a.ts", root), "file:///elsewhere/a.ts");
    assert.equal(portableName("file:///elsewhere/a.ts", undefined), "file:///elsewhere/a.ts");
    assert.equal(portableName("node:fs", root), "node:fs");
    assert.equal(portableName("https://example.com/m.ts", root), "https://example.com/m.ts");
    assert.equal(portableName("jsr:@std/assert", root), "jsr:@std/assert");
    assert.equal(portableName("data:text/javascript,export{}", root), undefined);
    assert.equal(portableName("blob:null/1234", root), undefined);
    assert.equal(portableName("ext:core/mod.js", root), undefined);
  });

  it("resolves relative names against the loading side's root", () => {
    assert.equal(
      resolvePortable("./lib/a.ts", "file:///other/place/"),
      "file:///other/place/lib/a.ts",
    );
    assert.equal(resolvePortable("npm:x@1.0.0", "file:///r/"), "npm:x@1.0.0");
  });

  it("an installed npm package's file is npm:name@version", () => {
    const url = new URL("../node_modules/meriyah/dist/meriyah.mjs", import.meta.url).href;
    assert.match(portableName(url, root)!, /^npm:meriyah@\d+\.\d+\.\d+$/);
  });

  it("npm names follow the package's exports, scoped packages and Deno's npm cache too", () => {
    const tmp = mkdtempSync(join(tmpdir(), "cloudpickle-names-"));
    try {
      const cached = join(tmp, "npm", "registry.npmjs.org", "@scope", "pkg", "1.2.3");
      fakePackage(cached, {
        name: "@scope/pkg",
        version: "1.2.3",
        exports: {
          ".": { import: "./esm/index.js", require: "./cjs/index.js" },
          "./sub/*": "./esm/sub/*.js",
        },
      }, ["esm/index.js", "esm/sub/x.js", "esm/private.js"]);
      const at = (f: string) => pathToFileURL(join(cached, f)).href;
      assert.equal(portableName(at("esm/index.js"), root), "npm:@scope/pkg@1.2.3");
      assert.equal(portableName(at("cjs/index.js"), root), "npm:@scope/pkg@1.2.3");
      assert.equal(portableName(at("esm/sub/x.js"), root), "npm:@scope/pkg@1.2.3/sub/x");
      // Not exported: no npm name, so the file's own URL.
      assert.equal(portableName(at("esm/private.js"), root), at("esm/private.js"));

      const nm = join(tmp, "node_modules", "plain");
      fakePackage(nm, { name: "plain", version: "0.1.0", main: "lib/main" }, [
        "lib/main.js",
        "lib/util.js",
      ]);
      const inNm = (f: string) => pathToFileURL(join(nm, f)).href;
      assert.equal(portableName(inNm("lib/main.js"), root), "npm:plain@0.1.0");
      assert.equal(portableName(inNm("lib/util.js"), root), "npm:plain@0.1.0/lib/util.js");
    } finally {
      rmSync(tmp, { recursive: true });
    }
  });

  it("a subpath names a file only where the runtimes' conditions resolve it to that file", () => {
    const tmp = mkdtempSync(join(tmpdir(), "cloudpickle-names-"));
    try {
      // msgpackr's layout: "./unpack" is unpack.js for browsers (and by `default`), but
      // index.js for an `import` under Node's, Deno's and Bun's conditions.
      const dir = join(tmp, "node_modules", "split");
      fakePackage(dir, {
        name: "split",
        version: "2.0.0",
        exports: {
          ".": {
            node: { import: "./index.js", require: "./dist/node.cjs" },
            default: "./index.js",
          },
          "./unpack": {
            browser: "./unpack.js",
            node: { import: "./index.js", require: "./dist/node.cjs" },
            bun: { import: "./index.js", require: "./dist/node.cjs" },
            default: "./unpack.js",
          },
          "./deno-only": { deno: "./d.js", default: "./other.js" },
        },
      }, ["index.js", "unpack.js", "dist/node.cjs", "d.js", "other.js"]);
      const at = (f: string) => pathToFileURL(join(dir, f)).href;
      assert.equal(portableName(at("index.js"), root), "npm:split@2.0.0");
      assert.equal(portableName(at("dist/node.cjs"), root), "npm:split@2.0.0");
      // Named by no subpath the runtimes pick: the file's own URL, not npm:split/unpack
      // (which would load index.js there).
      assert.equal(portableName(at("unpack.js"), root), at("unpack.js"));
      // One runtime's target only: the others would load another file.
      assert.equal(portableName(at("d.js"), root), at("d.js"));
      assert.equal(portableName(at("other.js"), root), at("other.js"));
    } finally {
      rmSync(tmp, { recursive: true });
    }
  });

  it("parses npm specifiers", () => {
    assert.deepEqual(parseNpm("npm:meriyah@7.4.2"), {
      name: "meriyah",
      version: "7.4.2",
      subpath: "",
    });
    assert.deepEqual(parseNpm("npm:@a/b@1.0.0/x/y"), {
      name: "@a/b",
      version: "1.0.0",
      subpath: "x/y",
    });
    assert.deepEqual(parseNpm("npm:@a/b/x"), { name: "@a/b", version: undefined, subpath: "x" });
    assert.equal(parseNpm("./x.ts"), undefined);
  });
});

describe("registry entries", () => {
  it("normalizes specifiers, paths, URLs and packages", () => {
    assert.equal(registryEntry("meriyah"), "npm:meriyah");
    assert.equal(registryEntry("npm:meriyah@7.4.2"), "npm:meriyah");
    assert.equal(registryEntry("@scope/pkg/sub"), "npm:@scope/pkg/sub");
    assert.equal(registryEntry("./tests"), root + "tests/");
    assert.equal(registryEntry("./tests/modules/shapes.ts"), root + "tests/modules/shapes.ts");
    assert.equal(registryEntry(new URL("../lib", import.meta.url)), root + "lib/");
    assert.equal(registryEntry("https://example.com/m.ts"), "https://example.com/m.ts");
  });

  it("folders and packages cover what is inside them", () => {
    const meriyah = new URL("../node_modules/meriyah/dist/meriyah.mjs", import.meta.url).href;
    assert.ok(covers(["npm:meriyah"], meriyah));
    assert.ok(!covers(["npm:meriyah/sub"], meriyah));
    assert.ok(!covers(["npm:other"], meriyah));
    assert.ok(covers([root + "tests/"], root + "tests/modules/shapes.ts"));
    assert.ok(!covers([root + "tests/modules/shapes.ts"], root + "tests/modules/uses_shapes.ts"));
    assert.ok(covers(["npm:x"], "npm:x@1.0.0/y"));
  });
});
