// Run without what reads closure variables (Deno without --allow-sys, Bun without the
// preload): explain and dumps of a closure fail alike; prints both errors as JSON.
import { explain } from "../../explain.ts";
import { dumps } from "../../mod.ts";

const big = new Array(1000).fill(1);
const task = (i: number) => big[i];

async function failure(f: () => Promise<unknown>): Promise<unknown> {
  try {
    await f();
    return null;
  } catch (e) {
    return { name: (e as Error).name, message: (e as Error).message };
  }
}

console.log(JSON.stringify({
  explain: await failure(() => explain({ task })),
  dumps: await failure(() => dumps({ task })),
}));
