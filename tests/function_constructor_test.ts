// Functions made by `new Function` carry their closures' scopes on both runtimes: Deno reads
// them through the inspector, Bun's preload makes them through a stand-in for the global
// `Function` that instruments their text. The stand-in answers as the engine's own (name,
// length, prototype, instanceof, constructor identity, subclassing, syntax errors), and the
// library's own generated code never goes through it.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { dumps, dumpsSync, loads, loadsSync } from "../mod.ts";
import { evalIn } from "./helpers.ts";
import { NativeFunction } from "../lib/runtime/native_function.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const onBun = "Bun" in globalThis;

// A compiled validator, as packages generate them: the returned closure reads the factory's
// parameters.
const compile = (min: number) =>
  new Function(
    "min",
    "seen",
    `"use strict";
    return function check(v) { seen.count++; return typeof v === "number" && v >= min; };`,
  )(min, { count: 0 }) as (v: unknown) => boolean;

describe("functions made by new Function", () => {
  it("closures they return pickle with the factory's arguments, over three hops", async () => {
    let check = compile(3);
    check(1);
    for (let hop = 1; hop <= 3; hop++) {
      check = hop === 2 ? await loads(await dumps(check)) : loadsSync(dumpsSync(check));
      assert.equal(check(5), true, `hop ${hop}`);
      assert.equal(check(2), false);
      assert.equal(check("5"), false);
    }
    const plain = Function("k", "return function () { return k * 2; }")(7);
    assert.equal(loadsSync<() => number>(dumpsSync(plain))(), 14);
  });

  it("travel to the other runtime and back", async () => {
    const b64 = (await dumps(compile(10))).toBase64();
    const other = onBun ? "deno" : "bun";
    const script = `const { loads, dumps } = await import(${JSON.stringify(`${root}mod.ts`)});
      const check = await loads(Uint8Array.fromBase64(${JSON.stringify(b64)}));
      console.log(check(10) + "," + check(9) + " " + (await dumps(check)).toBase64());`;
    const [there, back] = evalIn(other, script).split(" ");
    assert.equal(there, "true,false");
    const check = await loads<(v: unknown) => boolean>(Uint8Array.fromBase64(back));
    assert.equal(check(11), true);
  });

  it("the global Function answers as the engine's own", () => {
    assert.equal(Function.name, "Function");
    assert.equal(Function.length, 1);
    assert.equal(Function.prototype, Object.getPrototypeOf(() => 0));
    assert.equal((function () {}).constructor, Function);
    assert.equal(Function.prototype.constructor, Function);
    assert.ok(new Function("return 1") instanceof Function);
    assert.equal(new Function("a", "b = 2", "return a + b")(1), 3);
    assert.equal(Function("return this")(), globalThis, "sloppy, at the global scope");
    assert.equal(new Function("return typeof min")(), "undefined", "no local scope leaks in");
    assert.throws(() => new Function("return ("), SyntaxError);
    assert.match(Function.prototype.toString.call(Function), /\[native code\]/);
    class Callable extends Function {
      constructor() {
        super("return 7");
      }
    }
    const c = new Callable();
    assert.equal(c(), 7);
    assert.ok(c instanceof Callable);
    assert.equal(NativeFunction.name, "Function");
    assert.equal(NativeFunction === Function, !onBun, "on Bun the global is the stand-in");
    // The stand-in and the engine's Function go by reference to the same global.
    assert.equal(loadsSync<{ F: unknown }>(dumpsSync({ F: Function })).F, Function);
  });
});
