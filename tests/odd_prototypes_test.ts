// Objects whose prototype and internal slots disagree: `Object.create(Map.prototype)` is an
// ordinary object, `Object.setPrototypeOf([1, 2], proto)` still an array. Each one round-trips
// with its prototype, its own properties and its real kind, promptly, in every form.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { types } from "node:util";
import { dumps, dumpsSync, loads, loadsSync, PicklingError } from "../mod.ts";

const g = globalThis as unknown as Record<string, { prototype: object } | undefined>;

/** Built-in constructors whose prototype an ordinary object may inherit from. */
const BUILTINS = [
  "Object",
  "Array",
  "Number",
  "String",
  "Boolean",
  "BigInt",
  "Symbol",
  "Date",
  "RegExp",
  "Map",
  "Set",
  "Promise",
  "Error",
  "TypeError",
  "AggregateError",
  "ArrayBuffer",
  "SharedArrayBuffer",
  "Uint8Array",
  "Float64Array",
  "BigInt64Array",
  "DataView",
  "URL",
  "URLSearchParams",
  "Blob",
  "File",
].filter((n) => g[n]?.prototype !== undefined);

/** Every internal-slot test a loaded ordinary object must fail. */
function branded(v: object): string | undefined {
  const checks: [string, (v: object) => boolean][] = [
    ["array", Array.isArray],
    ["map", types.isMap],
    ["set", types.isSet],
    ["date", types.isDate],
    ["regexp", types.isRegExp],
    ["error", types.isNativeError],
    ["boxed", types.isBoxedPrimitive],
    ["promise", types.isPromise],
    ["buffer", types.isAnyArrayBuffer],
    ["view", ArrayBuffer.isView],
  ];
  for (const [name, test] of checks) if (test(v)) return name;
  return undefined;
}

/** Dumps then loads `v` with the sync and the async forms; both results. */
async function both(v: unknown): Promise<unknown[]> {
  return [loadsSync(dumpsSync(v)), await loads(await dumps(v))];
}

describe("ordinary objects inheriting from a built-in prototype", () => {
  for (const name of BUILTINS) {
    it(`Object.create(${name}.prototype) keeps its prototype and properties`, async () => {
      const proto = g[name]!.prototype;
      const o = Object.create(proto);
      o.tag = 7;
      Object.defineProperty(o, "hidden", { value: "h", enumerable: false });
      const t0 = performance.now();
      for (const out of await both({ o, again: o })) {
        const { o: v, again } = out as { o: Record<string, unknown>; again: unknown };
        assert.equal(Object.getPrototypeOf(v), proto);
        assert.equal(v.tag, 7);
        assert.equal(v.hidden, "h");
        assert.equal(Object.getOwnPropertyDescriptor(v, "hidden")!.enumerable, false);
        assert.equal(branded(v), undefined);
        assert.equal(again, v, "shared identity");
      }
      assert.ok(performance.now() - t0 < 2000, "promptly");
    });
  }

  it("a chain of several ordinary objects down to Map.prototype", async () => {
    const mid = Object.create(Map.prototype);
    mid.level = "mid";
    const o = Object.create(mid);
    o.level = "top";
    for (const out of await both(o)) {
      const v = out as { level: string };
      assert.equal(v.level, "top");
      const p = Object.getPrototypeOf(v);
      assert.equal(p.level, "mid");
      assert.equal(Object.getPrototypeOf(p), Map.prototype);
      assert.ok(!types.isMap(v));
    }
  });

  it("an instance of a class extending Date that was made with Object.create", async () => {
    class Stamp extends Date {
      label(): string {
        return "stamp";
      }
    }
    const o = Object.create(Stamp.prototype);
    o.n = 1;
    for (const out of await both({ o, Stamp })) {
      const { o: v, Stamp: S } = out as {
        o: { n: number; label(): string };
        Stamp: { prototype: object };
      };
      assert.equal(Object.getPrototypeOf(v), S.prototype);
      assert.equal(v.label(), "stamp");
      assert.equal(v.n, 1);
      assert.ok(!types.isDate(v));
    }
  });
});

describe("ordinary objects inheriting from a function", () => {
  it("Object.create(fn), of a class, of a built-in function: the function is the prototype", async () => {
    function Legacy(this: unknown) {}
    (Legacy as unknown as { tag: string }).tag = "legacy";
    class Statics {
      static twice(x: number): number {
        return x * 2;
      }
    }
    const objects = {
      fn: Object.assign(Object.create(Legacy), { own: 1 }),
      cls: Object.create(Statics),
      max: Object.create(Math.max),
      gen: Object.create(function* () {}),
    };
    for (const out of await both(objects)) {
      const v = out as Record<keyof typeof objects, Record<string, unknown>>;
      for (const o of Object.values(v)) {
        assert.equal(typeof o, "object");
        assert.equal(typeof Object.getPrototypeOf(o), "function");
      }
      assert.equal(v.fn.own, 1);
      assert.equal(v.fn.tag, "legacy");
      assert.equal((v.cls.twice as (x: number) => number)(4), 8);
      assert.equal(Object.getPrototypeOf(v.max), Math.max);
    }
  });
});

describe("Object.create(P.prototype) for every global constructor P", () => {
  it("round-trips with its prototype and properties, or is refused at its path, promptly", async () => {
    const protos: [string, object][] = [
      ["%TypedArray%", Object.getPrototypeOf(Int8Array.prototype)],
      ["%Generator%", Object.getPrototypeOf(function* () {}).prototype],
      ["%IteratorPrototype%", Object.getPrototypeOf(Object.getPrototypeOf([][Symbol.iterator]()))],
    ];
    for (const name of Object.getOwnPropertyNames(globalThis)) {
      let v: unknown;
      try {
        v = (globalThis as Record<string, unknown>)[name];
      } catch {
        continue;
      }
      const p = typeof v === "function" ? (v as { prototype?: unknown }).prototype : undefined;
      if (p !== null && typeof p === "object") protos.push([name, p]);
    }
    let kept = 0;
    for (const [name, proto] of protos) {
      const o = Object.create(proto);
      o.tag = 1;
      const t0 = performance.now();
      for (const dump of [dumpsSync, dumps]) {
        let bytes: Uint8Array;
        try {
          bytes = await dump({ o });
        } catch (e) {
          assert.ok(e instanceof PicklingError, `${name}: ${e}`);
          assert.equal(e.path, "root.o", name);
          continue;
        }
        const v = (loadsSync(bytes) as { o: { tag: number } }).o;
        assert.equal(Object.getPrototypeOf(v), proto, name);
        assert.equal(v.tag, 1, name);
        kept++;
      }
      assert.ok(performance.now() - t0 < 2000, `${name} promptly`);
    }
    assert.ok(kept >= 40, `kept ${kept}`);
  });
});

describe("built-in objects given another prototype", () => {
  const cases: {
    name: string;
    make: () => { value: object; proto: object | null };
    check: (v: object) => void;
  }[] = [
    {
      name: "an array whose prototype is a plain object",
      make: () => {
        const proto = { x: 1 };
        return { value: Object.setPrototypeOf([1, 2], proto), proto };
      },
      check: (v) => {
        assert.ok(Array.isArray(v));
        assert.deepEqual([...Array.prototype.values.call(v)], [1, 2]);
        assert.equal((v as unknown as { x: number }).x, 1);
        assert.equal((v as unknown[]).length, 2);
      },
    },
    {
      name: "a sparse array with a named property whose prototype is a plain object",
      make: () => {
        const a: unknown[] & { name?: string } = [1, , 3];
        a.name = "n";
        const proto = { sum() {} };
        return { value: Object.setPrototypeOf(a, proto), proto };
      },
      check: (v) => {
        const a = v as unknown[] & { name: string };
        assert.ok(Array.isArray(a));
        assert.equal(a.length, 3);
        assert.ok(!(1 in a));
        assert.equal(a[2], 3);
        assert.equal(a.name, "n");
      },
    },
    {
      name: "an array of objects whose prototype is a plain object (filled after reparenting)",
      make: () => {
        const proto = { push: null };
        return { value: Object.setPrototypeOf([{ k: 1 }, [2]], proto), proto };
      },
      check: (v) => {
        const a = v as unknown as [{ k: number }, number[]];
        assert.ok(Array.isArray(a));
        assert.equal(a[0].k, 1);
        assert.equal(a[1][0], 2);
      },
    },
    {
      name: "a Set of objects whose prototype is a plain object",
      make: () => {
        const proto = { add: null };
        return { value: Object.setPrototypeOf(new Set([{ k: 1 }, "s"]), proto), proto };
      },
      check: (v) => {
        assert.ok(types.isSet(v));
        const items = [...Set.prototype.values.call(v as Set<unknown>)];
        assert.deepEqual(items, [{ k: 1 }, "s"]);
      },
    },
    {
      name: "a Map whose prototype is null",
      make: () => ({ value: Object.setPrototypeOf(new Map([[1, "a"]]), null), proto: null }),
      check: (v) => {
        assert.ok(types.isMap(v));
        assert.equal(Map.prototype.get.call(v, 1), "a");
      },
    },
    {
      name: "an array whose prototype is null",
      make: () => ({ value: Object.setPrototypeOf([1, { k: 2 }], null), proto: null }),
      check: (v) => {
        assert.ok(Array.isArray(v));
        assert.equal((v as unknown[]).length, 2);
        assert.deepEqual({ ...(v as unknown[])[1] as object }, { k: 2 });
      },
    },
    {
      name: "a Map whose prototype is a plain object",
      make: () => {
        const proto = { kind: "m" };
        return { value: Object.setPrototypeOf(new Map([[1, "a"]]), proto), proto };
      },
      check: (v) => {
        assert.ok(types.isMap(v));
        assert.equal(Map.prototype.get.call(v, 1), "a");
      },
    },
    {
      name: "a Map whose prototype is Set.prototype",
      make: () => ({
        value: Object.setPrototypeOf(new Map([[1, "a"]]), Set.prototype),
        proto: Set.prototype,
      }),
      check: (v) => {
        assert.ok(types.isMap(v));
        assert.ok(!types.isSet(v));
        assert.equal(Map.prototype.get.call(v, 1), "a");
      },
    },
    {
      name: "a Number object whose prototype is String.prototype",
      make: () => ({
        value: Object.setPrototypeOf(new Number(4), String.prototype),
        proto: String.prototype,
      }),
      check: (v) => {
        assert.ok(types.isNumberObject(v));
        assert.equal(Number.prototype.valueOf.call(v), 4);
      },
    },
    {
      name: "a Date whose prototype is a plain object",
      make: () => {
        const proto = {};
        return { value: Object.setPrototypeOf(new Date(5), proto), proto };
      },
      check: (v) => {
        assert.ok(types.isDate(v));
        assert.equal(Date.prototype.getTime.call(v), 5);
      },
    },
    {
      name: "a Uint8Array whose prototype is Int8Array.prototype",
      make: () => ({
        value: Object.setPrototypeOf(new Uint8Array([200, 1]), Int8Array.prototype),
        proto: Int8Array.prototype,
      }),
      check: (v) => {
        assert.ok(types.isUint8Array(v));
        assert.ok(!types.isInt8Array(v));
        assert.deepEqual([...Uint8Array.prototype.values.call(v as Uint8Array)], [200, 1]);
      },
    },
    {
      name: "a TypeError whose prototype is a plain object",
      make: () => {
        const proto = { custom: true };
        return { value: Object.setPrototypeOf(new TypeError("boom"), proto), proto };
      },
      check: (v) => {
        assert.ok(types.isNativeError(v));
        assert.equal((v as Error).message, "boom");
      },
    },
    {
      name: "a RegExp whose prototype is a plain object",
      make: () => {
        const proto = {};
        return { value: Object.setPrototypeOf(/a+/g, proto), proto };
      },
      check: (v) => {
        assert.ok(types.isRegExp(v));
        assert.equal(RegExp.prototype.exec.call(v as RegExp, "baa")?.[0], "aa");
      },
    },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const { value, proto } = c.make();
      const t0 = performance.now();
      for (const out of await both({ value, proto })) {
        const { value: v, proto: p } = out as { value: object; proto: object };
        assert.equal(Object.getPrototypeOf(v), p);
        c.check(v);
      }
      assert.ok(performance.now() - t0 < 2000, "promptly");
    });
  }
});

describe("a reparented value travels to the other runtime", () => {
  it("an array with a plain prototype and Object.create(Map.prototype) load in a subprocess", async () => {
    const { spawnSync } = await import("node:child_process");
    const { fileURLToPath } = await import("node:url");
    const root = fileURLToPath(new URL("..", import.meta.url));
    const proto = { x: 1 };
    const arr = Object.setPrototypeOf([1, 2], proto);
    const m = Object.create(Map.prototype);
    m.tag = "m";
    const bytes = await dumps({ arr, proto, m });
    const script = `import { loadsSync } from ${JSON.stringify(root + "mod.ts")};
      const chunks = []; for await (const c of process.stdin) chunks.push(c);
      const v = loadsSync(new Uint8Array(Buffer.concat(chunks)));
      console.log(JSON.stringify({
        isArray: Array.isArray(v.arr), proto: Object.getPrototypeOf(v.arr) === v.proto,
        x: v.arr.x, items: [...Array.prototype.values.call(v.arr)],
        mapProto: Object.getPrototypeOf(v.m) === Map.prototype, tag: v.m.tag,
      }));`;
    for (
      const [cmd, args] of [
        [`${root}node_modules/.bin/deno`, ["eval", "--ext=ts", script]],
        [`${root}node_modules/.bin/bun`, ["-e", script]],
      ] as const
    ) {
      const r = spawnSync(cmd, [...args], { cwd: root, input: bytes, timeout: 60_000 });
      assert.equal(r.status, 0, String(r.stderr));
      assert.deepEqual(JSON.parse(String(r.stdout)), {
        isArray: true,
        proto: true,
        x: 1,
        items: [1, 2],
        mapProto: true,
        tag: "m",
      });
    }
  });
});
