// The first pickling call of a fresh process pickles a closure another module of the program
// made (tests/first_use_test.ts); mode "sync" uses dumpsSync first. Prints one JSON line:
// whether the table of built-ins was built, what the loaded closure returns, and whether an
// export of that module and a built-in function written in JavaScript went by reference.
import { dumps, dumpsSync, loads, loadsSync } from "../../mod.ts";
import { globalsTableBuilt } from "../../lib/code/globals.ts";
import { makeInc, twice } from "./helper_module.ts";
import process from "node:process";

const sync = process.argv[2] === "sync";
const inc = makeInc();
const t = performance.now();
const bytes = sync ? dumpsSync(inc) : await dumps(inc);
const ms = performance.now() - t;
const globals = globalsTableBuilt();
const ran = (sync ? loadsSync<() => number>(bytes) : await loads<() => number>(bytes))();
const twiceByRef = (await loads(await dumps(twice))) === twice;
// setTimeout is JavaScript on Deno (ext:) and native on Bun; either way a built-in.
const builtinByRef = (await loads(await dumps(setTimeout))) === setTimeout;
console.log(JSON.stringify({ globals, ran, twiceByRef, builtinByRef, ms }));
