// Pickles closures in this runtime and writes the pickle to stdout as base64.
// Automatic capture where the runtime reads scopes; closure() captures everywhere else.
import { closure, dumps } from "../../mod.ts";

function makeCounter(start: number): { inc: () => number; get: () => number } {
  let n = start;
  return { inc: () => ++n, get: () => n };
}

// deno-lint-ignore prefer-const
let scale = 3;
const scaled = (x: number): number => x * scale;
const counter = makeCounter(10);
counter.inc();

const portable = {
  scaled: closure({ scale }, (x: number): number => x * scale),
  counter: (() => {
    const state = { n: 11 };
    return {
      inc: closure({ state }, () => ++state.n),
      get: closure({ state }, () => state.n),
    };
  })(),
  fact: function fact(n: number): number {
    return n <= 1 ? 1 : n * fact(n - 1);
  },
  gen: closure({ scale }, function* (n: number) {
    for (let i = 0; i < n; i++) yield i * scale;
  }),
  producedBy: typeof (globalThis as { Bun?: unknown }).Bun === "object" ? "bun" : "deno",
};

const mode = Deno_or_Bun_args()[0] ?? "portable";
const value = mode === "automatic" ? { ...portable, scaled, counter } : portable;
const bytes = await dumps(value);
console.log(bytes.toBase64());

function Deno_or_Bun_args(): string[] {
  const g = globalThis as { Deno?: { args: string[] }; process?: { argv: string[] } };
  return g.Deno?.args ?? g.process?.argv.slice(2) ?? [];
}
