import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { dumpsSync, loadsSync, UnpicklingError } from "../mod.ts";
import {
  bodyOf,
  concat,
  expectUnpicklingError,
  parseHeader,
  runFixtures,
  withHeader,
} from "./helpers.ts";
import { errorFixtures } from "./fixtures/errors.ts";

describe("Error values round-trip (sync, async, stream)", () => {
  runFixtures(errorFixtures);
});

const g = globalThis as Record<string, unknown>;
// deno-lint-ignore no-explicit-any
const Deno_ = g.Deno as any;
// deno-lint-ignore no-explicit-any
const Bun_ = g.Bun as any;

/** An error of a class this runtime defines (Deno.errors.*, Bun's BuildMessage). */
function runtimeError(): Error {
  try {
    if (Deno_ !== undefined) Deno_.readTextFileSync("/no/such/file");
    else new Bun_.Transpiler().transformSync("let = ;");
  } catch (e) {
    return e as Error;
  }
  throw new Error("nothing was thrown");
}

const ERROR_TAG = 0x7d;
const HOST = 0x80;

/** A pickle of `new TypeError("x")` whose ERROR tag says "a host class at `path`". */
function hostPickle(path: string): Uint8Array {
  const plain = dumpsSync(new TypeError("x"));
  const body = bodyOf(plain);
  assert.equal(body[0], ERROR_TAG);
  assert.equal(body[1], 1);
  const str = bodyOf(dumpsSync(path));
  const patched = concat(new Uint8Array([ERROR_TAG, 1 | HOST]), str, body.subarray(2));
  const h = parseHeader(plain);
  return withHeader(patched, h.version, h.flags);
}

/** Pickled and loaded twice: a loaded value pickles again. */
function roundTripNote<T>(v: T): T {
  return loadsSync<T>(dumpsSync(loadsSync<T>(dumpsSync(v))));
}

describe("errors of runtime-defined classes and DOMExceptions", () => {
  it("load without code (allowCode: false): they are data", () => {
    const v = loadsSync<{ e: Error; d: DOMException }>(
      dumpsSync({ e: runtimeError(), d: new DOMException("m", "AbortError") }),
      { allowCode: false },
    );
    assert.equal(v.e.name, runtimeError().name);
    assert.ok(v.d instanceof DOMException);
    assert.equal(v.d.code, 20);
  });

  it("a class path this runtime lacks loads as the standard class", () => {
    const e = loadsSync<Error>(hostPickle("NoSuchRuntime.errors.Gone"));
    assert.equal(Object.getPrototypeOf(e), TypeError.prototype);
    assert.equal(e.message, "x");
  });

  it("a class path naming something that is not that kind of error is not used", () => {
    for (const path of ["Math", "Map", "RangeError", "Math.max", ""]) {
      const e = loadsSync<Error>(hostPickle(path));
      assert.equal(Object.getPrototypeOf(e), TypeError.prototype, path);
    }
  });

  it("a class path naming a subclass of the standard class is used", () => {
    const Sub = class AppError extends TypeError {};
    g.__cloudpickleTestError = Sub;
    try {
      const e = loadsSync<Error>(hostPickle("__cloudpickleTestError"));
      assert.equal(Object.getPrototypeOf(e), Sub.prototype);
      assert.ok(e instanceof TypeError);
      assert.equal(e.message, "x");
    } finally {
      delete g.__cloudpickleTestError;
    }
  });

  it("a DOMException byte with the host flag is an UnpicklingError", () => {
    const plain = dumpsSync(new DOMException("m", "AbortError"));
    const body = bodyOf(plain).slice();
    assert.equal(body[0], ERROR_TAG);
    body[1] |= HOST;
    const h = parseHeader(plain);
    const e = expectUnpicklingError(() => loadsSync(withHeader(body, h.version, h.flags)));
    assert.ok(e instanceof UnpicklingError);
  });

  it("an instance of a subclass of DOMException keeps its class and its DOMException state", () => {
    class AppAbort extends DOMException {
      job: number;
      constructor(message: string, job: number) {
        super(message, "AbortError");
        this.job = job;
      }
      describe(): string {
        return `job ${this.job}: ${this.message}`;
      }
    }
    const e = loadsSync<AppAbort>(dumpsSync(new AppAbort("cancelled by user", 7)));
    assert.ok(e instanceof AppAbort);
    assert.ok(e instanceof DOMException);
    assert.equal(e.name, "AbortError");
    assert.equal(e.code, 20);
    assert.equal(e.message, "cancelled by user");
    assert.equal(e.job, 7);
    assert.equal(e.describe(), "job 7: cancelled by user");
  });

  it("objects that only have an error's prototype load as such plain objects", () => {
    // Their prototypes are built-ins by reference: the pickle holds code.
    const forged = [
      Object.assign(Object.create(Error.prototype), { message: "forged" }),
      Object.assign(Object.create(DOMException.prototype), { note: 1 }),
    ];
    for (const v of [loadsSync<object[]>(dumpsSync(forged)), roundTripNote(forged)]) {
      assert.equal(Object.getPrototypeOf(v[0]), Error.prototype);
      assert.equal((v[0] as Error).message, "forged");
      assert.equal(Object.getPrototypeOf(v[1]), DOMException.prototype);
      assert.equal((v[1] as { note: number }).note, 1);
    }
  });

  it("an error or a Map whose prototype is a plain object over the built-in's loads", () => {
    const X = Object.assign(Object.create(Error.prototype), { kind: "custom" });
    const e = Object.setPrototypeOf(new RangeError("m", { cause: 1 }), X) as Error;
    const Y = Object.assign(Object.create(Map.prototype), { kind: "y" });
    const m = Object.setPrototypeOf(new Map([[1, { two: 2 }]]), Y) as Map<number, unknown>;
    const v = { e, m, again: [e, m, X, Y] };
    for (const out of [loadsSync<typeof v>(dumpsSync(v)), roundTripNote(v)]) {
      const p = Object.getPrototypeOf(out.e);
      assert.equal(p.kind, "custom");
      assert.equal(Object.getPrototypeOf(p), Error.prototype);
      assert.equal(out.e.message, "m");
      assert.equal(out.e.cause, 1);
      assert.equal(out.e.stack, e.stack);
      assert.ok(out.e instanceof Error);
      const q = Object.getPrototypeOf(out.m);
      assert.equal(q.kind, "y");
      assert.equal(Object.getPrototypeOf(q), Map.prototype);
      assert.deepEqual(out.m.get(1), { two: 2 });
      assert.deepEqual(out.again, [out.e, out.m, p, q]);
    }
  });

  it("standard errors are written as before: no class path", () => {
    const body = bodyOf(dumpsSync(new RangeError("r")));
    assert.deepEqual([...body.subarray(0, 2)], [ERROR_TAG, 2]);
  });
});
