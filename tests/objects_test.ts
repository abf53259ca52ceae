import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { dumps, dumpsSync, loads, loadsSync } from "../mod.ts";
import { nestedArray, nestedObject, roundTrip, runFixtures } from "./helpers.ts";
import { assertGraphEqual } from "./equal.ts";
import { objectFixtures } from "./fixtures/objects.ts";

describe("objects round-trip (sync, async, stream)", () => {
  runFixtures(objectFixtures);
});

describe("deep nesting", () => {
  const DEPTH = 20_000;

  function depthOfArray(v: unknown): number {
    let d = 0;
    while (Array.isArray(v)) {
      v = v[0];
      d++;
    }
    return d;
  }

  it(`array nested ${DEPTH} levels round-trips in all forms`, async () => {
    const input = nestedArray(DEPTH, "leaf");
    const r = await roundTrip(input);
    for (const out of [r.sync, r.async, r.stream]) {
      assert.equal(depthOfArray(out), DEPTH);
      assertGraphEqual(out, input);
    }
  });

  it(`object nested ${DEPTH} levels round-trips in all forms`, async () => {
    const input = nestedObject(DEPTH, { end: true });
    const r = await roundTrip(input);
    for (const out of [r.sync, r.async, r.stream]) {
      assertGraphEqual(out, input);
    }
  });

  it("deeply nested Map/Set/object mix round-trips", async () => {
    let v: unknown = 1;
    for (let i = 0; i < DEPTH; i++) {
      v = i % 3 === 0 ? new Map([["k", v]]) : i % 3 === 1 ? new Set([v]) : { v };
    }
    assertGraphEqual(loadsSync(dumpsSync(v)), v);
    assertGraphEqual(await loads(await dumps(v)), v);
  });

  it("deeply nested cycle back to the root", () => {
    const root: { next?: unknown } = {};
    let cur: { next?: unknown } = root;
    for (let i = 0; i < DEPTH; i++) {
      const n: { next?: unknown } = {};
      cur.next = n;
      cur = n;
    }
    cur.next = root;
    const out = loadsSync(dumpsSync(root)) as { next?: unknown };
    let c: unknown = out;
    for (let i = 0; i <= DEPTH; i++) c = (c as { next: unknown }).next;
    assert.equal(c, out);
  });
});

describe("arrays read through a polluted prototype", () => {
  // A hole reads through Array.prototype: with an index there, a long array with a hole and a
  // named property must not pass for a dense one.
  for (
    const [where, proto] of [["Array", Array.prototype], ["Object", Object.prototype]] as const
  ) {
    it(`a hole under ${where}.prototype[7], next to a named property, stays a hole`, () => {
      const a: unknown[] = Array.from({ length: 400 }, (_, i) => i);
      delete a[7];
      (a as unknown as Record<string, unknown>).extra = "x";
      Object.defineProperty(proto, "7", { value: "polluted", writable: true, configurable: true });
      try {
        const out = loadsSync<unknown[]>(dumpsSync(a));
        assert.equal(out.length, 400);
        assert.ok(!Object.hasOwn(out, 7), "index 7 is still a hole");
        assert.equal((out as unknown as Record<string, unknown>).extra, "x");
        assert.equal(out[399], 399);
      } finally {
        delete (proto as unknown as Record<string, unknown>)["7"];
      }
    });
  }
});
