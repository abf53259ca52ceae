// Data-only means data: with `allowCode: false` a pickle gets no prototype but the built-in
// ones, needs no code generation from strings, and never alters the caller's out-of-band
// buffers. One test per attack, named for what it tries. Hand-made pickles follow the tag
// table of lib/format/tags.ts. What LoadOptions.allow admits: data_only_allow_test.ts.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { dumpsSync, loads, loadsSync } from "../mod.ts";
import { concat, expectUnpicklingError, expectUnpicklingErrorAsync } from "./helpers.ts";
import {
  assertPrototypesClean,
  bytes,
  DATA,
  HEAD,
  pickle,
  refusedAt,
  str,
} from "./data_only/craft.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const deno = `${root}node_modules/.bin/deno`;
// Tags and flags (lib/format/tags.ts).
const SET_PROTO = 0x8e;
const OBJECT_WITH_PROTO = 0x8a;
const PROTOTYPE_OF = 0x8d;
const INSTANCE = 0x8f;
const GLOBAL = 0x88;
const MAP = 0x79;
const ARRAY = 0x76;
const DATE = 0x7b;
const OBJECT_NEW_SHAPE = 0x72;
const WITH_PROPS = 0x78;
const OOB_BUFFER = 0x80;
const ERROR = 0x7d;
const ERROR_HOST = 0x80;
const FLAG_CODE = 1;
const FLAG_OOB = 2;

/** An empty plain object: a new shape of no keys. */
const EMPTY_OBJECT = bytes(OBJECT_NEW_SHAPE, 0);

describe("data only: prototypes", () => {
  it("an array re-prototyped as a Map (SET_PROTO over a Map the pickle builds) is refused", () => {
    const p = pickle(0, bytes(SET_PROTO, MAP, 0, ARRAY, 0));
    refusedAt(
      () => loadsSync(p, DATA),
      HEAD,
      /prototype that is not a built-in one.*needs allowCode: true/,
    );
    // The default load (code allowed, the pickle trusted) still takes it as written.
    assert.ok(loadsSync(p) instanceof Map);
    assertPrototypesClean();
  });

  it("an array given Map.prototype through an admitted built-in is refused (a built-in keeps its kind)", () => {
    const p = pickle(
      FLAG_CODE,
      bytes(SET_PROTO, PROTOTYPE_OF, GLOBAL),
      str("Map"),
      bytes(ARRAY, 0),
    );
    const opts = { allowCode: false, allow: { globals: ["Map"] } };
    refusedAt(() => loadsSync(p, opts), HEAD, /prototype of another kind/);
  });

  it("an object whose prototype is a plain object of the pickle (Object.create({x: 1})) is refused, naming allowCode", async () => {
    const p = dumpsSync(Object.create({ x: 1 }));
    const e = refusedAt(() => loadsSync(p, DATA), HEAD, /needs allowCode: true/);
    assert.doesNotMatch(e.message, /LoadOptions.allow/);
    await expectUnpicklingErrorAsync(() => loads(p, DATA));
    // What the library pickled loads with code allowed.
    assert.equal((loadsSync(p) as { x: number }).x, 1);
    assertPrototypesClean();
  });

  it("an object whose prototype is an instance the pickle builds (a Date) is refused", () => {
    const p = pickle(0, bytes(OBJECT_WITH_PROTO, DATE), new Uint8Array(8), bytes(0, 0));
    refusedAt(() => loadsSync(p, DATA), HEAD, /needs allowCode: true/);
  });

  it("an instance (INSTANCE) with a prototype the pickle builds is refused", () => {
    const p = pickle(0, bytes(INSTANCE), EMPTY_OBJECT, bytes(0, 0, 0));
    refusedAt(() => loadsSync(p, DATA), HEAD, /needs allowCode: true/);
  });

  it("a prototype taken with PROTOTYPE_OF from a data object's 'prototype' key is refused", () => {
    // OBJECT_WITH_PROTO(PROTOTYPE_OF({ prototype: {} })): the inner object is data of the
    // pickle, and never a prototype (its slot is not even filled when PROTOTYPE_OF reads it).
    const holder = concat(bytes(OBJECT_NEW_SHAPE, 1), str("prototype"), EMPTY_OBJECT);
    const p = pickle(0, bytes(OBJECT_WITH_PROTO, PROTOTYPE_OF), holder, bytes(0, 0));
    const e = expectUnpicklingError(() => loadsSync(p, DATA));
    assert.ok(e.offset === HEAD || e.offset === HEAD + 1, e.message);
    assertPrototypesClean();
  });

  it("an error claiming a host class the program defined gets the standard class instead", () => {
    const g = globalThis as Record<string, unknown>;
    let getterRan = false;
    g.DataOnlyEvilError = class extends TypeError {
      override get message(): string {
        getterRan = true;
        return "from the program's class";
      }
    };
    try {
      // ERROR TypeError|HOST, path, property list: message "x", integrity 0.
      const p = pickle(
        0,
        bytes(ERROR, 1 | ERROR_HOST),
        str("DataOnlyEvilError"),
        bytes(1),
        str("message"),
        bytes(7),
        str("x"),
        bytes(0),
      );
      const e = loadsSync<Error>(p, DATA);
      assert.equal(Object.getPrototypeOf(e), TypeError.prototype);
      assert.equal(e.message, "x");
      assert.equal(getterRan, false);
      // Admitted by name, it is used; and with code allowed, as before.
      const admitted = loadsSync<Error>(p, {
        allowCode: false,
        allow: { globals: ["DataOnlyEvilError"] },
      });
      assert.equal(
        Object.getPrototypeOf(admitted),
        (g.DataOnlyEvilError as { prototype: object }).prototype,
      );
      assert.equal(
        Object.getPrototypeOf(loadsSync(p)),
        (g.DataOnlyEvilError as { prototype: object }).prototype,
      );
    } finally {
      delete g.DataOnlyEvilError;
    }
  });

  it("an error of a runtime's own class (Deno.errors.NotFound) loads as its standard class unless admitted", () => {
    let thrown: unknown;
    try {
      const g = globalThis as {
        Deno?: { readTextFileSync(p: string): string };
        Bun?: { Transpiler: new () => { transformSync(code: string): string } };
      };
      if (g.Deno !== undefined) g.Deno.readTextFileSync("/no/such/file");
      else new g.Bun!.Transpiler().transformSync("let = ;");
    } catch (e) {
      thrown = e;
    }
    assert.ok(thrown instanceof Error);
    const p = dumpsSync(thrown);
    const data = loadsSync<Error>(p, DATA);
    const standard = [
      Error,
      TypeError,
      RangeError,
      SyntaxError,
      ReferenceError,
      EvalError,
      URIError,
    ];
    assert.ok(standard.some((C) => Object.getPrototypeOf(data) === C.prototype), String(data));
    assert.equal(data.name, thrown.name);
    assert.equal(data.message, thrown.message);
    // Admitted by its path, the runtime's class is used, as in a load with code.
    const admitted = loadsSync<Error>(p, { allowCode: false, allow: (r) => r.kind === "global" });
    assert.equal(Object.getPrototypeOf(admitted), Object.getPrototypeOf(loadsSync(p)));
  });

  it("own '__proto__' keys in repeated shapes stay own data (no pollution, no prototype)", () => {
    const rows = JSON.parse(
      '[{"__proto__": {"polluted": 1}, "k": 1}, {"__proto__": {"polluted": 2}, "k": 2}, {"__proto__": {"polluted": 3}, "k": 3}]',
    );
    const bare = [1, 2, 3].map((n) =>
      Object.defineProperty(Object.create(null), "__proto__", {
        value: n,
        enumerable: true,
        writable: true,
        configurable: true,
      })
    );
    const out = loadsSync<{ rows: Record<string, unknown>[]; bare: Record<string, unknown>[] }>(
      dumpsSync({ rows, bare }),
      DATA,
    );
    for (let i = 0; i < 3; i++) {
      assert.equal(Object.getPrototypeOf(out.rows[i]), Object.prototype);
      assert.deepEqual(Object.getOwnPropertyDescriptor(out.rows[i], "__proto__")?.value, {
        polluted: i + 1,
      });
      assert.equal(Object.getPrototypeOf(out.bare[i]), null);
      assert.equal(Object.getOwnPropertyDescriptor(out.bare[i], "__proto__")?.value, i + 1);
    }
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assertPrototypesClean();
  });

  it("a null prototype (assigning none) still loads: null-prototype arrays and objects", () => {
    const arr = Object.setPrototypeOf([1, 2], null);
    const obj = Object.assign(Object.create(null), { a: 1 });
    const out = loadsSync<[unknown[], Record<string, unknown>]>(dumpsSync([arr, obj]), DATA);
    assert.equal(Object.getPrototypeOf(out[0]), null);
    assert.ok(Array.isArray(out[0]));
    assert.equal(out[0][1], 2);
    assert.equal(Object.getPrototypeOf(out[1]), null);
    assert.equal(out[1].a, 1);
  });
});

describe("data only: no code generation from strings", () => {
  it("loads with code generation forbidden (Deno --disallow-code-generation-from-strings)", () => {
    const r = spawnSync(
      deno,
      [
        "run",
        "-A",
        "--v8-flags=--disallow-code-generation-from-strings",
        `${root}tests/data_only/no_codegen.ts`,
      ],
      { cwd: root, encoding: "utf8", timeout: 60_000 },
    );
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.codegen, false, "the flag did not forbid code generation");
    const expected = {
      ids: 1225,
      last: "row49",
      odd: [[1, 2, true], [3, 4, true], [5, 6, true]],
      bare: [[0, true], [1, true], [2, true]],
      map: true,
      date: 5,
    };
    assert.deepEqual(out.dataOnly, expected);
    assert.deepEqual(out.signed, expected);
    assert.deepEqual(out.streamed, expected);
    assert.deepEqual(out.withCode, expected);
    assert.equal(out.task, 5);
  });

  it("a data-only load calls neither eval nor Function (both made to throw)", () => {
    // Shapes this process has not met, used many times (a code load would generate factories).
    const rows = Array.from(
      { length: 20 },
      (_, i) => ({ evalAttackA: i, evalAttackB: `${i}`, ["__proto__"]: i }),
    );
    const bare = Array.from(
      { length: 5 },
      (_, i) => Object.assign(Object.create(null), { evalAttackC: i }),
    );
    const p = dumpsSync({
      rows,
      bare,
      m: new Map([[1, { evalAttackD: [1] }], [2, { evalAttackD: [2] }]]),
    });
    const g = globalThis as Record<string, unknown>;
    const saved = { eval: g.eval, Function: g.Function, ctor: Function.prototype.constructor };
    let calls = 0;
    const trap = function () {
      calls++;
      throw new EvalError("code generation is forbidden here");
    };
    g.eval = trap;
    g.Function = trap;
    Object.defineProperty(Function.prototype, "constructor", {
      value: trap,
      configurable: true,
      writable: true,
    });
    let out: {
      rows: Record<string, unknown>[];
      bare: Record<string, unknown>[];
      m: Map<number, { evalAttackD: number[] }>;
    };
    try {
      out = loadsSync(p, DATA);
      out = loadsSync(p, DATA);
    } finally {
      g.eval = saved.eval;
      g.Function = saved.Function;
      Object.defineProperty(Function.prototype, "constructor", {
        value: saved.ctor,
        configurable: true,
        writable: true,
      });
    }
    assert.equal(calls, 0);
    assert.equal(out.rows.length, 20);
    assert.equal(out.rows[19].evalAttackB, "19");
    assert.equal(Object.getOwnPropertyDescriptor(out.rows[7], "__proto__")?.value, 7);
    assert.equal(Object.getPrototypeOf(out.rows[7]), Object.prototype);
    assert.equal(out.bare[4].evalAttackC, 4);
    assert.equal(Object.getPrototypeOf(out.bare[4]), null);
    assert.deepEqual(out.m.get(2)?.evalAttackD, [2]);
  });
});

describe("out-of-band buffers the caller passes in", () => {
  function oobPickle(value: unknown): { p: Uint8Array; buffers: ArrayBuffer[] } {
    const buffers: ArrayBuffer[] = [];
    const p = dumpsSync(value, { bufferCallback: (b) => (buffers.push(b), false) });
    return { p, buffers };
  }

  it("WITH_PROPS freezing a caller's buffer and giving it a property leaves the buffer untouched (a copy gets them)", () => {
    const caller = new Uint8Array([1, 2, 3]).buffer;
    // WITH_PROPS OOB_BUFFER 0, one property x = 1 (flags 7), integrity frozen.
    const p = pickle(FLAG_OOB, bytes(WITH_PROPS, OOB_BUFFER, 0, 1), str("x"), bytes(7, 1, 3));
    for (const opts of [{ buffers: [caller] }, { buffers: [caller], allowCode: false }]) {
      const out = loadsSync<ArrayBuffer & { x: number }>(p, opts);
      assert.notEqual(out, caller);
      assert.equal(out.x, 1);
      assert.ok(Object.isFrozen(out));
      assert.deepEqual([...new Uint8Array(out)], [1, 2, 3]);
      assert.equal(Object.isFrozen(caller), false);
      assert.equal(Object.hasOwn(caller, "x"), false);
      assert.deepEqual([...new Uint8Array(caller)], [1, 2, 3]);
    }
  });

  it("a buffer pickled out of band with its own properties loads them on a copy", () => {
    const original = Object.assign(new ArrayBuffer(4), { label: "img" });
    const { p, buffers } = oobPickle(original);
    const passed = buffers.map((b) => b.slice(0)); // what a receiving process gets
    const out = loadsSync<ArrayBuffer & { label: string }>(p, { buffers: passed });
    assert.equal(out.label, "img");
    assert.equal(Object.hasOwn(passed[0], "label"), false);
  });

  it("SET_PROTO re-prototyping a caller's buffer leaves it untouched (refused data-only)", () => {
    const caller = new ArrayBuffer(2);
    const p = pickle(FLAG_OOB, bytes(SET_PROTO), EMPTY_OBJECT, bytes(OOB_BUFFER, 0));
    const out = loadsSync<ArrayBuffer>(p, { buffers: [caller] });
    assert.notEqual(out, caller);
    assert.equal(Object.getPrototypeOf(caller), ArrayBuffer.prototype);
    refusedAt(
      () => loadsSync(p, { buffers: [caller], allowCode: false }),
      HEAD,
      /needs allowCode: true/,
    );
    assert.equal(Object.getPrototypeOf(caller), ArrayBuffer.prototype);
  });

  it("a plain out-of-band buffer is still the caller's own (no copy) and views share it", () => {
    const { p, buffers } = oobPickle({ a: new Uint8Array(new ArrayBuffer(8), 2, 4) });
    const out = loadsSync<{ a: Uint8Array }>(p, { buffers, allowCode: false });
    assert.equal(out.a.buffer, buffers[0]);
    assert.equal(out.a.byteOffset, 2);
  });
});
