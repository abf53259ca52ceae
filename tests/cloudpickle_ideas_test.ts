// Python cloudpickle's test ideas (tests/battery/code_cases.ts): closures, recursion, classes
// and their instances, generators, async code, bound functions, symbols, private members and
// built-in subclasses, pickled by value, run after loading here, in the other runtime, in a
// Worker, and back here again. Then what needs several pickles or a module: class identity across
// pickles, registerPickleByValue, code made by eval.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { Buffer } from "node:buffer";
import { fileURLToPath } from "node:url";
import {
  closure,
  dumps,
  dumpsSync,
  loads,
  PicklingError,
  registerPickleByValue,
  unregisterPickleByValue,
} from "../mod.ts";
import * as byValueModule from "./battery/by_value_module.ts";
import { CODE_CASES } from "./battery/code_cases.ts";
import { otherRuntime, runBattery } from "./battery/harness.ts";
import { expectPicklingError } from "./helpers.ts";

runBattery("cloudpickle battery", "code", CODE_CASES, { withWorker: true });

const root = fileURLToPath(new URL("..", import.meta.url));
const onBun = typeof (globalThis as { Bun?: unknown }).Bun !== "undefined";

/**
 * Loads `pickles` in order in the other runtime, calls the last (a function) with the others
 * and returns its result, and the others as that runtime pickles them again.
 */
function inOtherRuntime(pickles: Uint8Array[]): { result: unknown; again: Uint8Array } {
  const [cmd, args, name] = otherRuntime(`${root}tests/battery/call.ts`, []);
  const r = spawnSync(cmd, args, {
    cwd: root,
    input: JSON.stringify({ pickles: pickles.map((p) => Buffer.from(p).toString("base64")) }),
    encoding: "utf8",
    maxBuffer: 1 << 26,
    timeout: 60_000,
  });
  assert.equal(r.status, 0, `${name} failed:\n${r.stderr}`);
  const out = JSON.parse(r.stdout) as { result: unknown; again: string };
  return { result: out.result, again: new Uint8Array(Buffer.from(out.again, "base64")) };
}

function text(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("latin1");
}

describe("cloudpickle ideas that take several pickles or a module", () => {
  it("one class in several pickles loads as one class elsewhere; a newer pickle updates it", async () => {
    const factor = 2;
    class Vec {
      static version = 1;
      x: number;
      constructor(x: number) {
        this.x = x;
      }
      scaled(): number {
        return this.x * factor;
      }
    }
    const p1 = await dumps({ Vec, a: new Vec(1) });
    const p2 = await dumps({ Vec, b: new Vec(2) });
    (Vec.prototype as unknown as { added(): string }).added = () => "added later";
    Vec.version = 2;
    const p3 = await dumps({ Vec });
    type Got = { Vec: typeof Vec & { version: number }; a: Vec; b: Vec };
    const check = await dumps((x: Got, y: Got, z: Got) => [
      x.Vec === y.Vec,
      z.Vec === x.Vec,
      y.b instanceof x.Vec,
      x.a.scaled() + y.b.scaled(),
      (x.a as unknown as { added(): string }).added(),
      x.Vec.version,
    ]);
    const { result, again } = inOtherRuntime([p1, p2, p3, check]);
    assert.deepEqual(result, [true, true, true, 6, "added later", 2]);
    // Back here, where Vec was defined, the class is Vec itself.
    const [x, y] = await loads<[{ Vec: unknown; a: Vec }, { b: Vec }]>(again);
    assert.equal(x.Vec, Vec);
    assert.ok(y.b instanceof Vec);
    assert.equal(x.a.scaled() + y.b.scaled(), 6);
  });

  it("a module's functions go by reference, and by value once registered", async () => {
    const { helper, Meter } = byValueModule;
    const url = new URL("./battery/by_value_module.ts", import.meta.url).href;
    const check = await dumps((h: (x: number) => number, m: { scaled(): number }) => [
      h(5),
      m.scaled(),
    ]);
    const byRef = await dumps(helper);
    const refMeter = await dumps(new Meter(4));
    assert.ok(text(byRef).includes("by_value_module.ts"), "the pickle names the module");
    assert.ok(!text(byRef).includes("RATE"), "and holds none of its code");
    assert.equal(await loads(byRef), helper, "by reference: the function itself");
    assert.deepEqual(inOtherRuntime([byRef, refMeter, check]).result, [16, 12]);

    registerPickleByValue(byValueModule);
    let byValue: Uint8Array;
    let valueMeter: Uint8Array;
    try {
      byValue = await dumps(helper);
      valueMeter = await dumps(new Meter(4));
    } finally {
      unregisterPickleByValue(byValueModule);
    }
    assert.ok(text(byValue).includes("RATE"), "by value: the pickle holds the code");
    assert.ok(!text(byValue).includes(url), "and does not import the module");
    const copy = await loads<(x: number) => number>(byValue);
    assert.notEqual(copy, helper);
    assert.equal(copy(5), 16);
    const { result, again } = inOtherRuntime([byValue, valueMeter, check]);
    assert.deepEqual(result, [16, 12]);
    // Loaded code travels on: the other runtime pickled it again, by value, and it runs here.
    const [h, m] = await loads<[(x: number) => number, { scaled(): number }]>(again);
    assert.equal(h(1), 4);
    assert.equal(m.scaled(), 12);
    // Unregistered again: by reference.
    assert.deepEqual(await dumps(helper), byRef);
  });

  it("a pickle holds what the function uses, not its neighbours", async () => {
    const nestedFunction = (x: number) => x + 1;
    const unwantedFunction = (x: number) => Math.exp(x) + unwantedData.length;
    const unwantedData = "unwanted".repeat(100);
    const mySmallFunction = (x: number, y: number) => nestedFunction(x) + y;
    assert.equal(unwantedFunction(0), 801);
    const bytes = await dumps(mySmallFunction);
    assert.ok(text(bytes).includes("nestedFunction"));
    assert.ok(!text(bytes).includes("unwanted"), "nothing of the unused neighbours");
    assert.ok(bytes.length < 600, `${bytes.length} bytes`);
    assert.equal(
      inOtherRuntime([bytes, await dumps((f: typeof mySmallFunction) => f(1, 2))]).result,
      4,
    );
  });

  it("an arrow using the arguments of the function around it is refused with a remedy", () => {
    function outer(..._a: unknown[]) {
      return () => arguments[0];
    }
    const f = outer(7);
    assert.equal(f(), 7);
    const e = expectPicklingError(() => dumpsSync(f));
    assert.match(e.message, /arguments/);
    assert.match(e.message, onBun ? /\[\.\.\.arguments\]/ : /Array\.from\(arguments\)/);
  });

  it("a closure made by a direct eval: Deno reads it; Bun says to use closure()", async () => {
    const k = 5;
    const f = eval("(x) => x * k") as (x: number) => number;
    assert.equal(f(2), 10);
    if (!onBun) {
      assert.equal((await loads<typeof f>(await dumps(f)))(3), 15);
    } else {
      await assert.rejects(dumps(f), (e: unknown) => {
        assert.ok(e instanceof PicklingError);
        assert.match(e.message, /closure\(\{ k \}/);
        return true;
      });
    }
    const explicit = closure({ k }, f);
    const copy = await loads<typeof f>(await dumps(explicit));
    assert.equal(copy(4), 20);
    assert.deepEqual(
      inOtherRuntime([await dumps(explicit), await dumps((g: typeof f) => g(6))]).result,
      30,
    );
  });

  it("a method under a computed key that captures: Deno reads it; Bun says to use closure()", async () => {
    const key = "go";
    const o = {
      [key]() {
        return key.toUpperCase();
      },
    };
    if (!onBun) {
      assert.equal((await loads<typeof o>(await dumps(o))).go(), "GO");
    } else {
      await assert.rejects(dumps(o), (e: unknown) => {
        assert.ok(e instanceof PicklingError);
        assert.equal(e.path, "root.go");
        assert.match(e.message, /closure\(\{ key \}/);
        return true;
      });
    }
    closure({ key }, o.go);
    const copy = await loads<typeof o>(await dumps(o));
    assert.equal(copy.go(), "GO");
    const run = await dumps((x: typeof o) => x.go());
    assert.equal(inOtherRuntime([await dumps(o), run]).result, "GO");
  });
});
