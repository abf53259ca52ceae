// Two counters from two calls of one factory, in the same state, pickled together: do they
// stay two after loading? `exact` passes exactScopes. Prints what incrementing one did to
// the other, for the async form and (where it accepts the option) the sync form.
import process from "node:process";
import { dumps, dumpsSync, loads, loadsSync } from "../../mod.ts";

function makeCounter() {
  let n = 0;
  return { inc: () => ++n, get: () => n };
}

type Pair = { a: ReturnType<typeof makeCounter>; b: ReturnType<typeof makeCounter> };
const exactScopes = process.argv[2] === "exact";
const pair: Pair = { a: makeCounter(), b: makeCounter() };

function outcome(copy: Pair) {
  copy.a.inc();
  copy.a.inc();
  return { a: copy.a.get(), b: copy.b.get(), aIncGetShared: copy.a.inc() === 3 };
}

/** Counters of two iterations of one loop: a block scope each, holding a small integer. */
function loopCounters() {
  const out: { inc(): number; get(): number }[] = [];
  for (let i = 0; i < 2; i++) {
    let c = 0;
    out.push({ inc: () => ++c, get: () => c });
  }
  return out;
}
const loops = await loads<ReturnType<typeof loopCounters>>(
  await dumps(loopCounters(), { exactScopes }),
);
const blocks = [loops[0].inc(), loops[0].inc(), loops[1].get()];

const t = performance.now();
const asyncForm = outcome(await loads<Pair>(await dumps(pair, { exactScopes })));
const asyncMs = performance.now() - t;
let syncForm: unknown;
try {
  syncForm = outcome(loadsSync<Pair>(dumpsSync(pair, { exactScopes })));
} catch (e) {
  syncForm = { error: (e as Error).message };
}
console.log(JSON.stringify({ asyncForm, syncForm, asyncMs, blocks }));
