// Loads the pickles given on stdin ({pickles: [base64, …]}) in order, in one process; the last
// one is a function, called with the values of the others (awaited). Prints
// {result, again}: its JSON-able result, and the others pickled again (base64).
//
//   deno run -A tests/battery/call.ts          bun --preload ./preload.ts tests/battery/call.ts

import process from "node:process";
import { Buffer } from "node:buffer";
import { dumps, loads } from "../../mod.ts";

const chunks: Buffer[] = [];
for await (const c of process.stdin) chunks.push(c as Buffer);
const { pickles } = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { pickles: string[] };
const values: unknown[] = [];
for (const p of pickles) values.push(await loads(Buffer.from(p, "base64")));
const check = values.pop() as (...args: unknown[]) => unknown;
const result = await check(...values);
const again = Buffer.from(await dumps(values)).toString("base64");
process.stdout.write(JSON.stringify({ result, again }));
