// Run by tests/functions_locate_test.ts in a fresh Deno process: pickles, in its first pickling
// call, 40 closures of one factory of this (the entry) module, and prints the inspector
// commands that call sent, by method, and whether the closures came back right.
import { dumpsSync, loadsSync } from "../../mod.ts";
import { inspectorActivity } from "../../lib/runtime/inspector/session.ts";

const offset = 3;
const factory = (k: number) => (x: number) => x * k + offset;
const fns = Array.from({ length: 40 }, (_, i) => factory(i));
const before = { ...inspectorActivity().calls };
const bytes = dumpsSync(fns);
const calls: Record<string, number> = {};
for (const [m, v] of Object.entries(inspectorActivity().calls)) {
  if (v !== (before[m] ?? 0)) calls[m] = v - (before[m] ?? 0);
}
const back = loadsSync<((x: number) => number)[]>(bytes);
console.log(JSON.stringify({ calls, right: back.every((f, i) => f(2) === 2 * i + offset) }));
