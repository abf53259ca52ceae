// Instances of a class met before in the same pickle take a shorter path: the questions
// whose answer the class's prototype chain gives are asked once per pickle. Whatever sits
// among such instances must still be written for what it is: a built-in given the class's
// prototype keeps its kind, what cannot be pickled is refused at its path, own odd
// properties keep their attributes, and no user code runs that did not run before.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { types } from "node:util";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { dumps, dumpsSync, loads, loadsSync, reduce } from "../mod.ts";
import { expectPicklingError, expectPicklingErrorAsync } from "./helpers.ts";

class Order {
  id: number;
  note: string;
  constructor(id: number, note = "n") {
    this.id = id;
    this.note = note;
  }
  total(): number {
    return this.id * 2;
  }
}

/** Dumps then loads `v` with the sync and the async forms; both results. */
async function both<T>(v: unknown): Promise<T[]> {
  return [loadsSync(dumpsSync(v)) as T, await loads(await dumps(v)) as T];
}

/** `odd` given Order.prototype, between two ordinary instances (the first one seen first). */
function among(odd: object): unknown[] {
  return [new Order(1), Object.setPrototypeOf(odd, Order.prototype), new Order(2)];
}

describe("instances after the first of their class in a pickle", () => {
  const kinds: [string, () => object, (v: object) => void][] = [
    ["a Map", () => new Map([[1, "a"]]), (v) => {
      assert.ok(types.isMap(v));
      assert.equal(Map.prototype.get.call(v, 1), "a");
    }],
    ["a Set", () => new Set(["s"]), (v) => {
      assert.ok(types.isSet(v));
      assert.ok(Set.prototype.has.call(v, "s"));
    }],
    ["a Date", () => new Date(5), (v) => {
      assert.ok(types.isDate(v));
      assert.equal(Date.prototype.getTime.call(v), 5);
    }],
    ["a RegExp", () => /a+/g, (v) => {
      assert.ok(types.isRegExp(v));
      assert.equal(RegExp.prototype.exec.call(v as RegExp, "baa")?.[0], "aa");
    }],
    ["a TypeError", () => new TypeError("boom"), (v) => {
      assert.ok(types.isNativeError(v));
      assert.equal((v as Error).message, "boom");
    }],
    ["a Number object", () => new Number(4), (v) => {
      assert.ok(types.isNumberObject(v));
      assert.equal(Number.prototype.valueOf.call(v), 4);
    }],
    ["a String object", () => new String("ab"), (v) => {
      assert.ok(types.isStringObject(v));
      assert.equal(String.prototype.valueOf.call(v), "ab");
    }],
    ["a Boolean object", () => new Boolean(true), (v) => assert.ok(types.isBooleanObject(v))],
    ["a BigInt object", () => Object(7n), (v) => {
      assert.ok(types.isBigIntObject(v));
      assert.equal(BigInt.prototype.valueOf.call(v), 7n);
    }],
    ["an array", () => [1, { k: 2 }], (v) => {
      assert.ok(Array.isArray(v));
      assert.deepEqual(Array.prototype.slice.call(v)[1], { k: 2 });
    }],
  ];
  for (const [name, make, check] of kinds) {
    it(`${name} given the class's prototype keeps its kind`, async () => {
      for (const out of await both<object[]>(among(make()))) {
        const proto = Object.getPrototypeOf(out[0]);
        assert.equal(Object.getPrototypeOf(out[1]), proto);
        assert.equal(Object.getPrototypeOf(out[2]), proto);
        check(out[1]);
        assert.equal((out[2] as Order).total(), 4);
      }
    });
  }

  const refused: [string, () => object, RegExp][] = [
    ["a generator object", () => (function* () {})(), /generator/],
  ];
  for (const [name, make, message] of refused) {
    it(`${name} given the class's prototype is refused at its path`, async () => {
      const v = among(make());
      assert.match(expectPicklingError(() => dumpsSync(v), "root[1]").message, message);
      await expectPicklingErrorAsync(() => dumps(v), "root[1]");
    });
  }

  it("a Proxy of an instance is refused at its path, its traps not asked for keys", async () => {
    const asked: string[] = [];
    const p = new Proxy(new Order(3), {
      ownKeys(t) {
        asked.push("ownKeys");
        return Reflect.ownKeys(t);
      },
      getOwnPropertyDescriptor(t, k) {
        asked.push("descriptor");
        return Reflect.getOwnPropertyDescriptor(t, k);
      },
    });
    const v = [new Order(1), p];
    assert.match(expectPicklingError(() => dumpsSync(v), "root[1]").message, /Proxy/);
    await expectPicklingErrorAsync(() => dumps(v), "root[1]");
    assert.deepEqual(asked, []);
  });

  it("own odd properties keep their attributes", async () => {
    const getter = Object.defineProperty(new Order(4), "g", {
      get: () => 1,
      enumerable: true,
      configurable: true,
    });
    const readOnly = Object.defineProperty(new Order(5), "id", { writable: false });
    const hidden = Object.defineProperty(new Order(6), "h", { value: 1, enumerable: false });
    const frozen = Object.freeze(new Order(7));
    const tagged = Object.assign(new Order(8), { [Symbol.toStringTag]: "T" });
    const withCtor = Object.assign(new Order(9), { constructor: "c" });
    const v = [new Order(1), getter, readOnly, hidden, frozen, tagged, withCtor];
    for (const out of await both<Order[]>(v)) {
      const proto = Object.getPrototypeOf(out[0]);
      for (const o of out) assert.equal(Object.getPrototypeOf(o), proto);
      assert.equal(typeof Object.getOwnPropertyDescriptor(out[1], "g")?.get, "function");
      assert.equal(Object.getOwnPropertyDescriptor(out[2], "id")?.writable, false);
      assert.equal(Object.getOwnPropertyDescriptor(out[3], "h")?.enumerable, false);
      assert.ok(Object.isFrozen(out[4]));
      assert.equal((out[5] as unknown as Record<symbol, unknown>)[Symbol.toStringTag], "T");
      assert.equal((out[6] as unknown as { constructor: unknown }).constructor, "c");
      assert.deepEqual(out.map((o) => o.total()), [2, 8, 10, 12, 14, 16, 18]);
    }
  });

  it("an own [reduce] method runs for that instance only", async () => {
    const reduced = Object.assign(new Order(4), {
      [reduce]: () => [(n: number) => ({ rebuilt: n }), [41]],
    });
    for (const out of await both<unknown[]>([new Order(1), reduced, new Order(2)])) {
      assert.deepEqual(out[1], { rebuilt: 41 });
      assert.equal((out[2] as Order).total(), 4);
    }
  });

  it("shared instances and cycles stay one object", async () => {
    const a = new Order(1);
    const b = new Order(2) as Order & { self?: unknown; other?: unknown };
    b.self = b;
    b.other = a;
    for (const out of await both<Order[]>([a, b, a, b])) {
      assert.equal(out[0], out[2]);
      assert.equal(out[1], out[3]);
      const ob = out[1] as Order & { self?: unknown; other?: unknown };
      assert.equal(ob.self, ob);
      assert.equal(ob.other, out[0]);
    }
  });

  it("no getter of the class's prototype runs, Symbol.toStringTag included", async () => {
    let reads = 0;
    class Tagged {
      x = 1;
      get [Symbol.toStringTag](): string {
        reads++;
        return "Tagged";
      }
      get doubled(): number {
        reads++;
        return this.x * 2;
      }
    }
    const v = [new Tagged(), new Tagged(), Object.setPrototypeOf(new Date(3), Tagged.prototype)];
    for (const out of await both<object[]>(v)) {
      assert.ok(types.isDate(out[2]));
      assert.equal(Object.getPrototypeOf(out[0]), Object.getPrototypeOf(out[2]));
    }
    assert.equal(reads, 0);
  });

  it("a [reduce] method on the prototype reduces every instance", async () => {
    class Reduced {
      constructor(public n: number) {}
      [reduce](): unknown {
        return [(n: number) => ({ n: n + 1 }), [this.n]];
      }
    }
    for (const out of await both<unknown[]>([new Reduced(1), new Reduced(2)])) {
      assert.deepEqual(out, [{ n: 2 }, { n: 3 }]);
    }
  });
});

describe("many instances and built-ins given their prototype, across runtimes", () => {
  const root = fileURLToPath(new URL("..", import.meta.url));
  const run = (runtime: "deno" | "bun", script: string, input?: string): string => {
    const args = runtime === "deno"
      ? ["run", "-A", script]
      : ["--preload", `${root}preload.ts`, script];
    const r = spawnSync(`${root}node_modules/.bin/${runtime}`, args, {
      cwd: root,
      input,
      encoding: "utf8",
      timeout: 60_000,
    });
    assert.equal(r.status, 0, `${runtime} ${script} failed:\n${r.stderr}`);
    return r.stdout;
  };
  for (const [from, to] of [["deno", "bun"], ["bun", "deno"]] as const) {
    it(`pickled by ${from} (dumpsSync), loaded by ${to} (loadsSync)`, () => {
      const pickle = run(from, `${root}tests/cross/instances_produce.ts`);
      const out = JSON.parse(run(to, `${root}tests/cross/instances_consume.ts`, pickle));
      assert.deepEqual(out, {
        count: 53,
        oneProto: true,
        totals: [0, 50, 1200.5],
        customers: ["c1", "c49"],
        ownKeys: ["id", "customer", "amount"],
        map: true,
        date: 1_700_000_000_000,
        shared: true,
      });
    });
  }
});
