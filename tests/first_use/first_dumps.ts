// The first pickling calls of a fresh process (tests/first_use_test.ts): what they set up.
// Prints one JSON line: the inspector's activity, whether the tables of built-ins were built,
// the module table's work, after each step, and what the loaded closures return.
import { dumps, dumpsSync, loads, loadsSync, ready } from "../../mod.ts";
import { inspectorActivity } from "../../lib/runtime/inspector/session.ts";
import { globalsTableBuilt } from "../../lib/code/globals.ts";
import { moduleTableWork } from "../../lib/runtime/modules/table.ts";

const state = () => ({
  activity: inspectorActivity(),
  globals: globalsTableBuilt(),
  work: moduleTableWork(),
});

let n = 41;
const inc = () => ++n;
const first = await dumps(inc);
const afterFirst = state();
const ranFirst = (await loads<() => number>(first))();

const add = (x: number) => x + n;
const sync = dumpsSync(add);
const afterSync = state();
const ranSync = loadsSync<(x: number) => number>(sync)(1);

await ready();
const afterReady = state();

// A function another module exports: by reference, found in the listed table.
const byRef = await dumps(loadsSync);
const afterByRef = state();
const sameLoads = (await loads(byRef)) === loadsSync;

console.log(JSON.stringify({
  afterFirst,
  ranFirst,
  afterSync,
  ranSync,
  afterReady,
  afterByRef,
  sameLoads,
}));
