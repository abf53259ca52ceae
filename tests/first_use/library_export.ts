// The first pickling call of a fresh process pickles closures over exports of modules the
// entry imports, whose own values could not be pickled by value (the library's closure():
// it holds a WeakMap): they go by reference, in the async and the sync form alike. Prints
// one JSON line.
import { closure, dumps, dumpsSync, loads } from "../../mod.ts";
import { dis } from "../../dis.ts";

const form = (globalThis as { Deno?: { args: string[] } }).Deno?.args[0] ?? process.argv[2];
const step = 2;
const make = closure({ step }, () => {
  let count = 0;
  return closure({ step, count }, () => (count += step));
});
const g = () => closure;
const bytes = form === "sync" ? dumpsSync({ make, g }) : await dumps({ make, g });
const back = await loads<{ make: typeof make; g: typeof g }>(bytes);
const counter = back.make();
console.log(JSON.stringify({
  byRef: /EXPORT .*export closure/.test(dis(bytes)),
  ran: [counter(), counter()],
  same: back.g() === closure,
}));
