// Run by tests/loaded_bound_test.ts where the runtime shows no closure scope nor what a bound
// function was made of (Bun without the preload, Deno without --allow-sys): loads the pickle
// on stdin and pickles what came out again, with the sync and the async form. Prints JSON.
import { readFileSync } from "node:fs";
import { dumps, dumpsSync, loadsSync } from "../../mod.ts";

const value = loadsSync(Uint8Array.fromBase64(readFileSync(0, "utf8").trim()));
const out = {};
try {
  out.sync = dumpsSync(value).toBase64();
} catch (e) {
  out.sync = `${e.name}: ${e.message}`;
}
try {
  out.async = (await dumps(value)).toBase64();
} catch (e) {
  out.async = `${e.name}: ${e.message}`;
}
console.log(JSON.stringify(out));
