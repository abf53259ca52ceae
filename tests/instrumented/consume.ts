// Reads a base64 pickle made by produce.ts from stdin, loads it (in Deno, or in Bun without the
// preload), runs the functions and prints the results as JSON.
import { readStdinText } from "../cross/stdin.ts";
import { loads } from "../../mod.ts";

const text = (await readStdinText()).trim();
type Counter = { inc: () => number; get: () => number };
const v = await loads<{
  counter: Counter;
  makeCounter: (start?: number) => Counter;
  loop: (() => number)[];
  deep: (c: number) => number;
  usesModule: (x: number) => number;
}>(Uint8Array.fromBase64(text));
v.counter.inc();
const made = v.makeCounter(5);
made.inc();
made.inc();
console.log(JSON.stringify({
  counter: v.counter.get(),
  made: made.get(),
  loop: v.loop.map((f) => f()),
  deep: v.deep(3),
  usesModule: v.usesModule(1),
}));
