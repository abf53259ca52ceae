// One hop: loads the pickle named by argv[2] (if any) and checks that its values are this
// process's own exports of tsc-lib, then pickles them (and a closure over them) to argv[3].
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import process from "node:process";
import { Err, makeCounter, plainFn } from "tsc-lib";

const { dumps, loads } = await import(process.env.CP_MOD);
const args = globalThis.Deno?.args ?? process.argv.slice(2);
const ext = createRequire(import.meta.url)("cjs-ext");
let v = {
  Err,
  plainFn,
  use: (s) => plainFn(new Err(s).message),
  count: makeCounter(0),
  // Made by a `.cjs` file that `require` loaded.
  ext: ext.counter(0),
};
if (args[0] !== "-") {
  v = await loads(new Uint8Array(readFileSync(args[0])));
  if (v.Err !== Err || v.plainFn !== plainFn) throw new Error("not this process's exports");
}
// The counter made by the package's CommonJS code keeps its count from hop to hop.
const line = JSON.stringify([
  v.use("a"),
  new v.Err("b").message,
  v.Err === Err,
  v.count(),
  v.ext(),
]);
writeFileSync(args[1], await dumps(v));
console.log(line);
