// Every capture error names the remedy for the runtime it happens on: on Bun the preload
// (bunfig.toml, `bun --preload`, a Worker's `preload`), on Deno `--allow-sys`, and
// `closure()` everywhere. The program (tests/instrumented/unreadable.mjs) runs where closure
// variables cannot be read: Bun without the preload, Deno without --allow-sys.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { runJSON } from "./helpers.ts";
import { dumps, dumpsSync, loadsSync, PicklingError } from "../mod.ts";
import { runtimeRemedy, unreadableReason } from "../lib/runtime/remedy.ts";

/** Defined by no scope and no global: read by a closure all the same. */
declare const notDefinedAnywhere: string;

const script = "tests/instrumented/unreadable.mjs";

const run = (cmd: string, args: string[]) => runJSON<Record<string, string | number>>(cmd, args);

const FORMS = ["closureSync", "closureAsync", "boundSync", "boundAsync"];

describe("capture errors name the remedy for the runtime", () => {
  it("Bun without the preload: bunfig.toml, --preload, a Worker's preload", () => {
    // `bun run` reads no [test] preload: this runs without it.
    const out = run("bun", [script]);
    for (const form of FORMS) {
      const msg = out[form] as string;
      assert.match(msg, /^PicklingError: cannot pickle /, form);
      assert.match(msg, /preload/, form);
      assert.match(msg, /bunfig\.toml/, form);
      assert.match(msg, /bun --preload /, form);
      assert.match(msg, /new Worker\(url, \{ preload: \[\.\.\.\] \}\)/, form);
      assert.doesNotMatch(msg, /inspector|async dumps|allow-sys/, form);
    }
    assert.match(out.closureSync as string, /pass it with closure\(\{ k \}, fn\)/);
    assert.match(out.closureAsync as string, /pass it with closure\(\{ k \}, fn\)/);
    assert.equal(out.explicit, 2);
  });

  it("Deno without --allow-sys: --allow-sys", () => {
    const out = run("deno", ["run", "--allow-read", "--allow-env", script]);
    for (const form of FORMS) {
      const msg = out[form] as string;
      assert.match(msg, /^PicklingError: cannot pickle /, form);
      assert.match(msg, /--allow-sys \(or -A\)/, form);
      assert.doesNotMatch(msg, /preload|async dumps/, form);
    }
    assert.match(out.closureSync as string, /pass it with closure\(\{ k \}, fn\)/);
    assert.match(out.closureAsync as string, /pass it with closure\(\{ k \}, fn\)/);
    assert.equal(out.explicit, 2);
  });

  it("here: the runtime's remedy, else the adapter's reason, else the sync form's", () => {
    const onBun = typeof (globalThis as { Bun?: unknown }).Bun === "object";
    const f = () => 1;
    if (onBun) {
      // `bun test` preloads: what is left unread was not instrumented.
      assert.match(runtimeRemedy(f) ?? "", /did not instrument/);
      assert.match(unreadableReason(f, "x", true), /CommonJS modules/);
    } else {
      // The tests run with -A: nothing to grant.
      assert.equal(runtimeRemedy(f), undefined);
      assert.equal(unreadableReason(f, "no inspector", false), "no inspector");
      assert.match(unreadableReason(f, undefined, true), /use the async dumps\(\)/);
      assert.equal(unreadableReason(f, undefined, false), "");
    }
  });
});

describe("a free variable defined nowhere (a browser's global)", () => {
  it("is said to be so, not blamed on the runtime's means to read scopes", async () => {
    const local = "x";
    const title = () => notDefinedAnywhere + local;
    for (const pickle of [() => dumpsSync(title), () => dumps(title)]) {
      await assert.rejects(async () => await pickle(), (e: unknown) => {
        assert.ok(e instanceof PicklingError);
        assert.match(e.message, /free variable 'notDefinedAnywhere'/);
        assert.match(e.message, /closure\(\{ notDefinedAnywhere \}, fn\)/);
        assert.doesNotMatch(e.message, /preload|--allow-sys/);
        // Where scopes are read from records (Bun's preload), it is known to be defined nowhere.
        if ("Bun" in globalThis) assert.match(e.message, /found neither in the scopes/);
        return true;
      });
    }
  });
});

describe("the name of a function expression around a closure", () => {
  // `curried` is bound by the function expression itself: V8 shows no scope holding it (the
  // function is found among the functions of that name by its scopes), while Bun's preload
  // records it as it records every variable.
  type Curried = ((...args: number[]) => unknown) & { calls: number };
  const curry = (fn: (...a: number[]) => number) => {
    const arity = fn.length;
    const made = function curried(...args: number[]): unknown {
      (curried as Curried).calls++;
      return args.length >= arity ? fn(...args) : (...more: number[]) => curried(...args, ...more);
    } as Curried;
    made.calls = 0;
    return made;
  };
  const sum3 = (a: number, b: number, c: number) => a + b + c;
  const add = curry(sum3);
  const partial = add(1) as (...more: number[]) => (c: number) => number;

  it("pickles, sync and async, and runs after loading and another hop", async () => {
    for (const bytes of [dumpsSync(partial), await dumps(partial)]) {
      const again = loadsSync<typeof partial>(bytes);
      assert.equal(again(2)(3), 6);
      const hop = loadsSync<typeof partial>(dumpsSync(again));
      assert.equal(hop(2, 3), 6);
    }
  });

  it("pickled with that function, the closure calls it after loading", async () => {
    const v = loadsSync<{ add: Curried; partial: typeof partial }>(await dumps({ add, partial }));
    const before = v.add.calls;
    assert.equal(v.partial(2)(3), 6);
    assert.equal(v.add.calls, before + 2, "the loaded closure calls the loaded function");
  });

  it("Deno: two functions of that name in the same state are refused with the remedy", () => {
    if (typeof (globalThis as { Bun?: unknown }).Bun === "object") return;
    const twin = curry(sum3);
    twin.calls = add.calls; // the same state as `add`: which one `partial` reads is unknown
    assert.throws(() => dumpsSync(partial), (e: Error) => {
      assert.equal(e.name, "PicklingError");
      assert.match(e.message, /'curried', the name of the function expression around it/);
      assert.match(e.message, /const curried = function/);
      return true;
    });
  });
});

describe("closures of a module imported from a data: URL", () => {
  it("pickle on Deno; on Bun, which loads such modules without its plugins, the refusal says so", async () => {
    const src = "let base = 7; export const make = (k) => (x) => x * k + base;";
    const mod = await import("data:text/javascript," + encodeURIComponent(src));
    const f = mod.make(3) as (x: number) => number;
    const onBun = typeof (globalThis as { Bun?: unknown }).Bun === "object";
    if (!onBun) {
      assert.equal(loadsSync<(x: number) => number>(dumpsSync(f))(1), 10);
      return;
    }
    assert.throws(() => dumpsSync(f), /modules imported from data: or blob: URLs/);
  });
});
