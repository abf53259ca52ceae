// Pickling and loading expect a pickle's object shapes to be the ones the last pickle had, in
// the same order (messages of one kind): pickling compares keys before walking its trie of
// shapes, loading compares a definition's bytes before hashing it. Whatever the pickles that
// came before, a value must pickle to the same bytes and every object come back with its own
// keys and prototype, and a truncated or corrupt definition must fail where it did.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { dumpsSync, loadsSync, UnpicklingError } from "../mod.ts";

describe("object shapes expected from the pickle before", () => {
  it("messages of one kind, then others whose shapes differ at each place", () => {
    const message = (i: number) => ({ id: i, user: { name: `u${i}`, age: i }, tags: { a: 1 } });
    for (let i = 0; i < 5; i++) assert.deepEqual(loadsSync(dumpsSync(message(i))), message(i));
    const others: unknown[] = [
      // The same first shape, then a different one of the same size where `user` was.
      { id: 1, user: { nome: "x", agf: 2 }, tags: { a: 1 } },
      // One key fewer at the first place.
      { id: 1, user: { name: "y", age: 3 } },
      // The same keys in another order.
      { user: { age: 4, name: "z" }, id: 2, tags: { a: 1 } },
      // The expected shapes, but each object without a prototype.
      Object.assign(Object.create(null), {
        id: 1,
        user: Object.assign(Object.create(null), { name: "n", age: 1 }),
        tags: Object.assign(Object.create(null), { a: 1 }),
      }),
      message(9),
      [message(1), message(2), { other: true }, message(3)],
      message(10),
    ];
    for (const v of others) {
      const out = loadsSync(dumpsSync(v));
      assert.deepEqual(out, v);
      assert.deepEqual(JSON.stringify(out), JSON.stringify(v), "keys in the same order");
      if (v !== null && typeof v === "object" && !Array.isArray(v)) {
        assert.equal(Object.getPrototypeOf(out), Object.getPrototypeOf(v));
        const user = (v as { user?: object }).user;
        if (user !== undefined) {
          assert.equal(
            Object.getPrototypeOf((out as { user: object }).user),
            Object.getPrototypeOf(user),
          );
        }
      }
    }
  });

  it("a definition cut short where the expected one would go on fails at its byte", () => {
    const v = { alpha: 1, beta: { gamma: 2, delta: 3 } };
    const bytes = dumpsSync(v);
    assert.deepEqual(loadsSync(bytes), v);
    for (let cut = bytes.length - 1; cut > 12; cut--) {
      const short = bytes.slice(0, cut);
      let first: unknown, second: unknown;
      try {
        loadsSync(short);
      } catch (e) {
        first = e;
      }
      // The same bytes again, now with the shapes of `v` expected first.
      loadsSync(bytes);
      try {
        loadsSync(short);
      } catch (e) {
        second = e;
      }
      assert.ok(first instanceof UnpicklingError, `cut at ${cut}`);
      assert.ok(second instanceof UnpicklingError, `cut at ${cut}`);
      assert.equal((second as UnpicklingError).offset, (first as UnpicklingError).offset);
      assert.equal((second as Error).message, (first as Error).message);
    }
  });

  it("a value pickles to the same bytes whatever was pickled before", () => {
    const values: unknown[] = [
      { id: 1, user: { name: "u", age: 1 }, tags: { a: 1 }, list: [{ x: 1 }, { y: 2 }] },
      { id: 1, user: { nome: "x", agf: 2 }, tags: { a: 1 } },
      { user: { age: 4, name: "z" }, id: 2 },
      Object.assign(Object.create(null), {
        id: 1,
        user: Object.assign(Object.create(null), { name: "n", age: 1 }),
      }),
      [{}, { id: 1 }, {}, { id: 2, user: {} }],
      { a: { b: { c: {} } } },
      {},
    ];
    const first = values.map((v) => dumpsSync(v));
    // Every order of two, and each value again after the others.
    for (let i = 0; i < values.length; i++) {
      for (let j = 0; j < values.length; j++) {
        dumpsSync(values[j]);
        const again = dumpsSync(values[i]);
        assert.deepEqual(again, first[i], `value ${i} after value ${j}`);
        assert.deepEqual(loadsSync(again), values[i]);
      }
    }
  });
});
