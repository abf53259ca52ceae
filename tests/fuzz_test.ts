// The fuzz suite: CI_CASES cases of mutated valid pickles, grammar-generated pickles and
// hostile shapes, in child processes of this runtime watched by a watchdog (tests/fuzz/).
// Every outcome must be a value or an UnpicklingError; no other error, hang, crash,
// unhandled rejection, changed built-in, or data-only load slower or larger than its budget.
//
// Long runs and replays: `npm run fuzz -- --help`.
import { describe, it } from "node:test";
import process from "node:process";
import assert from "node:assert/strict";
import { group, signature } from "./fuzz/classify.ts";
import { makeCase } from "./fuzz/cases.ts";
import { buildCorpus } from "./fuzz/corpus.ts";
import { CASE_TIMEOUT_MS, CI_CASES, MIN_CASES_PER_SECOND } from "./fuzz/limits.ts";
import { loadsSync } from "../mod.ts";
import { frame, unhex } from "./fuzz/bytes.ts";
import { currentRuntime, type Failure, runFuzz, type Runtime } from "./fuzz/runner.ts";

/** The seed of the CI run (fixed, so that a failure in CI replays). */
const CI_SEED = 20261207;

/**
 * Failure classes still open, each with its cause. Remove an entry when its fix lands: the
 * suite then proves the fix.
 *
 * - `match`: a failure whose signature (see fuzz/classify.ts) matches is printed but does not
 *   fail the suite (for classes that fail fast);
 * - `skip`: cases whose origin matches are not run at all (for inputs that take seconds, so
 *   that the run stays short; `npm run fuzz` runs them).
 */
const KNOWN: { cause: string; match?: RegExp; skip?: RegExp; runtimes?: Runtime[] }[] = [];

function known(f: Failure, runtime: Runtime): string | undefined {
  const sig = signature(f);
  return KNOWN.find((k) => k.match?.test(sig) && (!k.runtimes || k.runtimes.includes(runtime)))
    ?.cause;
}

/** The origins of cases not run on `runtime`, as one pattern (undefined: none). */
function skipped(runtime: Runtime): RegExp | undefined {
  const parts = KNOWN.filter((k) => k.skip && (!k.runtimes || k.runtimes.includes(runtime)))
    .map((k) => `(?:${k.skip!.source})`);
  return parts.length ? new RegExp(parts.join("|")) : undefined;
}

describe("fuzz", () => {
  it(`${CI_CASES} cases: every outcome is a value or an UnpicklingError`, async () => {
    const runtime = currentRuntime();
    const skip = skipped(runtime);
    const r = await runFuzz({ seed: CI_SEED, to: CI_CASES, skip });
    const pace = (r.cases + r.skipped) / r.seconds;
    console.log(
      `fuzz ${runtime}: ${r.cases} cases in ${r.seconds.toFixed(1)} s (${pace.toFixed(0)}/s), ` +
        `${r.failures.length} failed, seed ${CI_SEED}, ${r.children} child process(es), ` +
        `${r.skipped} skipped (known slow: ${skip?.source ?? "none"})`,
    );
    const open = r.failures.filter((f) => known(f, runtime) === undefined);
    const causes = KNOWN.map((k) => k.cause);
    const used = new Set<number>();
    for (const g of group(r.failures.filter((f) => known(f, runtime) !== undefined))) {
      const n = causes.indexOf(known(g.first, runtime)!);
      used.add(n);
      console.log(`  known #${n}: ${g.count} × ${g.signature.slice(0, 120)}`);
    }
    for (const n of [...used].sort()) console.log(`  #${n}: ${causes[n]}`);
    const report = group(open).map((g) =>
      `${g.count} × ${g.signature}\n    e.g. case ${g.first.case} (${g.first.origin}, ` +
      `${g.first.form}): ${g.first.hex?.slice(0, 400)}\n    replay: npm run fuzz -- ` +
      `--runtime ${runtime} --seed ${CI_SEED} --case ${g.first.case}`
    );
    assert.deepEqual(report, [], `fuzz failures:\n${report.join("\n")}`);
    assert.equal(r.cases + r.skipped, CI_CASES);
    assert.ok(r.skipped < CI_CASES / 50, `${r.skipped} cases skipped`);
    assert.ok(
      pace >= MIN_CASES_PER_SECOND,
      `${pace.toFixed(0)} cases/s, below the budget of ${MIN_CASES_PER_SECOND}/s`,
    );
  });

  it("cases are deterministic: one seed and case number give the same bytes", async () => {
    const corpus = await buildCorpus();
    for (const k of [0, 1, 777, 12345, 19999]) {
      const a = await makeCase(corpus, CI_SEED, k);
      const b = await makeCase(await buildCorpus(), CI_SEED, k);
      assert.deepEqual(a.bytes, b.bytes, `case ${k}`);
      assert.equal(a.form, b.form);
    }
    const other = await makeCase(corpus, CI_SEED + 1, 0);
    const mine = await makeCase(corpus, CI_SEED, 0);
    assert.notDeepEqual(other.bytes, mine.bytes, "another seed gives other cases");
  });

  // The runner itself: each kind of failure is caught, attributed to its case, and the run
  // goes on after it in a new child.
  for (
    const [kind, expect] of [
      ["throw", "error"],
      ["reject", "rejection"],
      ["pollute", "intrinsics"],
      ["crash", "crash"],
      ["hang", "hang"],
    ] as const
  ) {
    it(`the runner reports a case that does "${kind}" as ${expect}`, async () => {
      const started = Date.now();
      const r = await runFuzz({ seed: 1, to: 40, childArgs: [`--selftest=${kind}@17`] });
      assert.equal(r.cases, 40, "every case ran, also those after the failing one");
      const failures = r.failures.filter((f) => f.case === 17);
      assert.equal(failures.length, 1, JSON.stringify(r.failures));
      assert.equal(failures[0].kind, expect);
      if (kind === "hang" || kind === "crash") {
        assert.match(failures[0].hex ?? "", /^4a53504b/, "the replay found the case's bytes");
        assert.equal(r.children, 2);
      }
      if (kind === "hang") {
        assert.ok(Date.now() - started >= CASE_TIMEOUT_MS, "the watchdog waited its timeout");
      }
      if (kind === "pollute") assert.equal(r.children, 2, "a new child after a changed built-in");
    });
  }
});

// Failures the fuzz suite found and that are fixed, each as a test named for the attack.
describe("found by fuzzing", () => {
  it("a sparse array claiming 2^25 - 1 elements does not reserve storage for them", () => {
    // SPARSE_ARRAY, length 2^25 - 1, one element: index 23, null. Was 256 MB and 0.4-0.6 s
    // on Deno (new Array(len)); 128M elements took 1.5 s on Bun.
    for (const lenHex of ["ffffff0f", "8080803d", "d8c0843d"]) {
      const bytes = frame(0, unhex(`77${lenHex}011761`));
      const mem = () => {
        const m = process.memoryUsage();
        return m.heapUsed + m.external;
      };
      const before = mem();
      const started = performance.now();
      const a = loadsSync<unknown[]>(bytes, { allowCode: false });
      const ms = performance.now() - started;
      assert.ok(Array.isArray(a));
      assert.ok(a.length >= 2 ** 25 - 1, String(a.length));
      assert.equal(a[23], null);
      assert.ok(23 in a && !(22 in a) && !(a.length - 1 in a), "only index 23 is set");
      assert.deepEqual(Object.keys(a), ["23"]);
      assert.ok(ms < 250, `${ms.toFixed(0)} ms`);
      assert.ok(mem() - before < 64 * 2 ** 20, `${((mem() - before) / 2 ** 20).toFixed(0)} MiB`);
    }
  });
});
