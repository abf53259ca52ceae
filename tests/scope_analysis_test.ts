// The scope model (lib/code/scope/) against eslint-scope, a well-kept analyzer used here as a
// test-only oracle: on real sources (ES modules of the packages in node_modules, and lib/
// itself with its types stripped), the free variables `analyze` finds for every function,
// class and method equal the references eslint-scope lets through that node's scope, and the
// module variables the Bun transform captures for it equal those of them that resolve. Where
// the two analyzers disagreed, the ECMAScript scoping rules decided; each such case is a named
// case below, checked against the rule itself.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { analyze } from "../lib/code/analyze.ts";
import { capturedNames } from "../lib/instrument/instrument.ts";
import {
  compareCorpus,
  compareTransform,
  type CorpusFile,
  eslintFree,
  eslintScopes,
  functionSites,
  libCorpus,
  type OracleResult,
  packageCorpus,
  parseForOracle,
  typeStripper,
} from "./scope_oracle.ts";

const eslintScope = await import("eslint-scope");

function assertAgree(name: string, r: OracleResult, minFiles: number): void {
  assert.ok(r.files >= minFiles, `${name}: only ${r.files} files in the corpus`);
  const shown = r.disagreements.slice(0, 5).map((d) =>
    `${d.path}: only ours [${d.onlyOurs}], only eslint-scope [${d.onlyOracle}] in ` +
    JSON.stringify(d.source.slice(0, 200))
  );
  assert.equal(r.disagreements.length, 0, `${name}:\n${shown.join("\n")}`);
}

describe("scope model against eslint-scope on real sources", () => {
  const packages: CorpusFile[] = packageCorpus();

  it("analyze: the ES modules of the packages in node_modules", () => {
    const r = compareCorpus(eslintScope, packages);
    assertAgree("packages", r, 40);
    assert.ok(r.functions > 250, `${r.functions} functions`);
    // Every function of these packages is analysed (none is refused).
    assert.deepEqual([...r.refused], []);
  });

  it("analyze: lib/ itself, types stripped", async () => {
    const strip = await typeStripper();
    assert.ok(strip !== undefined, "this runtime strips TypeScript types");
    const r = compareCorpus(eslintScope, libCorpus(strip));
    assertAgree("lib", r, 60);
    // Refused: only functions that use import.meta (they cannot leave their module).
    for (const message of r.refused.keys()) assert.match(message, /import\.meta/);
  });

  it("the Bun transform's captured variables: packages and lib/", async () => {
    const strip = await typeStripper();
    const files = [...packages, ...libCorpus(strip!)];
    const r = compareTransform(eslintScope, files);
    assertAgree("transform", r, 100);
    assert.ok(r.functions > 1000, `${r.functions} functions`);
  });
});

/**
 * Small cases, each a module and what ECMAScript says the free variables are of each function
 * or class in it (in source order, outermost first). `analyze` and eslint-scope must both say
 * that.
 */
const CASES: Record<string, [string, string[][]]> = {
  // Decided by FunctionDeclarationInstantiation (a function with parameter expressions has a
  // separate environment for its body's `var`s): the default sees the outer x. `analyze` used
  // to put parameters and body in one scope and found nothing free; eslint-scope was right.
  "a parameter default does not see the body's var": [
    "const x = 1; export function f(a = x) { var x = 2; return a + x; }",
    [["x"]],
  ],
  "a closure in a parameter default does not see the body's var": [
    "const x = 1; export const f = (g = () => x) => { var x = 2; return g(); };",
    [["x"], ["x"]],
  ],
  // Decided by ClassDefinitionEvaluation (the heritage is evaluated in the class scope, where
  // the class's own name is bound): `A` here is the class (in its TDZ), not an outer A.
  // `analyze` used to resolve the heritage outside the class; eslint-scope was right.
  "a class heritage sees the class's own name": [
    "export const C = class A extends A {};",
    [[]],
  ],
  "a computed class key sees the class's own name": [
    "export class C { [C.x]() {} }",
    [[], []],
  ],
  "a parameter shadows the name of a function expression": [
    "export const f = function g(g) { return g; };",
    [[]],
  ],
  "a parameter default sees a later parameter": [
    "export function f({ a = b }, b) { return a; }",
    [[]],
  ],
  "switch cases share one block": [
    "export function f(x) { switch (x) { case 1: let y = 1; default: return y; } }",
    [[]],
  ],
  "typeof of an undeclared name is a reference": [
    "export function f() { return typeof q; }",
    [["q"]],
  ],
  "labels are not references": [
    "export function f() { l: for (;;) break l; }",
    [[]],
  ],
  "a block's function declaration stays in the block (strict code)": [
    "export function f() { { function g() {} } return g; }",
    [["g"], []],
  ],
  "per-iteration loop bindings and an arrow's own arguments": [
    "export function f(n, fns) { for (let i = 0; i < n; i++) fns.push(() => i + j + arguments.length); }",
    [["j"], ["i", "j", "arguments"]],
  ],
  "static blocks and field initializers": [
    "const k = 1; export class C { static { var z = 1; z; } m = () => this.v + k; x = y; }",
    [["k", "y"], ["k"]],
  ],
};

describe("scope model: cases decided by the ECMAScript scoping rules", () => {
  for (const [name, [text, expected]] of Object.entries(CASES)) {
    it(name, () => {
      const program = parseForOracle(text);
      const manager = eslintScopes(eslintScope, program);
      const sites = functionSites("case", text, program);
      assert.equal(sites.length, expected.length);
      sites.forEach((site, i) => {
        const want = [...expected[i]].sort();
        assert.deepEqual([...analyze(site.source).free].sort(), want, `analyze: ${site.source}`);
        assert.deepEqual([...eslintFree(manager, site)].sort(), want, `eslint: ${site.source}`);
      });
    });
  }

  it("the transform captures what the rules say (module variables only)", () => {
    const text = "const x = 1; let y = 2;\n" +
      "export function f(a = x) { var x = 2; return () => a + x + y + globalThis.z; }\n" +
      "export const C = class A extends A { m() { return A; } };";
    const byRange = new Map(capturedNames(text).map((c) => [text.slice(c.start, c.end), c]));
    const names = (src: string) => [...byRange.get(src)!.names].sort();
    assert.deepEqual(
      names("function f(a = x) { var x = 2; return () => a + x + y + globalThis.z; }"),
      [
        "x",
        "y",
      ],
    );
    assert.deepEqual(names("() => a + x + y + globalThis.z"), ["a", "x", "y"]);
    assert.deepEqual(names("class A extends A { m() { return A; } }"), []);
  });
});
