// Closures over a variable in its temporal dead zone (declared below the code that pickles
// them): as cloudpickle keeps an empty cell, the variable travels uninitialized, and the loaded
// function throws a ReferenceError when it reads it, as it would have where it was pickled.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { dumps, dumpsSync, loads, loadsSync } from "../mod.ts";
import { dis } from "../dis.ts";
import { explain, formatExplanation } from "../explain.ts";
import { bytesEqual, expectUnpicklingError, throwsReference } from "./helpers.ts";

type G = (n: number) => number;

/** Pickles (sync and async) a closure over `ready` and `late` before `late` is declared. */
async function picklesBeforeDeclaration(): Promise<{
  sync: Uint8Array;
  async: Uint8Array;
  after: Uint8Array;
  g: G;
}> {
  const ready = 3;
  const g: G = (n) => (n >= 0 ? n * ready : late(n));
  const sync = dumpsSync(g);
  const early = await dumps(g);
  const late = (n: number) => -n;
  return { sync, async: early, after: dumpsSync(g), g };
}

const made = await picklesBeforeDeclaration();

describe("a captured variable in its temporal dead zone", () => {
  it("travels uninitialized: the loaded function runs until it reads it, then throws", async () => {
    for (const bytes of [made.sync, made.async]) {
      for (const f of [loadsSync<G>(bytes), await loads<G>(bytes)]) {
        assert.equal(f(2), 6);
        assert.ok(throwsReference(() => f(-1)), "reading the variable throws a ReferenceError");
        assert.equal(f(5), 15, "and the function keeps working");
      }
    }
  });

  it("pickled again after loading, it stays uninitialized and gives the same bytes", () => {
    const f = loadsSync<G>(made.sync);
    const again = dumpsSync(f);
    assert.ok(bytesEqual(again, made.sync), "a loaded closure pickles to the bytes it came from");
    const g = loadsSync<G>(again);
    assert.ok(throwsReference(() => g(-1)));
    assert.equal(g(1), 3);
  });

  it("once the declaration has run, the next pickle carries its value", () => {
    const f = loadsSync<G>(made.after);
    assert.equal(f(-4), 4);
    assert.equal(made.g(-4), 4);
  });

  it("closures of one scope still share it, the uninitialized variable with the rest", () => {
    function pair() {
      let count = 0;
      const inc = () => ++count;
      const peek = () => [count, pending];
      const bytes = dumpsSync({ inc, peek });
      const pending = "set";
      return bytes;
    }
    const v = loadsSync<{ inc: () => number; peek: () => unknown }>(pair());
    assert.equal(v.inc(), 1);
    assert.equal(v.inc(), 2);
    assert.ok(throwsReference(() => v.peek()), "peek reads the uninitialized variable");
  });

  it("the disassembler and explain name it so", async () => {
    assert.match(dis(made.sync), /variables \[ready, late \(uninitialized\)\]/);
    const f = loadsSync<G>(made.sync);
    assert.match(formatExplanation(await explain(f)), /late: uninitialized/);
  });

  it("a marked name that is no variable name, or one among installs, is refused", () => {
    const at = (b: Uint8Array, text: string): number => {
      const t = new TextEncoder().encode(text);
      outer: for (let i = 0; i + t.length <= b.length; i++) {
        for (let j = 0; j < t.length; j++) if (b[i + j] !== t[j]) continue outer;
        return i;
      }
      return -1;
    };
    for (const bad of ["1ate!", "la.e!", "let!!"]) {
      const b = made.sync.slice();
      const i = at(b, "late!");
      assert.ok(i > 0);
      b.set(new TextEncoder().encode(bad), i);
      const err = expectUnpicklingError(() => loadsSync(b), b);
      assert.match(err.message, /captured variable|installs/);
    }
  });
});
