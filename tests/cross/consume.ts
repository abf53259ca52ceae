// Reads a base64 pickle from stdin, loads it, runs the functions and prints the results.
import { readStdinText } from "./stdin.ts";
import { loads } from "../../mod.ts";

const text = (await readStdinText()).trim();
type Loaded = {
  scaled: (x: number) => number;
  counter: { inc: () => number; get: () => number };
  fact: (n: number) => number;
  gen: (n: number) => Iterable<number>;
  producedBy: string;
};
const v = await loads<Loaded>(Uint8Array.fromBase64(text));
const inc1 = v.counter.inc();
const result = {
  producedBy: v.producedBy,
  scaled: v.scaled(7),
  inc: [inc1, v.counter.inc()],
  get: v.counter.get(),
  fact: v.fact(6),
  gen: [...v.gen(3)],
};
console.log(JSON.stringify(result));
