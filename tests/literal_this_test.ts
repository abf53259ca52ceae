// Object literals a class stores on its instance, holding arrows over the instance's `this`
// (zod 3's `this["~standard"] = { validate: (d) => this["~validate"](d) }`), and object
// literals whose getter closes over variables and is followed by a spread (zod 4's
// `{ get shape() { … shape … }, ...params }`). Both pickle with their instance, over hops and
// runtimes, and the loaded arrows and getters work on the loaded copies. Classes made by
// `eval` have no scope records on either runtime: what is tested there is the reading
// of the class's source.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { dumps, dumpsSync, loads, loadsSync, PicklingError } from "../mod.ts";
import { evalIn } from "./helpers.ts";

const root = fileURLToPath(new URL("..", import.meta.url));

interface Schema {
  min: number;
  "~standard": { vendor: string; validate(v: number): { ok: boolean; by: number } };
  opts: { nested: { deep: () => number }; run: (x: number) => number };
  check(v: number): boolean;
}

// deno-lint-ignore no-explicit-any
const made = (body: string): any => (0, eval)(`(() => { ${body} })`)();

const SchemaClass = made(`return class Schema {
  opts = { nested: { deep: () => this.min }, run: (x) => x * this.min };
  constructor(min) {
    this.min = min;
    this["~standard"] = {
      vendor: "z",
      validate: (v) => ({ ok: this.check(v), by: this.min }),
    };
  }
  check(v) { return v >= this.min; }
};`);

describe("arrows over this in object literals on an instance", () => {
  it("pickle with the instance that holds the literal, over three hops", async () => {
    let s: Schema = new SchemaClass(3);
    for (let hop = 1; hop <= 3; hop++) {
      s = hop === 2 ? await loads(await dumps(s)) : loadsSync(dumpsSync(s));
      assert.ok(s instanceof SchemaClass, `hop ${hop}`);
      const { validate } = s["~standard"];
      assert.deepEqual(validate(5), { ok: true, by: 3 + hop - 1 });
      assert.deepEqual(validate(1), { ok: false, by: 3 + hop - 1 });
      assert.equal(s.opts.run(2), 2 * s.min);
      assert.equal(s.opts.nested.deep(), s.min, "two literals below the instance");
      s.min++;
      assert.equal(validate(s.min).by, s.min, "the arrow reads the loaded instance itself");
    }
  });

  it("an arrow in a literal nested deeper, or stored on another object, is refused", () => {
    const s: Schema = new SchemaClass(1);
    // Without the instance, the literal's arrow has no `this` to pickle with.
    assert.throws(() => dumpsSync(s.opts.nested), PicklingError);
    assert.throws(() => dumpsSync({ std: s["~standard"] }), PicklingError);
    // A maker's method storing a literal on another object: that object's class says nothing.
    const Maker = made(`return class Maker {
      k = 7;
      give(o) { o.std = { validate: () => this.k }; return o; }
    };`);
    const Plain = made(`return class Plain { constructor() { this.std = null; } };`);
    const target = new Maker().give(new Plain());
    assert.throws(() => dumpsSync(target), (e: unknown) => {
      assert.ok(e instanceof PicklingError);
      assert.match(e.message, /enclosing `this`/);
      return true;
    });
  });

  it("arrows the class pushes onto an array of its instance pickle with that instance", () => {
    const Emitter = made(`return class Emitter {
      handlers = [];
      n = 1;
      constructor() {
        this.handlers.push((x) => x + this.n);
        this.handlers[1] = () => this.n * 10;
      }
    };`);
    const e = new Emitter();
    e.n = 4;
    let back = loadsSync<{ handlers: ((x?: number) => number)[]; n: number }>(dumpsSync(e));
    back = loadsSync(dumpsSync(back));
    back.n = 5;
    assert.equal(back.handlers[0](1), 6, "reads the loaded instance");
    assert.equal(back.handlers[1](), 50);
    // Pushed by another object's method onto this one's array: its `this` is not shown.
    const Maker = made(`return class Maker { k = 7; give(o) { o.list.push(() => this.k); } };`);
    const Holder = made(`return class Holder { list = []; };`);
    const h = new Holder();
    new Maker().give(h);
    assert.throws(() => dumpsSync(h), PicklingError);
  });

  it("a schema-like instance travels Deno → Bun → Deno and validates there", async () => {
    const b64 = Buffer.from(await dumps(new SchemaClass(4))).toString("base64");
    const hop = (input: string) =>
      `const { loads, dumps } = await import(${JSON.stringify(`${root}mod.ts`)});
      const s = await loads(new Uint8Array(Buffer.from(${JSON.stringify(input)}, "base64")));
      s.min++;
      console.log(JSON.stringify(s["~standard"].validate(5)) + " " +
        Buffer.from(await dumps(s)).toString("base64"));`;
    const [r1, b1] = evalIn("deno", hop(b64)).split(" ");
    assert.equal(r1, '{"ok":true,"by":5}');
    const [r2, b2] = evalIn("bun", hop(b1)).split(" ");
    assert.equal(r2, '{"ok":false,"by":6}');
    const s: Schema = await loads(Uint8Array.fromBase64(b2));
    assert.deepEqual(s["~standard"].validate(7), { ok: true, by: 6 });
  });
});

// Module code: instrumented by Bun's preload, read through the inspector on Deno.
const util = { tag: "u" };
function objectDef(shape: Record<string, number>, params: object) {
  return {
    type: "object",
    get shape() {
      return { ...shape, tag: util.tag };
    },
    set extra(v: number) {
      shape.extra = v;
    },
    ...params,
  };
}

describe("object literal accessors followed by a spread", () => {
  it("getters and setters over captured variables keep them, over three hops", async () => {
    // deno-lint-ignore no-explicit-any
    let def: any = objectDef({ a: 1 }, { checks: 2 });
    for (let hop = 1; hop <= 3; hop++) {
      def = hop === 2 ? await loads(await dumps(def)) : loadsSync(dumpsSync(def));
      assert.equal(def.checks, 2);
      def.extra = hop;
      assert.deepEqual(def.shape, { a: 1, extra: hop, tag: "u" }, `hop ${hop}`);
    }
  });

  it("a spread that replaces the getter leaves a data property", () => {
    const def = objectDef({ a: 1 }, { shape: "mine" });
    const back = loadsSync<typeof def>(dumpsSync(def));
    assert.equal(back.shape, "mine");
  });
});
