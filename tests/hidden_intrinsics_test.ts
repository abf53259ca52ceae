// Built-ins no property path from globalThis reaches (%TypedArray%, the constructors of
// generator and async functions, the prototypes of generators and built-in iterators) travel by
// reference under their specification names, as globals do: code that captures
// `Uint8Array.prototype.subarray` or `Object.getPrototypeOf(Uint8Array)` (npm packages do, for
// speed and for `instanceof`) pickles, and gets the loading side's own.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { dumpsSync, loads, loadsSync, UnpicklingError } from "../mod.ts";
import { evalIn } from "./helpers.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const getPrototypeOf = Object.getPrototypeOf;
const TypedArray = getPrototypeOf(Uint8Array) as { prototype: Record<string, unknown> };

const intrinsics: Record<string, unknown> = {
  "%TypedArray%": TypedArray,
  "%TypedArray%.prototype.subarray": Uint8Array.prototype.subarray,
  "%TypedArray%.prototype.set": TypedArray.prototype.set,
  "%GeneratorFunction%": getPrototypeOf(function* () {}).constructor,
  "%AsyncFunction%": getPrototypeOf(async function () {}).constructor,
  "%AsyncGeneratorFunction%": getPrototypeOf(async function* () {}).constructor,
  "%GeneratorFunction.prototype%": getPrototypeOf(function* () {}),
  "%GeneratorPrototype%.next": getPrototypeOf(function* () {}.prototype).next,
  "%ArrayIteratorPrototype%": getPrototypeOf([][Symbol.iterator]()),
  "%ArrayIteratorPrototype%.next": getPrototypeOf([].values()).next,
  "%MapIteratorPrototype%": getPrototypeOf(new Map().keys()),
  "%SetIteratorPrototype%": getPrototypeOf(new Set().values()),
  "%StringIteratorPrototype%": getPrototypeOf(""[Symbol.iterator]()),
};

describe("built-ins without a global path", () => {
  it("travel by reference: the loaded value is this runtime's own", () => {
    for (const [name, value] of Object.entries(intrinsics)) {
      assert.equal(typeof value === "function" || typeof value === "object", true, name);
      assert.equal(loadsSync(dumpsSync(value)), value, name);
      assert.equal(loadsSync<{ v: unknown }>(dumpsSync({ v: value })).v, value, `${name} inside`);
    }
  });

  it("a closure over them runs in Deno and in Bun", async () => {
    const subarray = Uint8Array.prototype.subarray;
    const Gen = getPrototypeOf(function* () {}).constructor;
    const f = (u: Uint8Array) => [
      subarray.call(u, 1).length,
      u instanceof (TypedArray as unknown as typeof Uint8Array),
      new Gen("yield 7")().next().value,
    ];
    assert.deepEqual(f(new Uint8Array(4)), [3, true, 7]);
    const bytes = dumpsSync(f).toBase64();
    const script = `const { loads } = await import(${JSON.stringify(`${root}mod.ts`)});
      const f = await loads(Uint8Array.fromBase64(${JSON.stringify(bytes)}));
      console.log(JSON.stringify([...f(new Uint8Array(5)), f(new Float64Array(2))[1]]));`;
    for (const runtime of ["deno", "bun-plain"] as const) {
      assert.equal(evalIn(runtime, script), "[4,true,7,true]", runtime);
    }
    assert.deepEqual((await loads(dumpsSync(f)) as typeof f)(new Uint8Array(2)), [1, true, 7]);
  });

  it("an unknown intrinsic name is an UnpicklingError naming it", () => {
    const body = dumpsSync(TypedArray);
    const text = new TextDecoder("latin1").decode(body);
    const at = text.indexOf("%TypedArray%");
    assert.ok(at > 0, "the pickle names %TypedArray%");
    const forged = body.slice();
    forged.set(new TextEncoder().encode("%TypedArrax%"), at);
    assert.throws(
      () => loadsSync(forged),
      (e: unknown) =>
        e instanceof UnpicklingError && /'%TypedArrax%' does not exist/.test(e.message),
    );
  });
});
