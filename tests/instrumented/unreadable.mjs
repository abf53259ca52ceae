// Run by tests/capture_errors_test.ts where closure variables cannot be read (Bun without the
// preload, Deno without --allow-sys): prints the errors of the sync and async forms as JSON.
import { closure, dumps, dumpsSync, loadsSync } from "../../mod.ts";

const k = 2;
const f = () => k;
const bound = function (x) {
  return this.k + x;
}.bind({ k: 1 }, 2);
const out = {};
for (const [name, value] of [["closure", f], ["bound", bound]]) {
  try {
    dumpsSync(value);
  } catch (e) {
    out[`${name}Sync`] = `${e.name}: ${e.message}`;
  }
  try {
    await dumps(value);
  } catch (e) {
    out[`${name}Async`] = `${e.name}: ${e.message}`;
  }
}
// The remedy that works everywhere.
out.explicit = loadsSync(dumpsSync(closure({ k }, f)))();
console.log(JSON.stringify(out));
