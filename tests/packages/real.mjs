// Run by tests/packages_test.ts: closures built by a real npm package (pure-rand, an ES module
// package under node_modules) pickle by value, its exports by reference, and so do those of its
// CommonJS build loaded by `require` (an error is reported as such). Prints JSON.
import { createRequire } from "node:module";
import { purify } from "pure-rand/utils/purify";
import { uniformInt } from "pure-rand/distribution/uniformInt";
import { mersenne } from "pure-rand/generator/mersenne";
import { dumps, dumpsSync, loadsSync, registerPickleByValue } from "../../mod.ts";

const b64 = (bytes) => Buffer.from(bytes).toString("base64");
const out = {};
// A closure the package builds around a function of ours.
const draw = purify((rng, max) => uniformInt(rng, 0, max));
out.closure = b64(await dumps({ draw, rng: mersenne(42) }));
const back = loadsSync(dumpsSync(draw));
out.here = back(mersenne(42), 100)[0] === draw(mersenne(42), 100)[0];
out.refSame = loadsSync(dumpsSync(purify)) === purify;
out.refLength = dumpsSync(purify).length;
try {
  const cjs = createRequire(import.meta.url)("pure-rand/utils/purify");
  dumpsSync(cjs.purify((rng) => rng.next()));
  out.cjsError = null;
} catch (e) {
  out.cjsError = `${e.name}: ${e.message}`;
}
registerPickleByValue("pure-rand");
out.byValue = b64(await dumps(purify));
console.log(JSON.stringify(out));
