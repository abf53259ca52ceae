// mod.ts exports exactly the API of the contract (../shared/design/API.md) and its documented
// extensions (ready): nothing missing, nothing extra, each of the kind the contract says.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import * as api from "../mod.ts";

/** The runtime values mod.ts exports, by kind (types have no runtime value). */
const CONTRACT: Record<string, "function" | "class" | "symbol" | "number"> = {
  dumps: "function",
  dumpsSync: "function",
  loads: "function",
  loadsSync: "function",
  dump: "function",
  load: "function",
  registerPickleByValue: "function",
  unregisterPickleByValue: "function",
  listRegistryPickleByValue: "function",
  closure: "function",
  registerModule: "function",
  // Extension: resolves once the sync forms can read closures and find modules here.
  ready: "function",
  reduce: "symbol",
  setState: "symbol",
  // Planned addition: a code cache per channel (definitions once, then by hash).
  CodeCache: "class",
  CodeCacheMissError: "class",
  Pickler: "class",
  Unpickler: "class",
  PickleError: "class",
  PicklingError: "class",
  UnpicklingError: "class",
  FORMAT_VERSION: "number",
};

describe("the public API", () => {
  it("mod.ts exports exactly the contract's names", () => {
    assert.deepEqual(Object.keys(api).sort(), Object.keys(CONTRACT).sort());
  });

  it("each export is of the kind the contract says", () => {
    for (const [name, kind] of Object.entries(CONTRACT)) {
      const v = (api as Record<string, unknown>)[name];
      if (kind === "class") {
        assert.equal(typeof v, "function", name);
        assert.match(Function.prototype.toString.call(v), /^class\b/, name);
      } else {
        assert.equal(typeof v, kind, name);
      }
    }
  });
});
