// A module that stays evaluating (top-level await) while its closures are pickled from a
// timer: its namespace cannot arrive before it finishes.
import { dumpsSync, loadsSync } from "../../mod.ts";

export const results: string[] = [];
let hits = 10;
const bump = () => ++hits;

function attempt(): void {
  try {
    results.push(`ok ${loadsSync<typeof bump>(dumpsSync(bump))()}`);
  } catch (e) {
    results.push(`error ${(e as Error).message}`);
  }
}

await new Promise<void>((resolve) => {
  setTimeout(() => {
    attempt(); // the library's first use: the module is listed, still evaluating
    setTimeout(() => {
      attempt(); // one turn later
      resolve();
    }, 0);
  }, 0);
});
