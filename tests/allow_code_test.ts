// allowCode: false loads data only; every fixture that holds no code loads the same.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { dumps, dumpsSync, load, loads, loadsSync } from "../mod.ts";
import {
  expectUnpicklingError,
  expectUnpicklingErrorAsync,
  streamOf,
  streamRoundTrip,
} from "./helpers.ts";
import { assertGraphEqual } from "./equal.ts";
import { allFixtures, picklable, reducer, sampleValue } from "./fixtures/all.ts";

/** Fixtures whose objects have prototypes the pickle builds: refused by data-only loads. */
const DATA_PROTOTYPES = ["object with a plain-object prototype"];

describe("allowCode", () => {
  it("allowCode: false refuses built-ins referenced by path", async () => {
    for (const v of [Math.max, { a: [1, { f: JSON.parse }] }, new Map([["m", Map]])]) {
      const data = dumpsSync(v);
      expectUnpicklingError(() => loadsSync(data, { allowCode: false }), data);
      await expectUnpicklingErrorAsync(() => loads(data, { allowCode: false }), data);
      await expectUnpicklingErrorAsync(() => load(streamOf([data]), { allowCode: false }));
    }
  });

  it("allowCode: false refuses reduce calls", () => {
    const data = dumpsSync({ d: reducer(() => [Date, [0]]) });
    expectUnpicklingError(() => loadsSync(data, { allowCode: false }), data);
    const data2 = dumpsSync([reducer(() => [Array.of, [1]])]);
    expectUnpicklingError(() => loadsSync(data2, { allowCode: false }), data2);
  });

  it("allowCode defaults to true", async () => {
    assert.equal(loadsSync(dumpsSync(Math.max)), Math.max);
    assert.equal(loadsSync(dumpsSync(Math.max), { allowCode: true }), Math.max);
    assert.equal(await loads(dumpsSync(Math.max), {}), Math.max);
  });

  it("pure data loads with allowCode: false (every fixture)", () => {
    let checked = 0;
    for (const f of allFixtures) {
      const v = f.value();
      const data = picklable(v);
      if (!data) continue;
      let expected: unknown;
      try {
        expected = loadsSync(data);
      } catch {
        continue; // a pickle that does not load at all fails in its own fixture test
      }
      if (DATA_PROTOTYPES.includes(f.name)) {
        // A prototype of the pickle's own is not data (see tests/data_only_test.ts).
        assert.throws(() => loadsSync(data, { allowCode: false }), /needs allowCode: true/);
        continue;
      }
      if (f.name.startsWith("Deno.errors.")) {
        // An error of a runtime's class loads as its standard class, unless admitted by name.
        assert.equal(Object.getPrototypeOf(loadsSync(data, { allowCode: false })), Error.prototype);
        const admitted = loadsSync(data, { allowCode: false, allow: (r) => r.kind === "global" });
        assertGraphEqual(admitted, expected, f.name);
        checked++;
        continue;
      }
      // the same as what the default (allowCode: true) load gives
      assertGraphEqual(loadsSync(data, { allowCode: false }), expected, f.name);
      checked++;
    }
    assert.ok(checked > allFixtures.length * 0.9, `${checked} of ${allFixtures.length} checked`);
  });

  it("pure data loads with allowCode: false (async and stream)", async () => {
    const v = sampleValue();
    assertGraphEqual(await loads(await dumps(v), { allowCode: false }), v);
    const [s] = await streamRoundTrip([v], undefined, { allowCode: false });
    assertGraphEqual(s, v);
  });
});
