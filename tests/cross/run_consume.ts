// Loads a pickled function from standard input (bytes), calls it and prints its result as
// JSON: the pickled function exercises the values it captured, in a fresh process.
import { loads } from "../../mod.ts";

const stdin = (globalThis as unknown as { process: { stdin: AsyncIterable<Uint8Array> } })
  .process.stdin;
const chunks: Uint8Array[] = [];
for await (const chunk of stdin) chunks.push(chunk);
const bytes = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
let at = 0;
for (const c of chunks) {
  bytes.set(c, at);
  at += c.length;
}
const run = await loads(bytes) as () => unknown;
console.log(JSON.stringify(await run()));
