// Run by tests/packages_test.ts from the temporary folder, with the preload: loads esm-lib's
// `memoize` pickled by reference (so `loads` imports the package: nothing here imports it),
// builds a closure with it and pickles that. Reads base64 from stdin, prints base64.
// Argument: <mod.ts path>.
import { readFileSync } from "node:fs";

const { dumps, loads } = await import(process.argv[2]);
const memoize = await loads(new Uint8Array(Buffer.from(readFileSync(0, "utf8"), "base64")));
const inc = memoize((x) => x + 1);
inc(1);
console.log(Buffer.from(await dumps(inc)).toString("base64"));
