// Hand-made pickles that try to change what the loading process already has — a built-in, a
// module's export, the prototype of one — through data tags alone (a property list, a new
// prototype, a reducer's state), that hang a load on a thenable, or that nest values inside
// one another past the call stack. Each must fail with an UnpicklingError naming its offset,
// and leave the process as it was; data-only loads with an allow-list above all.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { FORMAT_VERSION, loads, loadsSync, UnpicklingError } from "../mod.ts";

const str = (t: string) => [0x40 + t.length, ...Array.from(t, (c) => c.charCodeAt(0))];
/** A pickle of `body` (under 128 bytes) with header flags `flags`. */
const pickle = (body: number[], flags = 1) =>
  new Uint8Array([0x4a, 0x53, 0x50, 0x4b, FORMAT_VERSION, flags, body.length, ...body]);

// Tags (lib/format/tags.ts).
const WITH_PROPS = 0x78;
const GLOBAL = 0x88;
const SET_PROTO = 0x8e;
const PROTOTYPE_OF = 0x8d;
const EXPORT = 0x91;
const NULL = 0x61;
const REDUCE = 0x89;
const PROMISE = 0x87;
const OBJECT_NEW_SHAPE = 0x72;
const ARRAY = 0x76;
const TRUE = 0x63;

/** Asserts that `load` fails with an UnpicklingError whose message says `why`. */
async function refused(load: () => unknown, why: RegExp): Promise<UnpicklingError> {
  let error: unknown;
  try {
    await load();
  } catch (e) {
    error = e;
  }
  assert.ok(error instanceof UnpicklingError, `not refused: ${String(error)}`);
  assert.match(error.message, why);
  assert.equal(typeof error.offset, "number");
  return error;
}

const CHANGE = /would change a value the loading process already has/;

describe("pickles that change values taken by reference", () => {
  it("a property list on an admitted global is refused, the global unchanged", async () => {
    const bytes = pickle([WITH_PROPS, GLOBAL, ...str("Math.max"), 1, ...str("pwned"), 7, 1, 0]);
    await refused(() => loadsSync(bytes, { allow: { globals: ["Math.max"] } }), CHANGE);
    await refused(
      () => loads(bytes, { allowCode: false, allow: { globals: ["Math.max"] } }),
      CHANGE,
    );
    assert.equal(Object.hasOwn(Math.max, "pwned"), false);
    // Freezing it and renaming it alike.
    const freeze = pickle([
      WITH_PROPS,
      GLOBAL,
      ...str("Math.min"),
      1,
      ...str("name"),
      4,
      ...str(
        "evil",
      ),
      3,
    ]);
    await refused(() => loads(freeze, { allow: { globals: ["Math.min"] } }), CHANGE);
    assert.equal(Math.min.name, "min");
    assert.equal(Object.isFrozen(Math.min), false);
  });

  it("with code allowed too: Object.prototype is not polluted by a property list", async () => {
    const bytes = pickle([
      WITH_PROPS,
      PROTOTYPE_OF,
      GLOBAL,
      ...str("Object"),
      1,
      ...str("isAdmin"),
      7,
      TRUE,
      0,
    ]);
    await refused(() => loadsSync(bytes), CHANGE);
    assert.equal(({} as { isAdmin?: boolean }).isAdmin, undefined);
    const direct = pickle([
      WITH_PROPS,
      GLOBAL,
      ...str("Object.prototype"),
      1,
      ...str("x"),
      7,
      1,
      0,
    ]);
    await refused(() => loadsSync(direct), CHANGE);
    assert.equal(Object.hasOwn(Object.prototype, "x"), false);
  });

  it("the prototype of an admitted class keeps its members", async () => {
    const bytes = pickle([
      WITH_PROPS,
      PROTOTYPE_OF,
      GLOBAL,
      ...str("URL"),
      1,
      ...str("href"),
      7,
      ...str("http://evil/"),
      0,
    ]);
    await refused(() => loads(bytes, { allowCode: false, allow: { globals: ["URL"] } }), CHANGE);
    assert.equal(new URL("https://example.com/").href, "https://example.com/");
  });

  it("a new prototype for an admitted global or prototype is refused", async () => {
    const math = pickle([SET_PROTO, NULL, GLOBAL, ...str("Math")]);
    await refused(() => loadsSync(math, { allow: { globals: ["Math"] } }), CHANGE);
    assert.equal(Object.getPrototypeOf(Math), Object.prototype);
    const map = pickle([SET_PROTO, NULL, PROTOTYPE_OF, GLOBAL, ...str("Map")]);
    await refused(() => loadsSync(map, { allow: { globals: ["Map"] } }), CHANGE);
    await refused(() => loadsSync(map), CHANGE);
    assert.equal(Object.getPrototypeOf(Map.prototype), Object.prototype);
  });

  it("a module's export admitted by name keeps its properties", async () => {
    // Module table (one module, node:path), then WITH_PROPS of EXPORT 0 ["join"], frozen.
    const bytes = pickle([
      0x01,
      ...str("node:path"),
      WITH_PROPS,
      EXPORT,
      0x00,
      0x01,
      ...str("join"),
      1,
      ...str("pwned"),
      7,
      1,
      3,
    ], 9);
    const path = await import("node:path");
    await refused(() => loads(bytes, { allow: { modules: ["node:path"] } }), CHANGE);
    assert.equal(Object.hasOwn(path.join, "pwned"), false);
    assert.equal(Object.isFrozen(path.join), false);
  });

  it("a reducer's state does not go onto a value the process had", async () => {
    // REDUCE call Object(Math) with state { pwned: 1 }: Object returns Math itself.
    const bytes = pickle([
      REDUCE,
      0,
      GLOBAL,
      ...str("Object"),
      ARRAY,
      1,
      GLOBAL,
      ...str("Math"),
      OBJECT_NEW_SHAPE,
      1,
      ...str("pwned"),
      1,
    ]);
    await refused(
      () => loadsSync(bytes, { allowCode: false, allow: { globals: ["Object", "Math"] } }),
      CHANGE,
    );
    assert.equal(Object.hasOwn(Math, "pwned"), false);
  });

  it("a reducer's state with a __proto__ key gives an own property, not a prototype", async () => {
    // REDUCE construct URL("http://a/") with state { "__proto__": { isAdmin: true } }.
    const bytes = pickle([
      REDUCE,
      1,
      GLOBAL,
      ...str("URL"),
      ARRAY,
      1,
      ...str("http://a/"),
      OBJECT_NEW_SHAPE,
      1,
      ...str("__proto__"),
      OBJECT_NEW_SHAPE,
      1,
      ...str("isAdmin"),
      TRUE,
    ]);
    for (
      const url of [
        loadsSync<URL>(bytes, { allowCode: false, allow: { globals: ["URL"] } }),
        await loads<URL>(bytes, { allowCode: false, allow: { globals: ["URL"] } }),
        loadsSync<URL>(bytes),
      ]
    ) {
      assert.equal(Object.getPrototypeOf(url), URL.prototype);
      assert.equal(url.href, "http://a/");
      assert.equal((url as unknown as { isAdmin?: boolean }).isAdmin, undefined);
      const own = Object.getOwnPropertyDescriptor(url, "__proto__");
      assert.deepEqual(own?.value, { isAdmin: true });
    }
  });
});

describe("prototypes reached through a loaded object", () => {
  const OBJECT_WITH_PROTO = 0x8a;
  it("PROTOTYPE_OF reads an own prototype only: a shared one it inherits is refused", async () => {
    // WITH_PROPS(PROTOTYPE_OF(OBJECT_WITH_PROTO(GLOBAL "URL"))): the object inherits URL's
    // `prototype` property; URL.prototype must not be what the list goes onto.
    const url = pickle([
      WITH_PROPS,
      PROTOTYPE_OF,
      OBJECT_WITH_PROTO,
      GLOBAL,
      ...str("URL"),
      0,
      0,
      1,
      ...str("pwned"),
      7,
      1,
      0,
    ]);
    await refused(
      () => loads(url, { allowCode: false, allow: { globals: ["URL"] } }),
      /prototype object of a value that has none/,
    );
    assert.equal(Object.hasOwn(URL.prototype, "pwned"), false);
    const object = pickle([
      WITH_PROPS,
      PROTOTYPE_OF,
      OBJECT_WITH_PROTO,
      GLOBAL,
      ...str("Object"),
      0,
      0,
      1,
      ...str("isAdmin"),
      7,
      TRUE,
      0,
    ]);
    await refused(
      () => loadsSync(object, { allowCode: false, allow: { globals: ["Object"] } }),
      /prototype object of a value that has none/,
    );
    assert.equal(({} as { isAdmin?: boolean }).isAdmin, undefined);
    const reparent = pickle([
      SET_PROTO,
      NULL,
      PROTOTYPE_OF,
      OBJECT_WITH_PROTO,
      GLOBAL,
      ...str(
        "URL",
      ),
      0,
      0,
    ]);
    await refused(
      () => loadsSync(reparent, { allowCode: false, allow: { globals: ["URL"] } }),
      /prototype object of a value that has none/,
    );
    assert.equal(Object.getPrototypeOf(URL.prototype), Object.prototype);
  });
});

describe("a thenable at the root of an async load", () => {
  it("data only: refused instead of calling an admitted function as its then", async () => {
    // { then: GLOBAL "Math.max" } at the root.
    const bytes = pickle([OBJECT_NEW_SHAPE, 1, ...str("then"), GLOBAL, ...str("Math.max")]);
    await Promise.race([
      refused(
        () => loads(bytes, { allowCode: false, allow: { globals: ["Math.max"] } }),
        /has a `then` method/,
      ),
      new Promise((_, reject) => setTimeout(() => reject(new Error("the load hangs")), 5000)),
    ]);
    // The sync form hands the object over as it is.
    const v = loadsSync<{ then: unknown }>(bytes, {
      allowCode: false,
      allow: { globals: ["Math.max"] },
    });
    assert.equal(v.then, Math.max);
  });

  it("a root promise with an own then settles as the pickle says, calling nothing", async () => {
    // WITH_PROPS(PROMISE fulfilled 1) with own property then = 1, or = GLOBAL "Math.max".
    const own = pickle([WITH_PROPS, PROMISE, 0, 1, 1, ...str("then"), 7, 1, 0], 0);
    assert.equal(await loads(own, { allowCode: false }), 1);
    const admitted = pickle([
      WITH_PROPS,
      PROMISE,
      0,
      1,
      1,
      ...str("then"),
      7,
      GLOBAL,
      ...str(
        "Math.max",
      ),
      0,
    ]);
    assert.equal(await loads(admitted, { allowCode: false, allow: { globals: ["Math.max"] } }), 1);
    // Rejected: an UnpicklingError whose cause is the reason.
    const rejected = pickle([WITH_PROPS, PROMISE, 1, ...str("no"), 1, ...str("then"), 7, 1, 0], 0);
    const e = await refused(() => loads(rejected, { allowCode: false }), /it was rejected/);
    assert.equal(e.cause, "no");
  });
});

describe("promises fulfilled with a thenable", () => {
  it("are refused instead of adopting it (the load would never settle)", async () => {
    const bytes = pickle([
      PROMISE,
      0,
      OBJECT_NEW_SHAPE,
      1,
      ...str("then"),
      GLOBAL,
      ...str(
        "Math.max",
      ),
    ]);
    const settled = Promise.race([
      refused(
        () => loads(bytes, { allowCode: false, allow: { globals: ["Math.max"] } }),
        /fulfilled promise holds a thenable/,
      ),
      new Promise((_, reject) => setTimeout(() => reject(new Error("the load hangs")), 5000)),
    ]);
    await settled;
    await refused(() => loads(bytes), /fulfilled promise holds a thenable/);
  });

  it("a promise fulfilled with an object gets the object complete", async () => {
    // PROMISE fulfilled { a: 1 } inside an array: the value is there when it settles.
    const bytes = pickle([ARRAY, 1, PROMISE, 0, OBJECT_NEW_SHAPE, 1, ...str("a"), 1], 0);
    const [p] = loadsSync<[Promise<{ a: number }>]>(bytes);
    assert.deepEqual(await p, { a: 1 });
  });
});

describe("values nested inside one another past the call stack", () => {
  /** `unit` repeated `n` times, then `tail`, as a pickle (long: a varint body length). */
  function deep(unit: number[], n: number, tail: number[], flags = 0): Uint8Array {
    const body = new Uint8Array(unit.length * n + tail.length);
    for (let i = 0; i < n; i++) body.set(unit, i * unit.length);
    body.set(tail, unit.length * n);
    const len: number[] = [];
    for (let k = body.length;; k = Math.floor(k / 128)) {
      if (k < 128) {
        len.push(k);
        break;
      }
      len.push((k & 127) | 128);
    }
    const head = [0x4a, 0x53, 0x50, 0x4b, FORMAT_VERSION, flags, ...len];
    const out = new Uint8Array(head.length + body.length);
    out.set(head);
    out.set(body, head.length);
    return out;
  }

  const cases: [string, number[], number[]][] = [
    ["boxed values", [0x82, 0x00], [0x01]],
    ["prototypes of objects", [0x8a], [0x61, 0x00, 0x00]],
    ["new prototypes", [0x8e], [0x61, 0x76, 0x00]],
    ["views' buffers", [0x81, 0x01, 0x00], [0x7e, 0, 0, 0, 0]],
  ];
  for (const [what, unit, tail] of cases) {
    it(`${what}: a nesting limit, not a stack overflow`, async () => {
      const bytes = deep(unit, 200_000, tail);
      const e = await refused(() => loadsSync(bytes), /nest deeper than 1000 levels/);
      assert.ok(!(e.cause instanceof RangeError));
      await refused(() => loads(bytes, { allowCode: false }), /nest deeper than 1000 levels/);
      // The library works on afterwards.
      assert.deepEqual(loadsSync(pickle([ARRAY, 1, 1], 0)), [1]);
    });
  }
});
