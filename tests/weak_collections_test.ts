// WeakMaps and WeakSets: their entries cannot be listed, only asked for, so a pickle holds the
// entries whose keys travel with it (WEAK_COLLECTION, then WEAK_ENTRIES after the value): the
// caches and private-data tables closures and classes keep (zod 4's memo of recursive
// schemas, the pre-`#private` pattern `store.set(this, x)`) come back with what the loaded
// code can reach, over hops and runtimes. Hand-made WEAK_ENTRIES are checked as any bytes.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { dumps, dumpsSync, loads, loadsSync, UnpicklingError } from "../mod.ts";
import { evalIn, varint, withHeader } from "./helpers.ts";
import { FORMAT_VERSION, WEAK_ENTRIES } from "../lib/format/tags.ts";

const root = fileURLToPath(new URL("..", import.meta.url));

const store = new WeakMap<object, number>();
class Account {
  constructor(balance: number) {
    store.set(this, balance);
  }
  get balance(): number {
    return store.get(this)!;
  }
  deposit(n: number): this {
    store.set(this, store.get(this)! + n);
    return this;
  }
}

describe("weak collections", () => {
  it("keep the entries whose keys travel, sync and async, over three hops", async () => {
    const cache = new WeakMap<object, number>();
    const seen = new WeakSet<object>();
    const a = { id: 1 }, b = { id: 2 }, stay = { id: 3 };
    cache.set(a, 10).set(b, 20).set(stay, 30);
    seen.add(a);
    const lookup = (o: object) => [cache.get(o), seen.has(o)];
    let v = { lookup, a, b };
    for (let hop = 1; hop <= 3; hop++) {
      v = hop === 2 ? await loads(await dumps(v)) : loadsSync(dumpsSync(v));
      assert.notEqual(v.a, a);
      assert.deepEqual(v.lookup(v.a), [10, true], `hop ${hop}`);
      assert.deepEqual(v.lookup(v.b), [20, false]);
      assert.deepEqual(v.lookup({}), [undefined, false]);
    }
  });

  it("one that comes home is the home one, with the entries of what came with it", () => {
    const cache = new WeakMap<object, number>();
    const a = { id: 1 };
    cache.set(a, 1);
    const back = loadsSync<{ cache: WeakMap<object, number>; a: object }>(dumpsSync({ cache, a }));
    assert.equal(back.cache, cache, "the same collection");
    assert.equal(cache.get(back.a), 1, "the loaded key's entry was added to it");
    assert.equal(cache.get(a), 1);
    // Data-only loads never reach a live collection.
    const data = loadsSync<{ cache: WeakMap<object, number>; a: object }>(
      dumpsSync({ cache, a }),
      { allowCode: false },
    );
    assert.notEqual(data.cache, cache);
    assert.equal(data.cache.get(data.a), 1);
  });

  it("entries whose values hold more keys and collections are followed", () => {
    const outer = new WeakMap<object, unknown>();
    const inner = new WeakSet<object>();
    const k1 = {}, k2 = {}, k3 = {};
    outer.set(k1, { next: k2, inner }).set(k2, "two").set(k3, "unreached");
    inner.add(k2);
    const [m, key] = loadsSync<[WeakMap<object, { next: object; inner: WeakSet<object> }>, object]>(
      dumpsSync([outer, k1]),
    );
    const hop = m.get(key)!;
    assert.equal(m.get(hop.next), "two");
    assert.ok(hop.inner instanceof WeakSet && hop.inner.has(hop.next));
  });

  it("subclasses, own properties, frozen ones and shared identity are kept", () => {
    class Registry extends WeakMap<object, number> {
      label = "r";
      twice(k: object): number {
        return 2 * this.get(k)!;
      }
    }
    const r = new Registry();
    const key = {};
    r.set(key, 21);
    const frozen = Object.freeze(new WeakSet([key]));
    const back = loadsSync<{ r: Registry; again: Registry; key: object; frozen: WeakSet<object> }>(
      dumpsSync({ r, again: r, key, frozen }),
    );
    assert.ok(back.r instanceof WeakMap);
    assert.equal(back.r.twice(back.key), 42);
    assert.equal(back.r.label, "r");
    assert.equal(back.r, back.again);
    assert.ok(Object.isFrozen(back.frozen) && back.frozen.has(back.key));
  });

  it("a unique symbol as a key travels as one", () => {
    const s = Symbol("k");
    const m = new WeakMap<symbol, number>([[s, 4]]);
    const back = loadsSync<{ get: () => number | undefined; s: symbol }>(
      dumpsSync({ get: () => m.get(s), s }),
    );
    assert.equal(back.get(), 4);
  });

  it("a class keeping private data in a WeakMap travels Deno → Bun → Deno", async () => {
    const b64 = (await dumps([new Account(5), Account])).toBase64();
    const hop = (input: string) =>
      `const { loads, dumps } = await import(${JSON.stringify(`${root}mod.ts`)});
      const [acct, Account] = await loads(Uint8Array.fromBase64(${JSON.stringify(input)}));
      const fresh = new Account(1).deposit(1);
      console.log(acct.deposit(10).balance + "," + fresh.balance + " " +
        (await dumps([acct, Account])).toBase64());`;
    const [r1, b1] = evalIn("deno", hop(b64)).split(" ");
    assert.equal(r1, "15,2");
    const [r2, b2] = evalIn("bun", hop(b1)).split(" ");
    assert.equal(r2, "25,2");
    const [acct] = await loads<[Account]>(Uint8Array.fromBase64(b2));
    assert.equal(acct.deposit(1).balance, 26);
  });

  it("data-only loads take them (no code involved)", () => {
    const key = { k: 1 };
    const bytes = dumpsSync([key, new WeakMap([[key, "v"]])]);
    const [k, m] = loadsSync<[object, WeakMap<object, string>]>(bytes, { allowCode: false });
    assert.equal(m.get(k), "v");
  });
});

/** The id `m` has in this process (assigned when first pickled). */
function liveId(m: WeakMap<object, unknown>): string {
  const bytes = dumpsSync(m);
  // Header (7 bytes), WEAK_COLLECTION, kind, then the id as a short string.
  const len = bytes[9] - 0x40;
  return new TextDecoder().decode(bytes.subarray(10, 10 + len));
}

describe("hand-made weak entries", () => {
  // [ {}, WeakMap ] followed by entries.
  const body = [0x76, 0x02, 0x72, 0x00, 0x97, 0x00, 0x41, 0x78];
  const pickle = (...tail: number[]) =>
    withHeader(new Uint8Array([...body, ...tail]), FORMAT_VERSION, 0);
  const refuses = (bytes: Uint8Array, reason: RegExp, offset?: number) =>
    assert.throws(() => loadsSync(bytes), (e: unknown) => {
      assert.ok(e instanceof UnpicklingError, String(e));
      assert.match(e.message, reason);
      if (offset !== undefined) assert.equal(e.offset, offset);
      return true;
    });

  it("the well-formed one loads", () => {
    const [k, m] = loadsSync<[object, WeakMap<object, number>]>(
      pickle(WEAK_ENTRIES, 1, 0x71, 2, 0x71, 1, 5),
    );
    assert.equal(m.get(k), 5);
  });

  it("entries for what is no weak collection of the pickle are refused at their byte", () => {
    // The array (memo 0) as the collection.
    refuses(pickle(WEAK_ENTRIES, 1, 0x71, 0, 0x71, 0, 5), /no weak collection/, 7 + 10);
  });

  it("a key that cannot be held weakly, a WeakSet value, a count past the end: refused", () => {
    refuses(pickle(WEAK_ENTRIES, 1, 0x71, 2, 0x05, 0x05), /cannot be held weakly/);
    const set = withHeader(
      new Uint8Array([
        0x76,
        0x02,
        0x72,
        0x00,
        0x97,
        0x01,
        0x41,
        0x79,
        WEAK_ENTRIES,
        1,
        0x71,
        2,
        0x71,
        1,
        5,
      ]),
      FORMAT_VERSION,
      0,
    );
    refuses(set, /WeakSet entry has a value/);
    refuses(pickle(WEAK_ENTRIES, ...varint(1_000_000)), /past|truncated|longer/);
    refuses(pickle(WEAK_ENTRIES, 1, 0x71, 2, 0x71, 0x01), /truncated/);
  });

  it("a live collection found by its id is not changed, and gets entries only on success", () => {
    const live = new WeakMap<object, string>();
    live.set(Math, "private");
    const id = [...new TextEncoder().encode(liveId(live))];
    const head = [0x97, 0x00, 0x40 + id.length, ...id];
    // Own properties, a prototype: not applied to it.
    const props = [0x78, ...head, 0x01, 0x41, 0x6b, 0x07, 0x41, 0x76, 0x00];
    assert.equal(loadsSync(withHeader(new Uint8Array(props), FORMAT_VERSION, 0)), live);
    assert.equal(Object.hasOwn(live, "k"), false);
    const proto = [0x8e, 0x61, ...head];
    assert.equal(loadsSync(withHeader(new Uint8Array(proto), FORMAT_VERSION, 0)), live);
    assert.equal(Object.getPrototypeOf(live), WeakMap.prototype);
    // An entry for a key the process has too (Math) is left as it is.
    const math = [0x88, 0x44, ...new TextEncoder().encode("Math")];
    const over = [0x76, 0x01, ...head, WEAK_ENTRIES, 0x01, 0x71, 0x01, ...math, 0x41, 0x58];
    loadsSync(withHeader(new Uint8Array(over), FORMAT_VERSION, 0));
    assert.equal(live.get(Math), "private");
    // A load that fails after its entries adds none of them.
    const key = [0x72, 0x00];
    const failing = [0x76, 0x02, ...head, ...key, WEAK_ENTRIES, 0x01, 0x71, 0x01, 0x71, 0x02, 0x41];
    const bytes = withHeader(new Uint8Array([...failing, 0x58, 0x01]), FORMAT_VERSION, 0);
    refuses(bytes, /unexpected bytes/);
  });

  it("entries without a weak collection, inside a value, or of an unknown kind: refused", () => {
    refuses(
      withHeader(new Uint8Array([0x01, WEAK_ENTRIES, 0]), FORMAT_VERSION, 0),
      /without a weak collection/,
    );
    refuses(
      withHeader(new Uint8Array([0x76, 0x01, WEAK_ENTRIES]), FORMAT_VERSION, 0),
      /no known value/,
    );
    refuses(withHeader(new Uint8Array([0x97, 0x07]), FORMAT_VERSION, 0), /unknown kind/);
    // "x" is a WeakMap's id in this process (loaded above): a WeakSet of that id is refused.
    loadsSync(pickle());
    refuses(withHeader(new Uint8Array([0x97, 0x01, 0x41, 0x78]), FORMAT_VERSION, 0), /other kind/);
    // Bytes after the entries are no more entries.
    refuses(pickle(WEAK_ENTRIES, 0, 0x01), /unexpected bytes/);
  });
});
