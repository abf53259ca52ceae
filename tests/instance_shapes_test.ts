// Class instances as instance shapes (INSTANCE_NEW_SHAPE, INSTANCE_SHAPED): an instance whose
// own properties are all default data properties is written as its prototype and keys (once
// per pickle) and its values, and loaded by defining its properties, exactly as the property
// list (OBJECT_WITH_PROTO) defines them: no setter of the prototype chain runs, no read-only
// property of the chain is in the way, no constructor runs. Any other instance keeps the exact
// path. Checked here, in fresh processes of both runtimes, and against hostile bytes.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { dumps, dumpsSync, loads, loadsSync, UnpicklingError } from "../mod.ts";
import { disassemble } from "../dis.ts";
import * as T from "../lib/format/tags.ts";
import { expectUnpicklingError, withHeader } from "./helpers.ts";
import { Model } from "./modules/shapes.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const consume = `${root}tests/cross/run_consume.ts`;
const RUNTIMES = {
  deno: [`${root}node_modules/.bin/deno`, ["run", "-A", consume]],
  bun: [`${root}node_modules/.bin/bun`, [consume]],
} as const;

/** Pickles `run` and calls it in a fresh process of each runtime: their JSON results. */
async function runElsewhere(run: () => unknown): Promise<Record<string, unknown>> {
  const bytes = await dumps(run);
  const out: Record<string, unknown> = {};
  for (const [name, [cmd, args]] of Object.entries(RUNTIMES)) {
    const r = spawnSync(cmd, [...args], { cwd: root, input: bytes, timeout: 120_000 });
    assert.equal(r.status, 0, `${name}: ${r.stderr}`);
    out[name] = JSON.parse(String(r.stdout));
  }
  return out;
}

/** Own keys with their descriptors (functions by their type: loaded ones are copies). */
function describeOwn(o: object): unknown[] {
  return Reflect.ownKeys(o).map((k) => {
    const d = Object.getOwnPropertyDescriptor(o, k)!;
    return [k, { ...d, get: typeof d.get, set: typeof d.set }];
  });
}

/** How many times each tag name occurs in a pickle. */
function tagCounts(bytes: Uint8Array): Record<string, number> {
  const d = disassemble(bytes);
  assert.equal(d.error, null);
  const counts: Record<string, number> = {};
  for (const l of d.lines) counts[l.name] = (counts[l.name] ?? 0) + 1;
  return counts;
}

const DATA = { writable: true, enumerable: true, configurable: true };
/** Gives `o` an own default data property (so that it shadows the prototype's `key`). */
function own<T extends object>(o: T, key: string, value: unknown): T {
  return Object.defineProperty(o, key, { value, ...DATA });
}

// A setter on the prototype with the name of an own property of its instances.
const setterCalls: unknown[] = [];
class Guarded {
  get guardedX(): unknown {
    return "from the getter";
  }
  set guardedX(v: unknown) {
    setterCalls.push(v);
  }
  twice(): number {
    return (Object.getOwnPropertyDescriptor(this, "guardedX")!.value as number) * 2;
  }
}

// A read-only property of the prototype with the name of an own property of its instances.
class Rated {
  declare readonly rate: number;
  label = "r";
  scaled(n: number): number {
    return n * this.rate;
  }
}
Object.defineProperty(Rated.prototype, "rate", { value: 0, writable: false });

// A class whose constructor has side effects and throws without its arguments.
let constructed = 0;
class Noisy {
  a: number;
  b: string;
  constructor(a: number, b: string) {
    if (a === undefined) throw new Error("Noisy needs its arguments");
    constructed++;
    this.a = a;
    this.b = b;
  }
  sum(): string {
    return this.b + this.a;
  }
}

class Node {
  next: Node | null = null;
  peer: Node | null = null;
  shared: { hits: number };
  constructor(public id: number, shared: { hits: number }) {
    this.shared = shared;
  }
  label(): string {
    return `n${this.id}`;
  }
}

/** 10k nodes: forward and backward references, self cycles on some, one shared object. */
function nodes(count: number): { list: Node[]; all: unknown[] } {
  const shared = { hits: 0 };
  const list: Node[] = [];
  for (let i = 0; i < count; i++) list.push(new Node(i, shared));
  for (let i = 0; i < count; i++) {
    list[i].next = list[(i + 1) % count];
    list[i].peer = list[(i * 7919) % count];
    if (i % 1000 === 0) (list[i] as Node & { self?: Node }).self = list[i];
  }
  // The same instances again, later in the pickle.
  return { list, all: [list, list[0], list[count >> 1], shared] };
}

function checkNodes(out: unknown, count: number, keys: string[]): void {
  const [list, first, middle, shared] = out as [Node[], Node, Node, { hits: number }];
  assert.equal(list.length, count);
  const proto = Object.getPrototypeOf(list[0]);
  assert.equal(typeof proto.label, "function");
  for (let i = 0; i < count; i++) {
    const n = list[i];
    assert.equal(Object.getPrototypeOf(n), proto);
    assert.equal(n.id, i);
    assert.equal(n.next, list[(i + 1) % count]);
    assert.equal(n.peer, list[(i * 7919) % count]);
    assert.equal(n.shared, shared);
    if (i % 1000 === 0) assert.equal((n as Node & { self?: Node }).self, n);
    else assert.ok(!("self" in n));
  }
  assert.equal(first, list[0]);
  assert.equal(middle, list[count >> 1]);
  assert.equal(list[count - 1].label(), `n${count - 1}`);
  assert.deepEqual(Object.keys(list[0]), keys);
}

describe("instance shapes: what is written", () => {
  it("instances of one class with one set of keys: one shape, then ids and values", () => {
    const items = Array.from({ length: 50 }, (_, i) => new Noisy(i, "b"));
    const counts = tagCounts(dumpsSync(items));
    assert.equal(counts.INSTANCE_NEW_SHAPE, 1);
    assert.equal(counts.INSTANCE_SHAPED, 49);
    assert.equal(counts.OBJECT_WITH_PROTO, undefined);
  });

  it("is smaller than the property lists it replaces", () => {
    const items = Array.from({ length: 1000 }, (_, i) => new Noisy(i, `v${i}`));
    const shaped = dumpsSync(items).length;
    // The same instances, each with one non-default property: the property list.
    for (const o of items) Object.defineProperty(o, "hidden", { value: 0 });
    const listed = dumpsSync(items).length;
    assert.ok(shaped * 2 < listed, `${shaped} vs ${listed}`);
  });

  it("instances that are not only default data properties keep the exact path", async () => {
    const variants: Record<string, () => object> = {
      "a non-enumerable property": () =>
        Object.defineProperty(new Noisy(1, "x"), "h", { value: 1, writable: true }),
      "a read-only property": () =>
        Object.defineProperty(new Noisy(1, "x"), "a", { value: 5, writable: false }),
      "a non-configurable property": () =>
        Object.defineProperty(new Noisy(1, "x"), "a", { configurable: false }),
      "an accessor": () =>
        Object.defineProperty(new Noisy(1, "x"), "g", {
          get: () => 1,
          enumerable: true,
          configurable: true,
        }),
      "a symbol key": () => Object.assign(new Noisy(1, "x"), { [Symbol.for("k")]: 1 }),
      "frozen": () => Object.freeze(new Noisy(1, "x")),
      "sealed": () => Object.seal(new Noisy(1, "x")),
      "non-extensible": () => Object.preventExtensions(new Noisy(1, "x")),
    };
    for (const [name, make] of Object.entries(variants)) {
      const v = make();
      const bytes = dumpsSync(v);
      assert.equal(tagCounts(bytes).INSTANCE_NEW_SHAPE, undefined, name);
      for (const out of [loadsSync<object>(bytes), await loads<object>(bytes)]) {
        assert.equal(Object.getPrototypeOf(out), Noisy.prototype, name);
        assert.deepEqual(describeOwn(out), describeOwn(v), name);
        assert.equal(Object.isExtensible(out), Object.isExtensible(v), name);
        assert.equal(Object.isSealed(out), Object.isSealed(v), name);
        assert.equal(Object.isFrozen(out), Object.isFrozen(v), name);
      }
    }
  });
});

describe("instance shapes: loading defines, as the property list does", () => {
  it("a setter on the prototype with a field's name is not called (here, as on the exact path)", async () => {
    setterCalls.length = 0;
    const shaped = Array.from({ length: 5 }, (_, i) => own(new Guarded(), "guardedX", i + 1));
    // The exact path: the same instances with one more, non-enumerable, property.
    const listed = Array.from(
      { length: 5 },
      (_, i) => Object.defineProperty(own(new Guarded(), "guardedX", i + 1), "h", { value: 0 }),
    );
    assert.equal(tagCounts(dumpsSync(shaped)).INSTANCE_SHAPED, 4);
    assert.equal(tagCounts(dumpsSync(listed)).OBJECT_WITH_PROTO, 5);
    for (const v of [shaped, listed]) {
      // Twice: the shape's definer is generated from its second use on.
      for (let round = 0; round < 2; round++) {
        for (
          const out of [loadsSync<Guarded[]>(dumpsSync(v)), await loads<Guarded[]>(await dumps(v))]
        ) {
          out.forEach((o, i) => {
            assert.ok(o instanceof Guarded);
            assert.deepEqual(Object.getOwnPropertyDescriptor(o, "guardedX"), {
              value: i + 1,
              ...DATA,
            });
            assert.equal(o.twice(), 2 * (i + 1));
          });
        }
      }
    }
    assert.deepEqual(setterCalls, []);
  });

  it("a setter on the prototype is not called in fresh processes of both runtimes", async () => {
    const calls = setterCalls;
    calls.length = 0;
    const items = Array.from({ length: 5 }, (_, i) => own(new Guarded(), "guardedX", i + 1));
    const results = await runElsewhere(() => {
      const before = calls.length;
      // The class was loaded by value: its setter is there, and runs when assigned to.
      const probe = Object.create(Object.getPrototypeOf(items[0]));
      probe.guardedX = 9;
      return {
        calls: before,
        values: items.map((o) => Object.getOwnPropertyDescriptor(o, "guardedX")),
        twice: items.map((o) => o.twice()),
        setterThere: calls.length === 1 && !Object.hasOwn(probe, "guardedX"),
      };
    });
    for (const [name, r] of Object.entries(results)) {
      assert.deepEqual(r, {
        calls: 0,
        values: [1, 2, 3, 4, 5].map((value) => ({ value, ...DATA })),
        twice: [2, 4, 6, 8, 10],
        setterThere: true,
      }, name);
    }
  });

  it("a read-only property of the prototype does not stop an own property of that name", async () => {
    const items = Array.from({ length: 6 }, (_, i) => own(new Rated(), "rate", i / 2));
    const bytes = dumpsSync(items);
    assert.equal(tagCounts(bytes).INSTANCE_SHAPED, 5);
    for (let round = 0; round < 2; round++) {
      for (const out of [loadsSync<Rated[]>(bytes), await loads<Rated[]>(bytes)]) {
        out.forEach((o, i) => {
          assert.ok(o instanceof Rated);
          assert.equal(o.rate, i / 2);
          assert.equal(o.scaled(4), 2 * i);
          assert.deepEqual(Object.keys(o), ["label", "rate"]);
        });
      }
    }
    const results = await runElsewhere(() => {
      const proto = Object.getPrototypeOf(items[0]);
      return {
        rates: items.map((o) => o.rate),
        scaled: items.map((o) => o.scaled(2)),
        protoRate: Object.getOwnPropertyDescriptor(proto, "rate"),
      };
    });
    for (const [name, r] of Object.entries(results)) {
      assert.deepEqual(r, {
        rates: [0, 0.5, 1, 1.5, 2, 2.5],
        scaled: [0, 1, 2, 3, 4, 5],
        protoRate: { value: 0, writable: false, enumerable: false, configurable: false },
      }, name);
    }
  });

  it("a frozen prototype: own properties that shadow its methods load", () => {
    class Sealed {
      total(): number {
        return 1;
      }
    }
    Object.freeze(Sealed.prototype);
    const items = Array.from({ length: 3 }, (_, i) => own(own(new Sealed(), "total", i), "n", i));
    for (let round = 0; round < 2; round++) {
      const out = loadsSync<Sealed[]>(dumpsSync(items));
      out.forEach((o, i) => {
        assert.equal(Object.getPrototypeOf(o), Sealed.prototype);
        assert.equal(o.total, i);
        assert.equal(Sealed.prototype.total.call(o), 1);
      });
    }
  });

  it("no constructor runs: here and in fresh processes of both runtimes", async () => {
    const items = Array.from({ length: 100 }, (_, i) => new Noisy(i, "n"));
    const before = constructed;
    for (let round = 0; round < 2; round++) {
      const out = loadsSync<Noisy[]>(dumpsSync(items));
      assert.equal(out[7].sum(), "n7");
      assert.ok(out[99] instanceof Noisy);
    }
    assert.equal(constructed, before);
    const results = await runElsewhere(() => {
      const count = constructed;
      return { count, sums: items.slice(0, 3).map((o) => o.sum()) };
    });
    for (const [name, r] of Object.entries(results)) {
      assert.deepEqual(r, { count: before, sums: ["n0", "n1", "n2"] }, name);
    }
  });

  it("keys that are not identifiers, __proto__ and constructor are defined as they are", () => {
    const keys = [
      '"];globalThis.instanceShapesPwned=1;//',
      "constructor",
      "__proto__",
      "\u2028",
      "a\\b`${x}`",
      "0",
      "10",
    ];
    const make = (i: number) => {
      const o = new Noisy(i, "k");
      for (const k of keys) own(o, k, `${k}:${i}`);
      return o;
    };
    const items = [make(1), make(2), make(3)];
    for (let round = 0; round < 3; round++) {
      const out = loadsSync<Noisy[]>(dumpsSync(items));
      out.forEach((o, i) => {
        assert.equal(Object.getPrototypeOf(o), Noisy.prototype);
        assert.deepEqual(Reflect.ownKeys(o), Reflect.ownKeys(items[i]));
        for (const k of keys) {
          assert.deepEqual(Object.getOwnPropertyDescriptor(o, k), {
            value: `${k}:${i + 1}`,
            ...DATA,
          });
        }
        assert.equal(o.sum(), `k${i + 1}`);
      });
    }
    assert.equal((globalThis as { instanceShapesPwned?: number }).instanceShapesPwned, undefined);
  });
});

describe("instance shapes: identity, subclasses, classes by reference", () => {
  it("10k instances round trip with shared references, cycles and repeats", async () => {
    const { list, all } = nodes(10_000);
    const keys = Object.keys(list[0]);
    const bytes = dumpsSync(all);
    const counts = tagCounts(bytes);
    // Two shapes: with and without `self`.
    assert.equal(counts.INSTANCE_NEW_SHAPE, 2);
    assert.equal(counts.INSTANCE_SHAPED, 9998);
    checkNodes(loadsSync(bytes), 10_000, keys);
    checkNodes(await loads(await dumps(all)), 10_000, keys);
  });

  it("10k instances with their identities load in fresh processes of both runtimes", async () => {
    const { list } = nodes(10_000);
    const results = await runElsewhere(() => {
      const proto = Object.getPrototypeOf(list[0]);
      let ok = 0;
      for (let i = 0; i < list.length; i++) {
        const n = list[i];
        if (
          Object.getPrototypeOf(n) === proto && n.id === i && n.next === list[(i + 1) % 10_000] &&
          n.peer === list[(i * 7919) % 10_000] && n.shared === list[0].shared
        ) ok++;
      }
      return {
        ok,
        label: list[42].label(),
        self: (list[3000] as Node & { self?: Node }).self === list[3000],
      };
    });
    for (const [name, r] of Object.entries(results)) {
      assert.deepEqual(r, { ok: 10_000, label: "n42", self: true }, name);
    }
  });

  it("subclass chains: each class its shapes, methods of every level", async () => {
    class Base {
      constructor(public a: number) {}
      one(): number {
        return this.a;
      }
    }
    class Derived extends Base {
      constructor(a: number, public b: number) {
        super(a);
      }
      two(): number {
        return this.one() + this.b;
      }
    }
    class Bag extends Map<string, number> {
      tag = "bag";
      total(): number {
        let t = 0;
        for (const v of this.values()) t += v;
        return t;
      }
    }
    const made = Object.assign(Object.create(Derived.prototype), { a: 5, b: 6 });
    const v = [
      new Base(1),
      new Derived(2, 3),
      new Base(4),
      made,
      new Bag([["x", 7]]),
      new Derived(8, 9),
    ];
    const bytes = dumpsSync(v);
    const counts = tagCounts(bytes);
    assert.equal(counts.INSTANCE_NEW_SHAPE, 2);
    assert.equal(counts.INSTANCE_SHAPED, 3);
    assert.equal(counts.SET_PROTO, 1);
    for (const out of [loadsSync<unknown[]>(bytes), await loads<unknown[]>(await dumps(v))]) {
      const [b1, d1, b2, m, bag, d2] = out as [Base, Derived, Base, Derived, Bag, Derived];
      assert.equal(Object.getPrototypeOf(b1), Base.prototype);
      assert.equal(Object.getPrototypeOf(b2), Base.prototype);
      for (const d of [d1, m, d2]) assert.equal(Object.getPrototypeOf(d), Derived.prototype);
      assert.equal(d1.two(), 5);
      assert.equal(m.two(), 11);
      assert.equal(d2.two(), 17);
      assert.ok(bag instanceof Bag && bag instanceof Map);
      assert.equal(bag.total(), 7);
      assert.equal(bag.tag, "bag");
    }
    const results = await runElsewhere(() => {
      const [b1, d1, , m, bag, d2] = v as [Base, Derived, Base, Derived, Bag, Derived];
      return {
        chain: Object.getPrototypeOf(Object.getPrototypeOf(d1)) === Object.getPrototypeOf(b1),
        sameProto: Object.getPrototypeOf(m) === Object.getPrototypeOf(d2),
        two: [d1.two(), m.two(), d2.two()],
        bag: [bag instanceof Map, bag.total(), bag.tag],
      };
    });
    for (const [name, r] of Object.entries(results)) {
      assert.deepEqual(
        r,
        { chain: true, sameProto: true, two: [5, 11, 17], bag: [true, 7, "bag"] },
        name,
      );
    }
  });

  it("two classes with the same keys: two shapes, each its prototype", () => {
    class P1 {
      constructor(public x: number) {}
      who(): string {
        return "p1";
      }
    }
    class P2 {
      constructor(public x: number) {}
      who(): string {
        return "p2";
      }
    }
    const v = [new P1(1), new P2(2), new P1(3), new P2(4)];
    const bytes = dumpsSync(v);
    assert.equal(tagCounts(bytes).INSTANCE_NEW_SHAPE, 2);
    const out = loadsSync<(P1 | P2)[]>(bytes);
    assert.deepEqual(out.map((o) => o.who() + o.x), ["p11", "p22", "p13", "p24"]);
  });

  it("instances of a class by reference; data-only loads admit them without generating code", async () => {
    const v = [new Model(2), new Model(3), new Model(4)];
    const bytes = dumpsSync(v);
    assert.equal(tagCounts(bytes).INSTANCE_SHAPED, 2);
    const opts = { allowCode: false, allow: { modules: ["./tests/modules/shapes.ts"] } };
    for (
      const out of [
        loadsSync<Model[]>(bytes),
        loadsSync<Model[]>(bytes, opts),
        await loads<Model[]>(bytes, opts),
      ]
    ) {
      assert.ok(out.every((m) => m instanceof Model));
      assert.deepEqual(out.map((m) => m.doubled()), [4, 6, 8]);
    }
  });

  it("data-only loads refuse an instance shape whose prototype the pickle builds", () => {
    const v = [Object.create({ p: 1 }), Object.create({ p: 1 })];
    const bytes = dumpsSync(v);
    assert.equal(tagCounts(bytes).INSTANCE_NEW_SHAPE, 2);
    const e = expectUnpicklingError(() => loadsSync(bytes, { allowCode: false }), bytes);
    assert.match(e.message, /prototype that is not a built-in one/);
    const out = loadsSync<{ p: number }[]>(bytes);
    assert.equal(out[1].p, 1);
  });
});

describe("instance shapes: hostile bytes", () => {
  const I = T.INSTANCE_NEW_SHAPE;
  const S = T.INSTANCE_SHAPED;
  const EMPTY_PROTO = [T.OBJECT_NEW_SHAPE, 0x00];
  const A = [0x41, 0x61]; // "a"
  const B = [0x41, 0x62]; // "b"
  /** A pickle of `body`, the offset of body byte `i`. */
  const pickle = (body: number[]) => withHeader(Uint8Array.from(body), T.FORMAT_VERSION, 0);
  const at = (body: number[], i: number) => pickle(body).length - body.length + i;

  it("a well-formed instance shape loads", () => {
    const out = loadsSync<{ a: number }>(pickle([I, 1, ...A, ...EMPTY_PROTO, 5]));
    assert.equal(out.a, 5);
    assert.deepEqual(Object.getPrototypeOf(Object.getPrototypeOf(out)), Object.prototype);
  });

  const cases: Record<string, [number[], number, RegExp]> = {
    "fewer values than keys": [[I, 2, ...A, ...B, ...EMPTY_PROTO, 5], 9, /truncated/],
    "an instance of a known shape without its values": [
      [T.ARRAY, 2, I, 1, ...A, ...EMPTY_PROTO, 5, S, 0],
      11,
      /truncated/,
    ],
    "more values than keys": [[I, 1, ...A, ...EMPTY_PROTO, 5, 6], 7, /unexpected bytes/],
    "an unknown instance shape": [
      [T.ARRAY, 2, I, 1, ...A, ...EMPTY_PROTO, 5, S, 7],
      9,
      /unknown instance shape 7/,
    ],
    "an instance shape before any is defined": [[S, 0], 0, /unknown instance shape 0/],
    "a repeated key": [[I, 2, ...A, ...A, ...EMPTY_PROTO, 1, 2], 0, /repeats a key/],
    "a prototype that is a number": [[I, 1, ...A, 5, 1], 0, /prototype is not an object/],
    "a null prototype": [[I, 0, T.NULL], 0, /prototype is not an object/],
    "a prototype that is the instance itself": [[I, 0, T.REF, 0], 2, /still being built/],
    "a key that is not a string": [[I, 1, 5, ...EMPTY_PROTO, 1], 2, /string/],
    "a key count past the end": [[I, 0xff, 0xff, 0x03, ...A], 1, /past its end|truncated/],
  };
  for (const [name, [body, offset, message]] of Object.entries(cases)) {
    it(`${name}: an UnpicklingError at its byte`, async () => {
      const bytes = pickle(body);
      const e = expectUnpicklingError(() => loadsSync(bytes), bytes);
      assert.ok(e instanceof UnpicklingError);
      assert.match(e.message, message);
      assert.equal(e.offset, at(body, offset), e.message);
      await assert.rejects(
        loads(bytes),
        (err) => err instanceof UnpicklingError && err.offset === e.offset,
      );
      // The disassembler stops there too (it does not look for repeated keys or objects
      // still being built).
      if (!/repeated key|instance itself/.test(name)) {
        assert.notEqual(disassemble(bytes).error, null, name);
      }
    });
  }
});

describe("instance shapes in a long-lived Worker (classes by value, updated)", () => {
  /** A Worker that keeps what it is sent and loads it with loadsSync (workers/instance_keeper.ts). */
  async function keeper() {
    const worker = new Worker(new URL("./workers/instance_keeper.ts", import.meta.url).href, {
      type: "module",
    });
    await new Promise((resolve) => {
      worker.onmessage = resolve;
      worker.postMessage(null);
    });
    return {
      /** Sends `bytes`, and a check run over what this session sent so far; its result. */
      async send(session: string, bytes: Uint8Array, check: (held: unknown[]) => unknown) {
        const msg = { session, bytes, check: await dumps(check) };
        const reply = await new Promise<{ result?: unknown; error?: string }>((resolve) => {
          worker.onmessage = (e) => resolve(e.data);
          worker.postMessage(msg);
        });
        assert.equal(reply.error, undefined, reply.error);
        return reply.result;
      },
      close: () => worker.terminate(),
    };
  }

  interface PointLike {
    x: number;
    y: number;
    z?: number;
    sum(): number;
    scaled?(k: number): number;
  }
  /** A class by value (not exported), as a notebook cell defines and later edits it. */
  function makePoint() {
    return class Point {
      constructor(public x: number, public y: number) {}
      sum(): number {
        return this.x + this.y;
      }
    };
  }
  /** The edited cell: another body, the same keys. */
  function makeEditedPoint() {
    return class Point {
      constructor(public x: number, public y: number) {}
      sum(): number {
        return this.x * this.y;
      }
    };
  }

  it("a class updated between pickles: new members, a setter and a read-only property on its prototype, new keys, an edited body", async () => {
    const w = await keeper();
    try {
      const Point = makePoint();
      const first = Array.from({ length: 300 }, (_, i) => new Point(i, 2 * i));
      const b1 = dumpsSync(first);
      assert.equal(tagCounts(b1).INSTANCE_NEW_SHAPE, 1);
      assert.equal(tagCounts(b1).INSTANCE_SHAPED, 299);
      const r1 = await w.send("points", b1, (held) => {
        const [list] = held as PointLike[][];
        const proto = Object.getPrototypeOf(list[0]);
        return {
          sums: list.reduce((n, p) => n + p.sum(), 0),
          oneProto: list.every((p) => Object.getPrototypeOf(p) === proto),
          keys: Object.keys(list[7]),
          name: proto.constructor.name,
        };
      });
      assert.deepEqual(r1, {
        sums: 3 * 299 * 300 / 2,
        oneProto: true,
        keys: ["x", "y"],
        name: "Point",
      });

      // The producer's class changes: a method, a setter named like a field (it would throw if
      // called), a read-only property named like the other field.
      const P = Point.prototype as unknown as Record<string, unknown>;
      P.scaled = function (this: PointLike, k: number) {
        return (this.x + this.y) * k;
      };
      Object.defineProperty(P, "x", {
        set(_v: unknown) {
          throw new Error("the prototype's setter of x ran");
        },
        configurable: true,
      });
      Object.defineProperty(P, "y", { value: -1, writable: false, configurable: true });
      const second = [0, 1, 2].map((i) => {
        const p = Object.create(Point.prototype) as PointLike;
        own(p, "x", 100 + i);
        own(p, "y", 200 + i);
        return p;
      });
      const wider = own(own(own(Object.create(Point.prototype), "x", 1), "y", 2), "z", 3);
      const b2 = dumpsSync([second, wider]);
      assert.equal(tagCounts(b2).INSTANCE_NEW_SHAPE, 2);
      const r2 = await w.send("points", b2, (held) => {
        const [list, [news, z]] = held as [PointLike[], [PointLike[], PointLike]];
        const proto = Object.getPrototypeOf(list[0]);
        const desc = (o: object, k: string) => {
          const d = Object.getOwnPropertyDescriptor(o, k);
          return d === undefined ? null : [d.value, d.writable, d.enumerable, d.configurable];
        };
        const px = Object.getOwnPropertyDescriptor(proto, "x");
        return {
          sameClass: news.every((p) => Object.getPrototypeOf(p) === proto) &&
            Object.getPrototypeOf(z) === proto,
          protoX: typeof px?.set,
          protoY: desc(proto, "y"),
          own: news.map((p) => [desc(p, "x"), desc(p, "y")]),
          oldScaled: list[3].scaled!(10),
          newScaled: news.map((p) => p.scaled!(2)),
          wide: [Object.keys(z), z.sum(), z.z],
        };
      });
      assert.deepEqual(r2, {
        sameClass: true,
        protoX: "function",
        protoY: [-1, false, false, true],
        own: [0, 1, 2].map((i) => [[100 + i, true, true, true], [200 + i, true, true, true]]),
        oldScaled: 90,
        newScaled: [600, 604, 608],
        wide: [["x", "y", "z"], 3, 3],
      });

      // An edited body is another class: the same keys take its prototype, not the first's.
      const Edited = makeEditedPoint();
      const b3 = dumpsSync([new Edited(3, 4), new Edited(5, 6)]);
      const r3 = await w.send("points", b3, (held) => {
        const list = held[0] as PointLike[];
        const edited = held[2] as PointLike[];
        return {
          distinct: Object.getPrototypeOf(edited[0]) !== Object.getPrototypeOf(list[0]),
          shared: Object.getPrototypeOf(edited[0]) === Object.getPrototypeOf(edited[1]),
          sums: edited.map((p) => p.sum()),
          oldSum: list[3].sum(),
          hasScaled: "scaled" in edited[0],
        };
      });
      assert.deepEqual(r3, {
        distinct: true,
        shared: true,
        sums: [12, 30],
        oldSum: 9,
        hasScaled: false,
      });
    } finally {
      w.close();
    }
  });
});
