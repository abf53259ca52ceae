// deno-lint-ignore-file no-explicit-any no-unused-vars
// Functions written the ways real code is written (destructured and defaulted parameters,
// labels, regular expressions, tagged templates, generators, classes with private and static
// parts, object literals with accessors and `super`, direct eval given its variables with
// closure(), …), pickled here and loaded, pickled again and run by Deno and by Bun.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { closure, dumps, loads, PicklingError } from "../mod.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const k = 3;
let counter = 0;
const data = { a: 1, nested: { b: 2 } };
function helper(x: number): number {
  return x * k;
}
const re = /a\/\/b/g;

class Base {
  hello() {
    return "base" + k;
  }
}
const mixin = <T extends new (...a: any[]) => any>(B: T) =>
  class extends B {
    mixed() {
      return "mixed" + k;
    }
  };
class Mixed extends mixin(Base) {
  static #count = 0;
  static #inc() {
    return ++Mixed.#count;
  }
  static bump() {
    return Mixed.#inc();
  }
}
const pick = (flag: boolean) =>
  class extends (flag ? Base : Object) {
    x = k;
  };
const withProps = Object.assign((x: number) => x + withProps.offset, { offset: 5 });

const cases: Record<string, [(...a: any[]) => unknown, unknown[], string]> = {
  classExtendingACall: [
    () => {
      const m = new Mixed();
      return [m.hello(), m.mixed(), Mixed.bump(), Mixed.bump()];
    },
    [],
    '["base3","mixed3",1,2]',
  ],
  classExtendingAConditional: [
    () => {
      const C = pick(true);
      return (new C() as any).hello() + new C().x;
    },
    [],
    '"base33"',
  ],
  functionWithProperties: [withProps, [1], "6"],
  namedGroupsAndLookbehind: [
    (s: string) => s.match(/(?<y>\d{4})-(?<m>\d{2})/)!.groups!.y + /(?<=\$)\d+/.exec("c $42")![0],
    ["2024-05"],
    '"202442"',
  ],
  yieldDelegation: [
    function* () {
      yield* [k, k + 1];
      yield* (function* () {
        yield k * 10;
      })();
    },
    [],
    "[3,4,30]",
  ],
  asyncForAwait: [
    async () => {
      let s = 0;
      for await (const v of [Promise.resolve(k), k + 1]) s += v;
      return s;
    },
    [],
    "7",
  ],
  nullPrototypeLiteral: [
    () => {
      const o = { __proto__: null, a: k } as any;
      return [Object.getPrototypeOf(o) === null, o.a];
    },
    [],
    "[true,3]",
  ],
  privateBrandCheck: [
    () => {
      class P {
        #h = 1;
        static has(o: object) {
          return #h in o;
        }
      }
      return [P.has(new P()), P.has({})];
    },
    [],
    "[true,false]",
  ],
  newFunction: [new Function("a", "b", "return a * b") as (...a: any[]) => unknown, [6, 7], "42"],
  destructured: [({ a, b: [c, d = k] }: any, ...rest: unknown[]) => a + c + d + rest.length, [
    { a: 1, b: [2] },
    9,
    9,
  ], "8"],
  defaultsSeeEarlierParams: [
    function (a: number, b = a * k, c = () => a + b) {
      return c();
    },
    [2],
    "8",
  ],
  argumentsObject: [
    function (..._xs: unknown[]) {
      return arguments.length + k;
    },
    [1, 2],
    "5",
  ],
  newTarget: [
    function F() {
      return new.target === undefined ? "call" : "new";
    },
    [],
    '"call"',
  ],
  labels: [
    (n: number) => {
      let s = 0;
      outer: for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          if (j > i) continue outer;
          s += k;
        }
      }
      return s;
    },
    [3],
    "18",
  ],
  regexLiterals: [(s: string) => s.replace(/\/\/.*$/, "") + re.source, ["x//y"], '"xa\\\\/\\\\/b"'],
  taggedTemplate: [
    (x: number) => {
      const t = (s: TemplateStringsArray, ...v: unknown[]) => s.raw.join("|") + v.join(",");
      return t`a${x}b${k}c`;
    },
    [1],
    '"a|b|c1,3"',
  ],
  optionalChaining: [(o: any) => o?.nested?.b ?? data.nested?.b, [null], "2"],
  generator: [
    function* (n: number) {
      for (let i = 0; i < n; i++) yield i * k;
    },
    [3],
    "[0,3,6]",
  ],
  asyncFunction: [
    async (x: number) => {
      await null;
      return helper(x);
    },
    [2],
    "6",
  ],
  asyncGenerator: [
    async function* () {
      yield k;
      yield helper(k);
    },
    [],
    "[3,9]",
  ],
  classWithPrivateAndStatic: [
    () => {
      class A {
        #p = k;
        static s = 2;
        get p() {
          return this.#p;
        }
        static {
          A.s = 5;
        }
      }
      return new A().p + A.s;
    },
    [],
    "8",
  ],
  mutatesItsVariable: [() => ++counter + counter, [], "2"],
  shadowsAnOuterName: [
    (k: number) => {
      const inner = k;
      return inner + helper(1);
    },
    [10],
    "13",
  ],
  computedKeys: [
    () => {
      const key = "z" + k;
      return { [key]: k, [`t${k}`]: 1 };
    },
    [],
    '{"z3":3,"t3":1}',
  ],
  spread: [(...xs: number[]) => Math.max(...xs, k), [1, 2], "3"],
  typeofUndeclared: [() => typeof (globalThis as any).notDeclaredAnywhere, [], '"undefined"'],
  unicodeNames: [
    () => {
      const π = 3, ñ = k;
      return π + ñ;
    },
    [],
    "6",
  ],
  getterInObjectLiteral: [
    () =>
      ({
        get v() {
          return k;
        },
      }).v,
    [],
    "3",
  ],
  superInObjectLiteralMethod: [
    () => {
      const base = {
        hi() {
          return "b" + k;
        },
      };
      const o = {
        __proto__: base,
        hi() {
          return super.hi() + "!";
        },
      };
      return o.hi();
    },
    [],
    '"b3!"',
  ],
  superInLocalSubclass: [
    () => {
      class Base {
        v() {
          return k;
        }
      }
      class Sub extends Base {
        override v() {
          return super.v() * 2;
        }
      }
      return new Sub().v();
    },
    [],
    "6",
  ],
  bigint: [(x: bigint) => x ** 2n + BigInt(k), [], "12n"],
  catchDestructuring: [
    () => {
      try {
        throw new RangeError("r" + k);
      } catch ({ message }: any) {
        return message;
      }
    },
    [],
    '"r3"',
  ],
  commentLikeStrings: [() => "/* no */ // no" + k, [], '"/* no */ // no3"'],
  logicalAssignment: [
    () => {
      let a: any = null;
      a ??= k;
      a ||= 9;
      a &&= a + 1;
      return a;
    },
    [],
    "4",
  ],
  bound: [helper.bind(null, 5), [], "15"],
  recursiveExpression: [
    function fact(n: number): number {
      return n <= 1 ? 1 : n * fact(n - 1);
    },
    [5],
    "120",
  ],
  mutualRecursion: [
    (() => {
      function even(n: number): boolean {
        return n === 0 ? true : odd(n - 1);
      }
      function odd(n: number): boolean {
        return n === 0 ? false : even(n - 1);
      }
      return even;
    })(),
    [10],
    "true",
  ],
  directEvalWithClosure: [closure({ k }, (x: number) => eval("x + k")), [1], "4"],
};
// The argument bigint cannot travel as JSON: the case closes over it instead.
const three = 3n;
cases.bigint[0] = () => three ** 2n + BigInt(k);

describe("functions as real code writes them", () => {
  it("run the same after a hop to Deno and to Bun and a second hop there", async () => {
    const input: Record<string, [string, unknown[]]> = {};
    for (const [name, [fn, args, want]] of Object.entries(cases)) {
      const bytes = await dumps(fn);
      input[name] = [Buffer.from(bytes).toString("base64"), args];
      // Here too.
      const back = await loads<(...a: unknown[]) => unknown>(bytes);
      assert.equal(typeof back, "function", name);
      if (want.startsWith("[") || name.startsWith("async") || name === "mutatesItsVariable") {
        continue;
      }
      const got = back(...args);
      assert.equal(
        JSON.stringify(got, (_, v) => typeof v === "bigint" ? `${v}n` : v),
        want.endsWith("n") ? JSON.stringify(want) : want,
        name,
      );
    }
    for (
      const [cmd, args] of [
        [`${root}node_modules/.bin/deno`, ["run", "-A"]],
        [`${root}node_modules/.bin/bun`, ["--preload", `${root}preload.ts`]],
      ] as const
    ) {
      const r = spawnSync(cmd, [...args, `${root}tests/syntax_corpus/load.mjs`, `${root}mod.ts`], {
        input: JSON.stringify(input),
        encoding: "utf8",
        timeout: 120_000,
      });
      assert.equal(r.status, 0, r.stderr);
      const out = JSON.parse(r.stdout.trim().split("\n").pop()!);
      for (const [name, [, , want]] of Object.entries(cases)) {
        const expected = want.endsWith("n") ? JSON.stringify(want) : want;
        assert.equal(out[name], expected, `${name} on ${cmd.split("/").pop()}`);
      }
    }
  });

  it("direct eval without closure() is refused, naming the remedy", async () => {
    const f = (x: number) => eval("x + k");
    await assert.rejects(dumps(f), (e: unknown) => {
      assert.ok(e instanceof PicklingError);
      assert.match(e.message, /calls eval\(\) directly/);
      assert.match(e.message, /closure\(\{ name, … \}, fn\)/);
      return true;
    });
    // Not refused: eval of another scope's making, or a local binding named eval.
    const indirect = (code: string) => (0, eval)(code);
    assert.equal((await loads<typeof indirect>(await dumps(indirect)))("1 + 1"), 2);
  });
});
