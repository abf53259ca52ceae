// Loads hand-made pickles that hold promises (some refused, some loaded and dropped), catches
// every error, waits for the runtime to report unhandled rejections, and prints one JSON line
// of outcomes. The parent test checks the exit code and that nothing was reported.
import { FORMAT_VERSION, loads, loadsSync } from "../../mod.ts";
import { pickleOf, PROMISE_ATTACKS, SELF_FULFILLED_ROOT } from "./attacks.ts";

const attacks = {
  ...PROMISE_ATTACKS,
  "4 bytes: fulfilled with itself, at the root": SELF_FULFILLED_ROOT,
};
const outcomes: Record<string, string[]> = {};
for (const [name, body] of Object.entries(attacks)) {
  const got: string[] = [];
  for (const form of ["sync", "async"]) {
    try {
      const bytes = pickleOf(body, FORMAT_VERSION);
      if (form === "sync") loadsSync(bytes, { allowCode: false });
      else await loads(bytes, { allowCode: false });
      got.push("loaded");
    } catch (e) {
      got.push((e as Error).name);
    }
  }
  outcomes[name] = got;
}
// Unhandled rejections are reported after the microtasks drain; give them a few turns.
for (let i = 0; i < 5; i++) await new Promise((r) => setTimeout(r, 10));
console.log(JSON.stringify(outcomes));
