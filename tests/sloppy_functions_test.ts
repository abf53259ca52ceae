// Functions of sloppy-mode code (scripts, a REPL, `eval`, `new Function`, CommonJS without
// "use strict") load as sloppy-mode functions again (FUNCTION form 4): a plain call's `this`
// is the global object, a primitive `this` is boxed, `arguments` aliases the parameters.
// Strict functions stay strict. Closures of one scope still share it, over hops and runtimes.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { dumps, dumpsSync, loads, loadsSync, UnpicklingError } from "../mod.ts";
import { evalIn } from "./helpers.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const indirect = eval;

type Probe = (a: number) => [boolean, string, number];

/** What a function of sloppy code sees, made by a script. */
const sloppy = indirect(
  "(function probe(a) { arguments[0] = 9; return [this === globalThis, typeof this, a]; })",
) as Probe;
const strict = indirect(
  '"use strict"; (function probe(a) { arguments[0] = 9; return [this === globalThis, typeof this, a]; })',
) as Probe;

describe("functions of sloppy-mode code", () => {
  it("load in sloppy mode, and strict ones in strict mode, over three hops", async () => {
    let pair = { sloppy, strict };
    for (let hop = 1; hop <= 3; hop++) {
      pair = hop === 2 ? await loads(await dumps(pair)) : loadsSync(dumpsSync(pair));
      const { sloppy: loose, strict: tight } = pair;
      assert.deepEqual(loose(1), [true, "object", 9], `hop ${hop}: sloppy`);
      assert.deepEqual(loose.call(5 as never, 1), [false, "object", 9]);
      assert.deepEqual(tight(1), [false, "undefined", 1], `hop ${hop}: strict`);
      assert.deepEqual(tight.call(5 as never, 1), [false, "number", 1]);
    }
  });

  it("closures of one sloppy scope still share it", () => {
    const make = new Function(
      "n",
      "return { inc: function () { return ++n; }, get: function () { return [n, this === globalThis]; } };",
    ) as (n: number) => { inc(): number; get(): [number, boolean] };
    const { inc, get } = loadsSync<ReturnType<typeof make>>(dumpsSync(make(1)));
    inc();
    assert.equal(inc(), 3);
    assert.deepEqual(get.call(undefined), [3, true]);
  });

  it("globals and captured variables behave as in sloppy code; only functions load so", () => {
    const make = new Function(
      "a",
      "return function () { undefined = 5; var r = delete a; return [r, typeof a, a]; };",
    ) as (a: number) => () => unknown[];
    const f = loadsSync<() => unknown[]>(dumpsSync(make(5)));
    assert.deepEqual(f(), [false, "number", 5]);
    // A class written with the sloppy-function form: refused before anything of it runs.
    const source = "class A { static { globalThis.sloppyProbe = 1; } }";
    const src = [...new TextEncoder().encode(source)];
    const body = [0x8b, 0x04, 0x00, 0x6b, src.length, ...src, 0x61, 0x00, 0x00, 0x00, 0x00];
    const bytes = new Uint8Array([0x4a, 0x53, 0x50, 0x4b, 5, 1, body.length, ...body]);
    assert.throws(() => loadsSync(bytes), UnpicklingError);
    assert.equal((globalThis as { sloppyProbe?: number }).sloppyProbe, undefined);
  });

  it("travel to the other runtime and back sloppy", async () => {
    const b64 = (await dumps(sloppy)).toBase64();
    const other = "Bun" in globalThis ? "deno" : "bun";
    const script = `const { loads, dumps } = await import(${JSON.stringify(`${root}mod.ts`)});
      const f = await loads(Uint8Array.fromBase64(${JSON.stringify(b64)}));
      console.log(JSON.stringify(f(1)) + " " + (await dumps(f)).toBase64());`;
    const [there, back] = evalIn(other, script).split(" ");
    assert.equal(there, '[true,"object",9]');
    const f = await loads<Probe>(Uint8Array.fromBase64(back));
    assert.deepEqual(f(1), [true, "object", 9]);
  });
});
