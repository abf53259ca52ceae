// A bound function that came out of `loads` pickles again in any process, with no scope
// adapter: what it was made of (target, `this`, arguments) is what the pickle said, and the
// loader remembers it. Where no adapter shows a bound function's parts (Deno without
// --allow-sys, Deno's REPL, Bun without the preload) it could not be pickled again before.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { dumpsSync, loadsSync } from "../mod.ts";
import { bytesEqual } from "./helpers.ts";

const root = new URL("../", import.meta.url).pathname;
const script = "tests/instrumented/repickle.mjs";
type Hop = "deno-nosys" | "bun-plain";

/** Loads `bytes` in a fresh process where bound functions are unreadable, and pickles again. */
function hop(where: Hop, bytes: Uint8Array): { sync: Uint8Array; async: Uint8Array } {
  const [cmd, args] = where === "deno-nosys"
    ? ["deno", ["run", "--allow-read", "--allow-env", script]]
    : ["bun", [script]];
  const r = spawnSync(`${root}node_modules/.bin/${cmd}`, args, {
    cwd: root,
    encoding: "utf8",
    input: bytes.toBase64(),
    timeout: 120_000,
  });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim().split("\n").pop()!) as Record<string, string>;
  for (const form of ["sync", "async"]) {
    assert.doesNotMatch(out[form], /Error: /, `${where} ${form}: ${out[form]}`);
  }
  return { sync: Uint8Array.fromBase64(out.sync), async: Uint8Array.fromBase64(out.async) };
}

type Scale = (a: number, b: number) => number;

function scaled(this: { m: number }, a: number, b: number): number {
  return this.m * a + b;
}

describe("bound functions that came out of loads", () => {
  const self = { m: 3 };
  const bound = scaled.bind(self, 10) as unknown as (b: number) => number;
  const twice = (bound as unknown as Scale).bind(null, 5) as unknown as () => number;
  const value = { bound, twice, self };
  const bytes = dumpsSync(value);

  it("pickle again where the runtime cannot show their parts, to the same bytes", () => {
    for (const where of ["deno-nosys", "bun-plain"] as const) {
      const out = hop(where, bytes);
      for (const again of [out.sync, out.async]) {
        assert.ok(bytesEqual(again, bytes), `${where}: a byte fixpoint`);
        const v = loadsSync<typeof value>(again);
        assert.equal(v.bound(1), 31);
        assert.equal(v.twice(), 35);
        v.self.m = 4;
        assert.equal(v.bound(1), 41, "bound to the object loaded with it");
      }
    }
  });

  it("travel on through a chain of such processes, across runtimes", () => {
    let b: Uint8Array = bytes;
    for (const where of ["deno-nosys", "bun-plain", "deno-nosys"] as const) b = hop(where, b).sync;
    const v = loadsSync<typeof value>(b);
    assert.equal(v.bound(2), 32);
    assert.equal(v.twice(), 35);
    assert.equal(Object.getPrototypeOf(v.bound), Function.prototype);
    assert.equal(v.bound.name, "bound scaled");
  });

  it("loaded here, pickle again with their parts, and stay what binding gives", () => {
    const v = loadsSync<typeof value>(bytes);
    const again = loadsSync<typeof value>(dumpsSync(v));
    assert.equal(again.bound(1), 31);
    assert.equal(again.bound.length, 1);
    assert.equal(again.twice.name, "bound bound scaled");
  });
});
