// Values that cannot be pickled: PicklingError naming the path, in every form.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { dump, dumps, dumpsSync, PickleError, PicklingError } from "../mod.ts";
import { collector, expectPicklingError, expectPicklingErrorAsync } from "./helpers.ts";

type PathSpec = string | ((p: string) => boolean);

interface Refusal {
  name: string;
  value: () => unknown;
  path: PathSpec;
  /** false: only the sync form refuses it (Promise) */
  asyncToo?: boolean;
  /** true: this runtime can pickle it after all (e.g. Bun's preload records bind) */
  skip?: boolean;
}

function* gen() {
  yield 1;
}
async function* agen() {
  yield 1;
}

const refusals: Refusal[] = [
  {
    name: "WeakRef (path root.a[2].b)",
    value: () => ({ a: [1, 2, { b: new WeakRef({}) }] }),
    path: "root.a[2].b",
  },
  { name: "WeakRef at the root", value: () => new WeakRef({}), path: "root" },
  { name: "WeakRef", value: () => ({ r: new WeakRef({}) }), path: "root.r" },
  {
    name: "FinalizationRegistry",
    value: () => [0, new FinalizationRegistry(() => {})],
    path: "root[1]",
  },
  {
    name: "Promise (sync form)",
    value: () => ({ p: Promise.resolve(1) }),
    path: "root.p",
    asyncToo: false,
  },
  { name: "generator object", value: () => ({ g: gen() }), path: "root.g" },
  { name: "async generator object", value: () => ({ g: agen() }), path: "root.g" },
  { name: "Array Iterator", value: () => ({ i: [1].values() }), path: "root.i" },
  { name: "Map Iterator", value: () => [new Map([[1, 2]]).entries()], path: "root[0]" },
  { name: "Set Iterator", value: () => ({ i: new Set([1]).values() }), path: "root.i" },
  { name: "String Iterator", value: () => ({ i: "ab"[Symbol.iterator]() }), path: "root.i" },
  { name: "RegExp String Iterator", value: () => ({ i: "aa".matchAll(/a/g) }), path: "root.i" },
  { name: "Proxy", value: () => ({ p: new Proxy({}, {}) }), path: "root.p" },
  { name: "Proxy of an array", value: () => [new Proxy([1], {})], path: "root[0]" },
  {
    name: "native function not reachable from globalThis",
    value: () => ({ f: Object.getOwnPropertyDescriptor(Map.prototype, "size")!.get }),
    path: "root.f",
  },
  {
    name: "instance of a built-in class with internal state",
    value: () => ({ t: new TextEncoder() }),
    path: "root.t",
  },
  {
    name: "identifier-like keys use dots",
    value: () => ({ $a_1: { _b: [new WeakRef({})] } }),
    path: "root.$a_1._b[0]",
  },
  {
    name: "odd keys are JSON-quoted",
    value: () => ({ "odd key": [new WeakRef({})] }),
    path: 'root["odd key"][0]',
  },
  {
    name: "integer-like object keys are JSON-quoted",
    value: () => ({ 3: new WeakRef({}) }),
    path: 'root["3"]',
  },
  {
    name: "quote inside a key is escaped",
    value: () => ({ 'a"b': new WeakRef({}) }),
    path: 'root["a\\"b"]',
  },
  {
    name: "symbol keys",
    value: () => ({ [Symbol("k")]: new WeakRef({}) }),
    path: "root[Symbol(k)]",
  },
  {
    name: "registered symbol keys",
    value: () => ({ x: { [Symbol.for("reg")]: new WeakRef({}) } }),
    path: "root.x[Symbol(reg)]",
  },
  { name: "nested array indices", value: () => [1, [2, new WeakRef({})]], path: "root[1][1]" },
  {
    name: "sparse array index",
    value: () => {
      const a: unknown[] = [];
      a[70000] = new WeakRef({});
      return { a };
    },
    path: "root.a[70000]",
  },
  {
    name: "Map value",
    value: () => ({ m: new Map([["k", new WeakRef({})]]) }),
    path: (p) => p.includes("root.m"),
  },
  {
    name: "Map key",
    value: () => ({ m: new Map([[new WeakRef({}), 1]]) }),
    path: (p) => p.includes("root.m"),
  },
  {
    name: "Set member",
    value: () => ({ m: new Set([1, new WeakRef({})]) }),
    path: (p) => p.includes("root.m"),
  },
  {
    name: "Error cause",
    value: () => ({ e: new Error("x", { cause: new WeakRef({}) }) }),
    path: "root.e.cause",
  },
  {
    name: "refused value behind a cycle",
    value: () => {
      const o: Record<string, unknown> = {};
      o.self = o;
      o.bad = new WeakRef({});
      return o;
    },
    path: "root.bad",
  },
];

describe("cannot-pickle values throw PicklingError with the path", () => {
  for (const r of refusals) {
    it(`${r.name}: dumpsSync`, { skip: r.skip === true }, () => {
      expectPicklingError(() => dumpsSync(r.value()), r.path);
    });
    if (r.asyncToo !== false) {
      it(`${r.name}: dumps`, async () => {
        await expectPicklingErrorAsync(() => dumps(r.value()), r.path);
      });
      it(`${r.name}: dump to a stream`, async () => {
        const { sink } = collector();
        await expectPicklingErrorAsync(() => dump(r.value(), sink), r.path);
      });
    }
  }
});

describe("built-in iterators", () => {
  it("are refused naming their kind and the remedy, not a native `next`", () => {
    for (
      const [v, what] of [[[1].keys(), "an Array Iterator"], [new Set().values(), "a Set Iterator"]]
    ) {
      assert.throws(() => dumpsSync(v), (e: unknown) => {
        assert.ok(e instanceof PicklingError);
        assert.match(
          e.message,
          new RegExp(`cannot pickle ${what}: its position is internal state`),
        );
        assert.match(e.message, /\[\.\.\.iterator\]/);
        return true;
      });
    }
  });
});

describe("PicklingError shape", () => {
  it("is a PickleError and an Error with a path in the message", () => {
    const e = expectPicklingError(() => dumpsSync({ a: [1, 2, { b: new WeakRef({}) }] }));
    assert.ok(e instanceof PickleError);
    assert.ok(e instanceof Error);
    assert.equal(e.path, "root.a[2].b");
    assert.ok(e.message.includes("root.a[2].b"));
  });

  it("the first refused value is reported, not a later one", () => {
    const e = expectPicklingError(() => dumpsSync([{ ok: 1 }, new WeakRef({}), new WeakRef({})]));
    assert.equal(e.path, "root[1]");
  });

  it("a refused value does not poison the next call", () => {
    expectPicklingError(() => dumpsSync(new WeakRef({})), "root");
    assert.ok(dumpsSync({ fine: true }) instanceof Uint8Array);
  });
});
