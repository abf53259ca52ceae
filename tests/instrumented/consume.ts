// Reads a base64 pickle made by produce.ts from stdin, loads it (in Deno, or in Bun without the
// preload), runs the functions and prints the results as JSON.
import "../../lib/runtime/scopes_instrumented.ts";
import { loads } from "../../mod.ts";

const chunks: Uint8Array[] = [];
const stdin = (globalThis as unknown as { process: { stdin: AsyncIterable<Uint8Array> } })
  .process.stdin;
for await (const chunk of stdin) chunks.push(chunk);
const text = new TextDecoder().decode(
  chunks.reduce((a, b) => {
    const out = new Uint8Array(a.length + b.length);
    out.set(a);
    out.set(b, a.length);
    return out;
  }, new Uint8Array(0)),
).trim();
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
