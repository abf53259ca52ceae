// Promises keep their own properties (with their attributes) and integrity level, as other
// built-ins do; the sync form still refuses them.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { dumps, dumpsSync, loads, loadsSync, PicklingError } from "../mod.ts";
import { assertGraphEqual } from "./equal.ts";

type Rec = Record<string | symbol, unknown>;
const TAG = Symbol.for("promise_props.tag");

/** `value` through dumps/loads, then the result once more. */
async function twoHops<T>(value: T): Promise<T[]> {
  const once = await loads<T>(await dumps(value));
  return [once, await loads<T>(await dumps(once))];
}

/** Own keys, descriptors and integrity of `out` are those of `p`. */
function assertSameProps(out: object, p: object): void {
  assert.deepEqual(Reflect.ownKeys(out), Reflect.ownKeys(p));
  for (const k of Reflect.ownKeys(p)) {
    assert.deepEqual(
      Object.getOwnPropertyDescriptor(out, k),
      Object.getOwnPropertyDescriptor(p, k),
      String(k),
    );
  }
  assert.equal(Object.isExtensible(out), Object.isExtensible(p));
  assert.equal(Object.isSealed(out), Object.isSealed(p));
  assert.equal(Object.isFrozen(out), Object.isFrozen(p));
}

describe("Promise own properties", () => {
  it("keeps own properties with their attributes", async () => {
    const p = Object.assign(Promise.resolve(1), { id: 7 });
    Object.defineProperty(p, "hidden", { value: "h", writable: true });
    (p as unknown as Rec)[TAG] = [1, 2];
    for (const o of await twoHops({ p })) {
      assert.ok(o.p instanceof Promise);
      assert.equal(Object.getPrototypeOf(o.p), Promise.prototype);
      assert.equal((o.p as unknown as Rec).id, 7);
      assertSameProps(o.p, p);
      assertGraphEqual(o.p, p);
      assert.equal(await o.p, 1);
    }
  });

  it("keeps a rejected promise's properties, and a property that is itself a promise", async () => {
    const inner = Promise.resolve("in");
    const p = Object.assign(Promise.reject(new RangeError("no")), { inner, n: 1 });
    p.catch(() => {});
    (p as unknown as Rec).self = p;
    for (const o of await twoHops({ p })) {
      const loaded = o.p as unknown as Rec;
      assert.equal(loaded.n, 1);
      assert.equal(loaded.self, o.p);
      assert.ok(loaded.inner instanceof Promise);
      assert.equal(await loaded.inner, "in");
      await assert.rejects(o.p, RangeError);
    }
  });

  it("keeps the fields of a Promise subclass's instance", async () => {
    class Tagged<T> extends Promise<T> {
      tag = "t";
    }
    const q = Tagged.resolve(2) as Tagged<number>;
    for (const o of await twoHops({ q })) {
      assert.ok(o.q instanceof Promise);
      assert.equal(o.q.constructor.name, "Tagged");
      assert.equal(o.q.tag, "t");
      assertSameProps(o.q, q);
      assert.equal(await o.q, 2);
    }
  });

  it("keeps frozen, sealed and non-extensible promises so, and others extensible", async () => {
    const frozen = Object.freeze(Object.assign(Promise.resolve(3), { a: 1 }));
    const sealed = Object.seal(Promise.resolve(4));
    const closed = Object.preventExtensions(Promise.resolve(5));
    const open = Promise.resolve(6);
    const value = { frozen, sealed, closed, open };
    for (const o of await twoHops(value)) {
      for (const k of ["frozen", "sealed", "closed", "open"] as const) {
        assertSameProps(o[k], value[k]);
      }
      assert.deepEqual(await Promise.all([o.frozen, o.sealed, o.closed, o.open]), [3, 4, 5, 6]);
    }
  });

  it("loadsSync gives back a root promise with its properties; dumpsSync refuses it", async () => {
    const p = Object.assign(Promise.resolve("v"), { id: 9 });
    const out = loadsSync<Promise<string> & { id: number }>(await dumps(p));
    assert.ok(out instanceof Promise);
    assert.equal(out.id, 9);
    assertSameProps(out, p);
    assert.equal(await out, "v");
    assert.throws(() => dumpsSync(p), PicklingError);
  });
});
