// Run as the program itself (deno run / bun run): explains an export of this entry module
// and a global function defined by evaluated code (as a REPL defines them), then prints the
// report, its text and what the loaded functions return, as JSON on stdout.
import { explain, formatExplanation } from "../../explain.ts";
import { dumps, loads } from "../../mod.ts";

export function fromEntry(x: number): number {
  return x * 3;
}

(0, eval)(
  "globalThis.replOffset = 5; globalThis.replHelper = function replHelper(x) { return x * 2 + replOffset; };",
);
const helper = (globalThis as { replHelper?: (x: number) => number }).replHelper!;

// After this module has finished evaluating, so that its exports are known.
setTimeout(async () => {
  const value = { fromEntry, helper };
  const report = await explain(value);
  const loaded = await loads<typeof value>(await dumps(value));
  console.log(JSON.stringify({
    report,
    text: formatExplanation(report),
    results: [loaded.fromEntry(2), loaded.helper(1)],
  }));
}, 0);
