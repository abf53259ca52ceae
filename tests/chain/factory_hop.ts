// One hop of a factory chain: loads the factories and everything earlier hops made with them,
// runs all of it, makes one more of each, and sends it all on (also the bytes it received,
// unchanged, must pickle again to the same bytes).
import { dumps, loads } from "../../mod.ts";
import { readStdinText } from "../cross/stdin.ts";

interface Made {
  counter: { inc: () => number; get: () => number };
  add2: (c: number) => number;
  triple: (x: number) => number;
}
interface Factories {
  makeCounter(start: number): Made["counter"];
  add(a: number): (b: number) => (c: number) => number;
  Multiplier: new (k: number) => { times(): (x: number) => number };
  made: Made[];
}

const received = Uint8Array.fromBase64((await readStdinText()).trim());
const v = await loads<Factories>(received);
const again = await dumps(v);
const fixpoint = again.length === received.length && again.every((b, i) => b === received[i]);
// What earlier hops made runs here; each counter counts once more.
const earlier = v.made.map((m) => [m.counter.inc(), m.add2(1), m.triple(2)]);
const hop = v.made.length;
const counter = v.makeCounter(hop * 10);
counter.inc();
v.made.push({ counter, add2: v.add(hop)(1), triple: new v.Multiplier(3).times() });
const runtime = typeof (globalThis as { Bun?: unknown }).Bun === "object" ? "bun" : "deno";
console.log(JSON.stringify({ runtime, fixpoint, earlier, next: (await dumps(v)).toBase64() }));
