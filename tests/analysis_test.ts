// Source analysis: what a function's text says about the names it captures, its private
// names, its mode; and functions whose text alone does not say everything (computed keys,
// `with`, `import.meta`, a changed [[Prototype]]). Loaded code runs, here and in fresh
// processes of both runtimes.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { inherits } from "node:util";
import { closure, dumps, dumpsSync, loads, loadsSync, PicklingError } from "../mod.ts";
import { AnalysisError, analyze } from "../lib/code/analyze.ts";
import { PROTOTYPES } from "../lib/format/tags.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const consume = `${root}tests/cross/run_consume.ts`;
const RUNTIMES = {
  deno: [`${root}node_modules/.bin/deno`, ["run", "-A", consume]],
  bun: [`${root}node_modules/.bin/bun`, [consume]],
} as const;

/** Pickles `run` and calls it in a fresh process of each runtime: their JSON results. */
async function runElsewhere(run: () => unknown): Promise<Record<string, unknown>> {
  const bytes = await dumps(run);
  const out: Record<string, unknown> = {};
  for (const [name, [cmd, args]] of Object.entries(RUNTIMES)) {
    const r = spawnSync(cmd, [...args], { cwd: root, input: bytes, timeout: 60_000 });
    assert.equal(r.status, 0, `${name}: ${r.stderr}`);
    out[name] = JSON.parse(String(r.stdout));
  }
  return out;
}

/** The first tag of a pickle's body (after the header). */
function bodyTag(bytes: Uint8Array): number {
  let i = 6;
  while (bytes[i] & 0x80) i++;
  return bytes[i + 1];
}

describe("analysis: # in comments, strings and templates is no private name", () => {
  it("a method with # in a string, a template and a comment is an ordinary method", () => {
    const a = analyze("m(x) { /* #a */ return `#b${x}` + '#c' + \"#d\"; // #e\n}");
    assert.equal(a.form, "method");
    assert.deepEqual(a.privateNames, []);
  });

  it("a class with # only in text declares no private members", () => {
    const a = analyze('class A { x = "#y"; /* #z */ m() { return `#w`; } }');
    assert.deepEqual(a.privateNames, []);
    assert.deepEqual(a.privateFields, []);
  });

  it("real private names are found: fields, methods, #x in o, this.#x", () => {
    const a = analyze("class A { #f = 1; #m() {} static #s; has(o) { return #f in o; } }");
    assert.deepEqual([...a.privateNames].sort(), ["f", "m", "s"]);
    assert.deepEqual(a.privateFields, ["f"]);
    assert.deepEqual(a.staticPrivateFields, ["s"]);
    assert.equal(analyze("m() { return this.#p; }").form, "private-method");
  });

  it("such a method pickles alone and runs; such a class's instances load anywhere", async () => {
    const o = {
      m(x: number) {
        // #not-a-private-name
        return `#${x}` + "#";
      },
    };
    class Tagged {
      label = "#tag"; // #comment
      show(): string {
        return `${this.label}#`;
      }
    }
    const m = loadsSync(dumpsSync(o.m)) as (x: number) => string;
    assert.equal(m(1), "#1#");
    const t = new Tagged();
    const out = await runElsewhere(closure({ t, m: o.m }, () => [t.show(), m(2)]));
    assert.deepEqual(out, { deno: ["#tag#", "#2#"], bun: ["#tag#", "#2#"] });
  });
});

describe("analysis: computed member keys belong to the enclosing scope", () => {
  it("a class's computed keys are free, not shadowed by the method's parameters or locals", () => {
    const a = analyze("class C { [k](k) { let j = 1; return k + j; } static [j] = 1; }");
    assert.deepEqual(a.free, ["k", "j"]);
    assert.deepEqual(a.definitionNames, ["k", "j"]);
  });

  it("a computed key inside a method body is the method's own", () => {
    assert.deepEqual(analyze("m() { const k = 'a'; return { [k]: 1 }; }").free, []);
    assert.deepEqual(analyze("m() { return { [k]: 1 }; }").free, ["k"]);
  });

  it("a lone method's computed key is not evaluated again: its names are not captured", () => {
    const a = analyze("[key + 'x'](key) { return key; }");
    assert.equal(a.form, "method");
    assert.deepEqual(a.free, []);
    assert.ok(a.computedKey !== undefined);
    assert.deepEqual(analyze("[key](x) { return key + x; }").free, ["key"]);
  });

  it("a method named by a computed key pickles, keeps its name, and pickles again alike", async () => {
    const make = () => {
      const key = "twice";
      const sym = Symbol("s");
      return {
        [key](x: number) {
          return 2 * x;
        },
        get [sym]() {
          return "g";
        },
      };
    };
    const o = make();
    for (const bytes of [dumpsSync(o), await dumps(o)]) {
      const v = loadsSync(bytes) as Record<string | symbol, unknown>;
      const f = v.twice as (x: number) => number;
      assert.equal(f(4), 8);
      assert.equal(f.name, "twice");
      const sym = Object.getOwnPropertySymbols(v)[0];
      assert.equal(v[sym], "g");
      const again = dumpsSync(f);
      assert.deepEqual(dumpsSync(loadsSync(again)), again);
    }
  });

  it("a class whose computed method uses super pickles with its class and runs", async () => {
    const key = "greet";
    class Base {
      greet(): string {
        return "base";
      }
    }
    class Child extends Base {
      override [key](): string {
        return super.greet() + "+child";
      }
      static [key + "All"](): string {
        return "static";
      }
    }
    const run = closure({ Child: closure({ key, Base }, Child) }, () => {
      const C = Child as unknown as {
        new (): { greet(): string };
        greetAll(): string;
        prototype: object;
      };
      return [new C().greet(), C.greetAll(), Object.getOwnPropertyNames(C.prototype)];
    });
    const expected = ["base+child", "static", ["constructor", "greet"]];
    assert.deepEqual(await runElsewhere(run), { deno: expected, bun: expected });
  });
});

describe("analysis: with", () => {
  it("names in a with body may be the object's properties: not required", () => {
    const a = analyze("function f(o) { with (o) { return a + b + typeof c; } }");
    assert.equal(a.usesWith, true);
    assert.deepEqual(a.free, ["a", "b", "c"]);
    assert.deepEqual([...a.optional], ["a", "b", "c"]);
    const b = analyze("function f() { with (obj) { return a; } }");
    assert.ok(!b.optional.has("obj"), "the with object itself is required");
  });

  it("a sloppy function with with, its object captured, pickles and runs", async () => {
    const make = (0, eval)(
      "(function (obj, extra) { return function sum() { with (obj) { return a + b + extra; } }; })",
    ) as (obj: object, extra: number) => () => number;
    const sum = make({ a: 1, b: 2 }, 10);
    // Deno's inspector reads the scope of code made by eval; Bun's preload does not reach it.
    if ("Deno" in globalThis) {
      assert.equal((loadsSync(await dumps(sum)) as () => number)(), 13);
    } else {
      await assert.rejects(
        dumps(sum),
        (e: unknown) => e instanceof PicklingError && /closure\(\{ obj/.test(e.message),
      );
    }
    const explicit = closure({ obj: { a: 1, b: 2 }, extra: 10 }, sum);
    for (const bytes of [dumpsSync(explicit), await dumps(explicit)]) {
      const f = loadsSync(bytes) as () => number;
      assert.equal(f(), 13);
    }
    // Closures of one scope still share it: a setter writes the real captured variable.
    const pair = (0, eval)(`(function () {
      var state = { n: 1 }; var count = 0;
      return { bump() { with (state) { n++; count++; return n + count; } },
               read() { return count; } };
    })()`) as { bump(): number; read(): number };
    const shared = { state: { n: 1 }, count: 0 };
    const both = {
      bump: closure(shared, pair.bump),
      read: closure(shared, pair.read),
    };
    const loaded = (await loads(await dumps(both))) as typeof pair;
    assert.equal(loaded.bump(), 3);
    assert.equal(loaded.bump(), 5);
    assert.equal(loaded.read(), 2);
    const f = explicit;
    const run = closure({ f }, () => f());
    assert.deepEqual(await runElsewhere(run), { deno: 13, bun: 13 });
  });
});

describe("analysis: parameters have a scope of their own", () => {
  it("a default reads the outer variable a body var shadows: it is captured, and runs", async () => {
    const make = () => {
      const x = 5;
      return function f(a = x) {
        // deno-lint-ignore no-var
        var x = 2;
        return a + x;
      };
    };
    const f = make();
    assert.deepEqual(analyze(f.toString()).free, ["x"]);
    assert.equal((loadsSync(await dumps(f)) as () => number)(), 7);
    assert.deepEqual(await runElsewhere(f), { deno: 7, bun: 7 });
  });
});

describe("sloppy-mode functions", () => {
  it("source that parses only in sloppy mode (octal literals, let as a name) loads and runs", async () => {
    const f = (0, eval)("(function () { var let = 2; return 010 + let + k; })") as () => number;
    const value = closure({ k: 1 }, f);
    assert.equal((loadsSync(dumpsSync(value)) as () => number)(), 11);
    assert.deepEqual(await runElsewhere(closure({ value }, () => value())), { deno: 11, bun: 11 });
  });
});

describe("analysis: new.target of the function around an arrow", () => {
  it("is refused with what to do instead, and the remedy pickles", async () => {
    function Made(this: { of?: () => unknown; target?: () => unknown }) {
      this.of = () => new.target;
      const target = new.target;
      this.target = closure({ target }, () => target);
    }
    const made = new (Made as unknown as new () => { of(): unknown; target(): unknown })();
    for (const attempt of [() => dumpsSync({ f: made.of }), () => dumps({ f: made.of })]) {
      await assert.rejects(
        async () => await attempt(),
        (e: unknown) => {
          assert.ok(e instanceof PicklingError);
          assert.equal(e.path, "root.f");
          assert.match(e.message, /uses `new\.target` of the function around it/);
          assert.match(e.message, /const target = new\.target/);
          assert.doesNotMatch(e.message, /could not be parsed/);
          return true;
        },
      );
    }
    const back = loadsSync<{ target(): unknown }>(dumpsSync({ target: made.target }));
    assert.equal(typeof back.target(), "function");
  });
});

describe("analysis: import.meta", () => {
  it("a function using import.meta is refused with what to do instead", async () => {
    function where(): string {
      return import.meta.url;
    }
    assert.throws(() => analyze(where.toString()), AnalysisError);
    for (const attempt of [() => dumpsSync({ where }), () => dumps({ where })]) {
      await assert.rejects(
        async () => await attempt(),
        (e: unknown) => {
          assert.ok(e instanceof PicklingError);
          assert.equal(e.path, "root.where");
          assert.match(e.message, /uses import\.meta, which exists only inside its module/);
          assert.match(e.message, /const url = import\.meta\.url/);
          assert.doesNotMatch(e.message, /could not be parsed/);
          return true;
        },
      );
    }
  });

  it("its remedy works: the URL read outside the function travels as a capture", async () => {
    const url = import.meta.url;
    const where = closure({ url }, () => new URL("./x.txt", url).href);
    const expected = new URL("./x.txt", import.meta.url).href;
    assert.deepEqual(await runElsewhere(closure({ where }, () => where())), {
      deno: expected,
      bun: expected,
    });
  });
});

describe("functions and classes keep a changed [[Prototype]]", () => {
  it("ordinary functions and classes are written as before: no PROTOTYPES prefix", async () => {
    class Base {}
    class Derived extends Base {}
    const values: unknown[] = [
      function f() {},
      () => 1,
      async function a() {},
      function* g() {},
      async function* ag() {},
      { m() {} }.m,
      Base,
      closure({ Base }, Derived),
      class extends null {},
    ];
    for (const v of values) assert.notEqual(bodyTag(await dumps(v)), PROTOTYPES, String(v));
  });

  it("Object.setPrototypeOf(fn, proto) and util.inherits survive a round trip", async () => {
    const base = {
      hello(): string {
        return "hi";
      },
    };
    const fn = Object.setPrototypeOf(function f() {
      return 1;
    }, base) as (() => number) & typeof base;
    function Animal(this: { n: string }, n: string) {
      this.n = n;
    }
    Animal.prototype.speak = function (this: { n: string }) {
      return `${this.n} speaks`;
    };
    function Dog(this: { n: string }, n: string) {
      Animal.call(this, n);
    }
    inherits(Dog, Animal);
    Dog.prototype.bark = () => "woof";
    const value = closure({ Animal }, Dog);
    for (const bytes of [dumpsSync({ fn, base }), await dumps({ fn, base })]) {
      const v = loadsSync(bytes) as { fn: typeof fn; base: object };
      assert.equal(Object.getPrototypeOf(v.fn), v.base);
      assert.equal(v.fn(), 1);
      assert.equal(v.fn.hello(), "hi");
    }
    const run = closure({ Dog: value, fn }, () => {
      const D = Dog as unknown as new (n: string) => { speak(): string; bark(): string };
      const d = new D("rex");
      return [d.speak(), d.bark(), fn.hello(), fn()];
    });
    const expected = ["rex speaks", "woof", "hi", 1];
    assert.deepEqual(await runElsewhere(run), { deno: expected, bun: expected });
  });

  it("a class re-parented after its definition keeps its new parent in a fresh process", async () => {
    class A {
      who(): string {
        return "A";
      }
      static sa(): string {
        return "sA";
      }
    }
    class B {
      who(): string {
        return "B";
      }
      static sb(): string {
        return "sB";
      }
    }
    class C extends A {
      own(): string {
        return `C of ${super.who()}`;
      }
    }
    Object.setPrototypeOf(C, B);
    Object.setPrototypeOf(C.prototype, B.prototype);
    const run = closure({ C: closure({ A }, C), B }, () => {
      const K = C as unknown as {
        new (): { own(): string; who(): string };
        sb?: () => string;
        sa?: () => string;
      };
      const c = new K();
      return [
        c.own(),
        c.who(),
        K.sb?.(),
        typeof K.sa,
        Object.getPrototypeOf(K) === B,
        c instanceof (B as unknown as new () => object),
      ];
    });
    const expected = ["C of B", "B", "sB", "undefined", true, true];
    assert.deepEqual(await runElsewhere(run), { deno: expected, bun: expected });
  });

  it("a prototype chain leading back to the function is refused, not looped on", () => {
    const f = function f() {};
    const g = function g() {};
    Object.setPrototypeOf(f, g);
    Object.setPrototypeOf(g.prototype, f.prototype);
    const t0 = performance.now();
    assert.throws(
      () => dumpsSync(f),
      (e: unknown) => e instanceof PicklingError && /leads back to the function/.test(e.message),
    );
    assert.ok(performance.now() - t0 < 2000);
    // A prototype that merely refers to the function (after it exists) is fine.
    const h = function h() {};
    Object.setPrototypeOf(h, { back: h });
    const v = loadsSync(dumpsSync(h)) as () => void;
    assert.equal((Object.getPrototypeOf(v) as { back: unknown }).back, v);
  });
});
