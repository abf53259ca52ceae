// A process that pickles new functions for the first time, among them the exports of a module
// it imported after the modules were listed (tests/functions_locate_test.ts). Writes the
// module to the directory given as its argument, and prints one JSON line: the pickle
// (base64), the module's URL, and the inspector commands the pickling sent.
import { dumpsSync, ready } from "../../mod.ts";
import { inspectorActivity } from "../../lib/runtime/inspector/session.ts";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { pathToFileURL } from "node:url";

await ready();
const dir = process.argv[process.argv.length - 1];
const file = join(dir, "later.mjs");
writeFileSync(file, "export function f(x) { return x + 1; }\nexport const g = (x) => x * 2;\n");
const url = pathToFileURL(file).href;
const m = await import(url);
const n = Date.now() % 1e6;
const fns = (0, eval)(`[${Array.from({ length: 30 }, (_, j) => `(x) => x * ${j} + ${n}`)}]`);
const before = { ...inspectorActivity().calls };
const pickle = dumpsSync([fns[0], m.f, ...fns.slice(1, 20), m.g, ...fns.slice(20)]);
const calls: Record<string, number> = {};
for (const [k, v] of Object.entries(inspectorActivity().calls)) calls[k] = v - (before[k] ?? 0);
console.log(JSON.stringify({ pickle: pickle.toBase64(), url, n, calls }));
