// Classes whose members are keyed by a variable that only the class definition reads
// (`[tag]() {}`): V8 keeps no scope slot for such a variable, so its value is taken from the
// member the key names. Round trips here, three hops across runtimes, and the cases where the
// class does not tell the value (refused, naming the variable).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { dumps, dumpsSync, loads, loadsSync, PicklingError } from "../mod.ts";
import {
  expressionKeyed,
  replacedMember,
  stringKeyed,
  symbolKeyed,
} from "./member_keys/classes.ts";

const root = new URL("..", import.meta.url).pathname;
const hop = `${root}tests/member_keys/hop.ts`;

function run(runtime: "deno" | "bun", input: string): { out: string; results: unknown } {
  const cmd = `${root}node_modules/.bin/${runtime}`;
  const args = runtime === "deno" ? ["run", "-A", hop] : ["--preload", `${root}preload.ts`, hop];
  const r = spawnSync(cmd, args, { cwd: root, input, encoding: "utf8", timeout: 60_000 });
  assert.equal(r.status, 0, `${runtime} hop failed:\n${r.stderr}`);
  const [out, json] = r.stdout.trim().split("\n");
  return { out, results: JSON.parse(json) };
}

describe("members keyed by a variable only the class definition reads", () => {
  it("a symbol-keyed method and a getter come back under the same keys, and run", async () => {
    const Tagged = symbolKeyed();
    const sym = Object.getOwnPropertySymbols(Tagged.prototype)[0];
    for (const bytes of [dumpsSync(Tagged), await dumps(Tagged)]) {
      const C = loadsSync<typeof Tagged>(bytes);
      const x = new C(5) as unknown as Record<string | symbol, unknown>;
      assert.equal((x[sym] as () => number)(), 10);
      assert.equal(x.tag, "n=5");
      assert.deepEqual(Object.getOwnPropertySymbols(C.prototype), [sym]);
    }
  });

  it("string keys of methods, accessors and static methods", async () => {
    const Shape = stringKeyed();
    type S = { size: number; area(): number; label: string };
    const C = await loads<{ new (): S; make(): S }>(await dumps(Shape));
    const s = C.make();
    assert.ok(s instanceof C);
    s.size = 3;
    assert.equal(s.area(), 9);
    assert.equal(s.label, "shape 3");
    assert.deepEqual(Object.getOwnPropertyNames(C.prototype).sort(), [
      "area",
      "constructor",
      "label",
      "size",
    ]);
  });

  it("three hops across runtimes keep the keys and the bytes", async () => {
    const Tagged = symbolKeyed();
    const value = { Tagged, Shape: stringKeyed(), t: new Tagged(3) };
    let text = (await dumps(value)).toBase64();
    const seen: string[] = [];
    for (const runtime of ["deno", "bun", "deno"] as const) {
      const { out, results } = run(runtime, text);
      assert.deepEqual(results, {
        symbolMethod: 8,
        sameSymbolOnInstance: true,
        getter: "n=4",
        area: 25,
        label: "shape 5",
      }, `after ${runtime}`);
      seen.push(out);
      text = out;
    }
    assert.equal(seen[2], seen[0], "a pickle loaded and pickled again is the same bytes");
  });

  it("a key read in an expression, or a member replaced since, is refused naming the variable", async () => {
    for (const C of [expressionKeyed(), replacedMember()]) {
      let err: unknown;
      try {
        await dumps(C);
      } catch (e) {
        err = e;
      }
      // Where the runtime shows the variable (Bun's preload), the class pickles as it is.
      if (err === undefined) {
        const L = loadsSync<new () => Record<string, () => number>>(dumpsSync(C));
        assert.equal(typeof new L()[Object.getOwnPropertyNames(L.prototype)[1]], "function");
        continue;
      }
      assert.ok(err instanceof PicklingError, String(err));
      assert.match(err.message, /free variable '(prefix|key)' could not be read/);
      assert.match(err.message, /closure\(\{/);
    }
  });
});
