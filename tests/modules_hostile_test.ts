// Module indexing never touches hostile values: exports that are Proxies with throwing
// traps, or objects with throwing getters, neither break pickling of other values nor stop
// other modules from being indexed.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { dumps, dumpsSync, loads, loadsSync, PicklingError, registerModule } from "../mod.ts";
import * as hostile from "./modules/hostile.ts";
import * as neighbour from "./modules/hostile_neighbour.ts";
import { FLAG_MODULES } from "../lib/format/tags.ts";
import { parseHeader } from "./helpers.ts";

const require = createRequire(import.meta.url);
require("./modules/hostile_cjs.cjs");

function byReference(p: Uint8Array): boolean {
  return (parseHeader(p).flags & FLAG_MODULES) !== 0;
}

describe("hostile exports", () => {
  it("other exports of the module and of its neighbours are still found", async () => {
    for (let i = 0; i < 3; i++) {
      for (const f of [hostile.afterHostile, hostile.bad.fine, neighbour.neighbour]) {
        const p = await dumps(f);
        assert.ok(byReference(p), `${f.name} by reference`);
        assert.equal(await loads(p), f);
        assert.equal(await loads(dumpsSync(f)), f);
      }
    }
  });

  it("pickling other values is unaffected", async () => {
    const v = { a: [1, 2], f: (x: number) => x * 3 };
    const back = await loads<typeof v>(await dumps(v));
    assert.deepEqual(back.a, [1, 2]);
    assert.equal(back.f(2), 6);
  });

  it("an exported Proxy function is by reference, its traps never run", async () => {
    const p = await dumps(hostile.evilFunction);
    assert.ok(byReference(p));
    // loadsSync: a promise resolving to a Proxy reads its `then` (a trap).
    assert.equal(loadsSync(p), hostile.evilFunction);
  });

  it("the hostile values themselves are refused with a PicklingError, not their error", async () => {
    await assert.rejects(dumps(hostile.evil), PicklingError);
    assert.throws(() => dumpsSync({ x: hostile.evil }), PicklingError);
  });

  it("registerModule with hostile exports registers the rest", async () => {
    const fine = () => "registered";
    registerModule("https://example.com/hostile.js", {
      evil: hostile.evil,
      bad: hostile.bad,
      fine,
      get throws(): never {
        throw new Error("getter");
      },
    });
    const p = await dumps(fine);
    assert.ok(byReference(p));
    assert.equal(await loads(p), fine);
  });
});
