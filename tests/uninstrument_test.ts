// A function's source as a pickle carries it: without the scope records and registrations the
// Bun preload (or the loader) added, whichever way Bun's printer laid them out, so that the
// loading side can instrument it again without declaring a record twice.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { withoutInstrumentation } from "../lib/code/uninstrument.ts";
import { instrument } from "../lib/instrument/instrument.ts";

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
});
