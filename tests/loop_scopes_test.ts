// Closures made in the first turn of a `for (let …)` loop whose body calls eval: the loop's
// head scope and the turn's copy of it hold the same values then, yet they are two scopes of
// one chain, not one (a record of its own parent made a pickle that could not load).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { dumps, dumpsSync, loads, loadsSync } from "../mod.ts";

describe("closures of a loop whose body calls eval", () => {
  it("pickle and load in every turn, sync and async, and again", async () => {
    const out: string[] = [];
    for (let v = 1; v <= 3; v++) {
      // A class made by eval in the body (every variable of the loop lives in a context).
      const Thing = eval(`(class Thing { who() { return "v${v}"; } })`);
      const f = () => new Thing().who();
      const sync = loadsSync<typeof f>(dumpsSync(f));
      const async = await loads<typeof f>(await dumps(f));
      const again = loadsSync<typeof f>(dumpsSync(async));
      out.push(sync(), async(), again());
    }
    assert.deepEqual(out, ["v1", "v1", "v1", "v2", "v2", "v2", "v3", "v3", "v3"]);
  });
});
