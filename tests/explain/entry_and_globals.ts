// Run as the program itself (deno run / bun run): explains an export of this entry module, a
// function local to it and a global function defined by evaluated code (as a REPL defines
// them), once at the top level (the entry module still evaluating) and once after, then
// prints the reports, the text of the later one and what the loaded functions return, as
// JSON on stdout.
import { explain, formatExplanation } from "../../explain.ts";
import { dumps, loads } from "../../mod.ts";

export function fromEntry(x: number): number {
  return x * 3;
}

function localToEntry(x: number): number {
  return x - 1;
}

(0, eval)(
  "globalThis.replOffset = 5; globalThis.replHelper = function replHelper(x) { return x * 2 + replOffset; };",
);
const helper = (globalThis as { replHelper?: (x: number) => number }).replHelper!;

const value = { fromEntry, localToEntry, helper };
// At the top level: this module is still evaluating.
const early = await explain(value);

// After this module has finished evaluating, so that its exports can be read.
setTimeout(async () => {
  const report = await explain(value);
  const loaded = await loads<typeof value>(await dumps(value));
  console.log(JSON.stringify({
    early,
    report,
    text: formatExplanation(report),
    results: [loaded.fromEntry(2), loaded.helper(1), loaded.localToEntry(5)],
  }));
}, 0);
