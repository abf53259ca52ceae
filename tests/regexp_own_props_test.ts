// A RegExp's pattern and flags come from its internal slots; own `source`, `flags` and flag
// properties that shadow the prototype's getters are only properties, kept as such.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { dumps, dumpsSync, loads, loadsSync } from "../mod.ts";
import { assertGraphEqual } from "./equal.ts";

const getter = (name: string) =>
  Object.getOwnPropertyDescriptor(RegExp.prototype, name)!.get as (this: RegExp) => unknown;
const slotSource = getter("source");
const flagGetters = ["hasIndices", "global", "ignoreCase", "multiline", "dotAll", "sticky"]
  .map((name) => [name, getter(name)] as const);

/** The flags a RegExp's slots hold, whatever properties shadow the prototype's getters. */
function flagsOf(re: RegExp): string {
  const letters: Record<string, string> = {
    hasIndices: "d",
    global: "g",
    ignoreCase: "i",
    multiline: "m",
    dotAll: "s",
    sticky: "y",
  };
  let out = "";
  for (const [name, get] of flagGetters) if (get.call(re)) out += letters[name];
  return out;
}

/** `re` through dumpsSync/loadsSync and dumps/loads, then each result once more. */
async function hops(re: RegExp): Promise<RegExp[]> {
  const sync = loadsSync<RegExp>(dumpsSync(re));
  const async = await loads<RegExp>(await dumps(re));
  return [sync, async, loadsSync<RegExp>(dumpsSync(sync)), await loads<RegExp>(await dumps(async))];
}

/** Same slots, same lastIndex, same own properties (descriptors, integrity) and prototype. */
function assertSameRegExp(out: RegExp, re: RegExp, source: string, flags: string): void {
  assert.equal(slotSource.call(out), source);
  assert.equal(flagsOf(out), flags);
  assert.equal(Object.getPrototypeOf(out), Object.getPrototypeOf(re));
  assert.deepEqual(Reflect.ownKeys(out), Reflect.ownKeys(re));
  for (const k of Reflect.ownKeys(re)) {
    assert.deepEqual(
      Object.getOwnPropertyDescriptor(out, k),
      Object.getOwnPropertyDescriptor(re, k),
      String(k),
    );
  }
  assert.equal(Object.isFrozen(out), Object.isFrozen(re));
  assert.equal(Object.isExtensible(out), Object.isExtensible(re));
  assertGraphEqual(out, re);
}

describe("RegExp with own source or flags", () => {
  it("an own source is a property; the pattern is the slot's", async () => {
    const re = Object.defineProperty(/x/g, "source", { value: "y", enumerable: true });
    re.lastIndex = 1;
    for (const out of await hops(re)) {
      assertSameRegExp(out, re, "x", "g");
      assert.equal(out.source, "y");
      assert.equal(out.lastIndex, 1);
      // It still matches what the slot says, from lastIndex on.
      assert.equal(RegExp.prototype.exec.call(out, "xax")?.index, 2);
    }
  });

  it("an own flags is a property; the flags are the slots'", async () => {
    const wrong = Object.defineProperty(/x/g, "flags", { value: "i", configurable: true });
    for (const out of await hops(wrong)) {
      assertSameRegExp(out, wrong, "x", "g");
      assert.equal(out.flags, "i");
      assert.equal(RegExp.prototype.test.call(out, "X"), false);
    }
    // Flags no RegExp can have load as the property they are.
    const invalid = Object.defineProperty(/x/my, "flags", { value: "zz", writable: true });
    for (const out of await hops(invalid)) {
      assertSameRegExp(out, invalid, "x", "my");
      assert.equal(out.flags, "zz");
    }
  });

  it("own flag properties do not change the flags", async () => {
    const re = /x/gi;
    Object.defineProperty(re, "global", { value: false });
    Object.defineProperty(re, "multiline", { value: true, enumerable: true });
    (re as unknown as Record<symbol, unknown>)[Symbol.match] = false;
    for (const out of await hops(re)) {
      assertSameRegExp(out, re, "x", "gi");
      assert.equal(out.global, false);
      assert.equal((out as unknown as Record<symbol, unknown>)[Symbol.match], false);
    }
  });

  it("a frozen RegExp with an own source keeps its pattern and read-only lastIndex", async () => {
    const re = /a+/y;
    re.lastIndex = 3;
    Object.defineProperty(re, "source", { value: "b", writable: true, configurable: true });
    Object.freeze(re);
    for (const out of await hops(re)) {
      assertSameRegExp(out, re, "a+", "y");
      assert.equal(out.lastIndex, 3);
      assert.equal(out.source, "b");
    }
  });
});
