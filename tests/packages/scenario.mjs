// Run by tests/packages_test.ts from a temporary folder whose node_modules holds the fixture
// packages: `bun --preload <repo>/preload.ts scenario.mjs <repo>/mod.ts`, or `deno run -A`.
// Builds closures inside the packages, pickles them, and prints what the test checks as JSON.
import { compose, curry, memoize, number, object, range, string } from "esm-lib";
import * as esm from "esm-lib";
import cjs from "cjs-lib";

const lib = await import(process.argv[2]);
const { dumps, dumpsSync, loadsSync, registerPickleByValue, unregisterPickleByValue } = lib;
const b64 = (bytes) => Buffer.from(bytes).toString("base64");

const triple = memoize((x) => x * 3);
triple(2);
const out = {};
const values = {
  triple,
  composed: compose((x) => x + 1, (x) => x * 10),
  curried: curry((a, b, c) => a + b + c)(1),
  evens: range(2),
  schema: object({ name: string(), age: number({ min: 0 }) }),
};
// Async first: on Deno the sync form reads scopes once the inspector session is up.
out.async = b64(await dumps(values));
out.sync = b64(dumpsSync(values));

// Round trip in this process too: the loaded closures run.
const back = loadsSync(dumpsSync(values));
out.here = [back.triple(4), back.composed(2), back.curried(2)(3), [...back.evens(0, 7)]];

// Exports go by reference.
out.refSame = loadsSync(dumpsSync(esm.double)) === esm.double &&
  loadsSync(dumpsSync(cjs.label)) === cjs.label;
out.refBytes = b64(dumpsSync(esm.double));
out.memoizeRef = b64(dumpsSync(esm.memoize));

// registerPickleByValue: the package's exports go by value, with the bindings they use.
registerPickleByValue("esm-lib");
out.byValue = b64(await dumps({ double: esm.double, madeSoFar: esm.madeSoFar }));
unregisterPickleByValue("esm-lib");

// A closure built by a CommonJS package.
try {
  dumpsSync(cjs.memoize((x) => x));
  out.cjsError = null;
} catch (e) {
  out.cjsError = `${e.name}: ${e.message}`;
}
console.log(JSON.stringify(out));
