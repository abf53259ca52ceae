// A function's source as a pickle carries it: without the scope records and registrations the
// Bun preload (or the loader) added, whichever way Bun's printer laid them out, so that the
// loading side can instrument it again without declaring a record twice.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { withoutInstrumentation } from "../lib/code/uninstrument.ts";
import { instrument } from "../lib/instrument/instrument.ts";
import { dumps, loadsSync } from "../mod.ts";

describe("withoutInstrumentation", () => {
  it("drops a record Bun printed in one declaration with the variables after it", () => {
    // As Bun prints an instrumented method: the record (an arrow, it reads `this`) merged
    // with the method's own first `const`, and a loop body's record turned into a `let`.
    const printed = `shrink(value) {
    const $cp$b = ($cp$i) => {
      switch ($cp$i) {
        case 0:
          return this;
        case -1:
          return $cp$a;
      }
    }, shrinks = [], seen = 0;
    for (let i = 0; i < 2; i++) {
      let $cp$a = function($cp$i) {
        switch ($cp$i) {
          case 0:
            return i;
        }
      };
      shrinks.push($cp$f($cp$a, () => this.arb + i));
    }
    return shrinks;
  }`;
    const out = withoutInstrumentation(printed);
    assert.doesNotMatch(out, /\$cp\$/);
    assert.match(out, /const shrinks = \[\], seen = 0;/);
    assert.match(out, /shrinks\.push\(\(\) => this\.arb \+ i\)/);
  });

  it("gives back the original text of functions the transform instrumented", () => {
    const src = `export class Job {
  handlers = { bump: () => ++this.base };
  constructor(base) { this.base = base; }
  task(k) { const m = 2; return (x) => x * m + k + this.base; }
  static maker() { return () => new this(7); }
}
export function outer(v) { let n = v; return [() => n++, () => this]; }`;
    const code = instrument(src, { sourceType: "module" }).code;
    assert.match(code, /return this/, "records read `this`");
    const pieces: [string, string | undefined][] = [
      ["task(k)", "\n  static"],
      ["function outer", undefined],
    ];
    for (const [start, end] of pieces) {
      const original = src.slice(
        src.indexOf(start),
        end === undefined ? undefined : src.indexOf(end),
      );
      const from = code.indexOf(start);
      const instrumented = code.slice(
        from,
        end === undefined ? undefined : code.indexOf(end, from),
      );
      assert.notEqual(instrumented, original);
      assert.equal(withoutInstrumentation(instrumented), original);
    }
  });

  it("keeps a registered function in parentheses where its call stood tighter", () => {
    // Bun inlines a variable used once into its use: `const M = (b) => b * k; return M(3)` is
    // printed as the registration call applied to 3. Without parentheses the arrow would take
    // the call into its body (`(b) => b * k(3)`), a wrong function that still parses.
    const reg = (fn: string) => `$cp$n($cp$a, { M: ${fn} }, "M")`;
    const cases: [string, string][] = [
      [`() => {\n  return ${reg("(b) => b * k")}(3);\n}`, "return ((b) => b * k)(3);"],
      [`() => ${reg("(s) => s[0]")}\`x\``, "(s) => s[0])`x`"],
      [`() => typeof (${reg("() => k")} + "")`, 'typeof ((() => k) + "")'],
      [`() => ${reg("(x) => x * k")}?.(4)`, "((x) => x * k)?.(4)"],
      [`() => ${reg("function () { return k; }")}()`, "(function () { return k; })()"],
      [`() => new (${reg("class { v = k; }")})().v`, "(class { v = k; })"],
      [`() => ${reg("(x) => x")}.length`, "((x) => x).length"],
    ];
    for (const [printed, expected] of cases) {
      const out = withoutInstrumentation(printed);
      assert.doesNotMatch(out, /\$cp\$/);
      assert.ok(out.includes(expected), `${out} has ${expected}`);
    }
    // Where any expression stands as it is, the text is left as it was written.
    const loose = withoutInstrumentation(
      `() => { const g = ${reg("(x) => x")}; return [${reg("() => 1")}, f(${reg("() => 2")})]; }`,
    );
    assert.equal(loose, "() => { const g = (x) => x; return [() => 1, f(() => 2)]; }");
  });

  it("Bun: a function whose variables Bun inlined into calls runs the same after loading", async () => {
    const k = 2;
    const fns: (() => unknown)[] = [
      () => {
        const M = (b: number) => b * k;
        return M(3);
      },
      () => {
        const t = (s: TemplateStringsArray) => s[0] + k;
        return t`x`;
      },
      () => {
        const f = () => k;
        return typeof (f + "") + k;
      },
      () => {
        const f = (x: number) => x * k;
        return f?.(4);
      },
      () => {
        const g = () =>
          function () {
            return k;
          };
        return g()();
      },
    ];
    for (const f of fns) {
      const again = loadsSync<() => unknown>(await dumps(f));
      assert.equal(again(), f(), String(f));
    }
  });
});
