// One hop of a chain: loads the pickles given on standard input as JSON ({ name: base64 }) in
// a process that has none of the producer's globals, runs each loaded function, pickles it
// again, and prints as JSON { runtime, results: { name: result | { error } }, next: { name:
// base64 }, same: { name: whether the new pickle has the bytes received } }.
import { dumps, loads } from "../../mod.ts";
import { readStdinText } from "../cross/stdin.ts";

const input = JSON.parse(await readStdinText()) as Record<string, string>;
const b64 = (b: Uint8Array) => btoa(String.fromCharCode(...b));
const results: Record<string, unknown> = {};
const next: Record<string, string> = {};
const same: Record<string, boolean> = {};
for (const [name, pickle] of Object.entries(input)) {
  try {
    const bytes = Uint8Array.from(atob(pickle), (c) => c.charCodeAt(0));
    const fn = await loads<() => unknown>(bytes);
    results[name] = await fn();
    next[name] = b64(await dumps(fn));
    same[name] = next[name] === pickle;
  } catch (err) {
    results[name] = { error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) };
  }
}
const runtime = "Deno" in globalThis ? "deno" : "bun";
console.log(JSON.stringify({ runtime, results, next, same }));
