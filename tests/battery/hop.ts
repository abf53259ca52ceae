// The far side of a battery in a subprocess of the other runtime: reads {cases: [{name,
// pickle}]} (pickles in base64) on stdin and prints the answers of far.ts as one JSON object.
//
//   deno run -A tests/battery/hop.ts data|code     bun --preload ./preload.ts tests/battery/hop.ts …

import process from "node:process";
import { Buffer } from "node:buffer";
import { answer } from "./far.ts";

const chunks: Buffer[] = [];
for await (const c of process.stdin) chunks.push(c as Buffer);
const input = JSON.parse(Buffer.concat(chunks).toString("utf8")) as {
  cases: { name: string; pickle: string }[];
};
process.stdout.write(JSON.stringify(await answer(process.argv[2], input.cases)));
