// The host probes that tell Node apart (lib/host.ts), seen from Deno and Bun; Node's side is
// in tests/node/node_runtime.mjs.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  builtinModuleNames,
  builtinWarnsOnLoad,
  isBun,
  isDeno,
  isNode,
  isV8,
} from "../lib/host.ts";

describe("host: Node detection", () => {
  it("Deno and Bun are not taken for Node, though process.release.name says node", () => {
    assert.equal(isNode(), false);
    assert.equal(isDeno() || isBun(), true);
    assert.equal(isV8(), isDeno());
  });

  it("every built-in module is listed here: only Node warns when some load", () => {
    const names = builtinModuleNames();
    assert.ok(names.some((n) => n === "fs" || n === "node:fs"), names.join());
    for (const n of ["sys", "punycode", "wasi"]) assert.equal(builtinWarnsOnLoad(n), false);
  });
});
