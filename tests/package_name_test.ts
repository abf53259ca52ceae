// The package imports itself by its published name, `@cloudpickle/cloudpickle` (deno.json's
// import map on Deno, package.json's `exports` on Bun), and its preload by
// `@cloudpickle/cloudpickle/preload`: a program run from the repository root round-trips a
// closure through the library reached by that name.

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { runJSON } from "./helpers.ts";

const SCRIPT = "tests/cross/package_name.ts";
const EXPECTED = { auto: 42, given: 8, fresh: true, errors: true };

describe("the package by its name", () => {
  it("package.json and deno.json publish the same name and entry points", () => {
    const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
    const deno = JSON.parse(readFileSync(new URL("../deno.json", import.meta.url), "utf8"));
    assert.equal(pkg.name, "@cloudpickle/cloudpickle");
    assert.equal(deno.name, pkg.name);
    assert.equal(pkg.exports["."], deno.exports["."]);
    assert.equal(pkg.exports["./preload"], deno.exports["./preload"]);
  });

  it("Deno: a closure round-trips through the library imported by name", () => {
    assert.deepEqual(runJSON("deno", ["run", "-A", SCRIPT]), EXPECTED);
  });

  it("Bun: a closure round-trips, the preload named by the package's name", () => {
    const args = ["--preload", "@cloudpickle/cloudpickle/preload", SCRIPT];
    assert.deepEqual(runJSON("bun", args), EXPECTED);
  });

  it("Bun: the preload's file name the remedies give resolves too", () => {
    const args = ["--preload", "@cloudpickle/cloudpickle/preload.ts", SCRIPT];
    assert.deepEqual(runJSON("bun", args), EXPECTED);
  });
});
