// Run by tests/packages_test.ts: `dump` (Bun with the preload) pickles a fast-check arbitrary
// (instances of the package's internal classes holding a closure of ours) and prints it in
// base64 with the values it draws; `load` reads that from stdin, loads it (in another process,
// any runtime) and prints the values the loaded arbitrary draws. JSON.
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { dumps, loads } from "../../mod.ts";

const draw = (a) => fc.sample(a, { seed: 7, numRuns: 20 });
if (process.argv[2] === "dump") {
  const arb = fc.record({ n: fc.integer({ min: 0, max: 9 }).map((x) => x * 2), s: fc.string() });
  const bytes = Buffer.from(await dumps(arb)).toString("base64");
  console.log(JSON.stringify({ bytes, values: draw(arb) }));
} else {
  const arb = await loads(new Uint8Array(Buffer.from(readFileSync(0, "utf8"), "base64")));
  console.log(JSON.stringify(draw(arb)));
}
