/**
 * Entry of a pool's subprocess workers (`deno run -A <this file>`,
 * `bun --preload <package>/preload.ts <this file>`, or `node <this file>` of the npm build): reads length-prefixed pickled jobs on
 * stdin, writes the pickled replies on stdout. The console writes to stderr, so a task's
 * `console.log` cannot break the frames.
 *
 * @module
 */

import process from "node:process";
import { dumpsSync, loadsSync } from "../../mod.ts";
import { frame, FrameReader } from "./framing.ts";
import { createRunner } from "./runner.ts";
import type { ReplyMessage, RunMessage, SkipMessage } from "./protocol.ts";

console.log = console.error;
console.info = console.error;
console.debug = console.error;

const write = (m: ReplyMessage) => {
  process.stdout.write(frame(dumpsSync(m)));
};

const run = createRunner(false, false);
const reader = new FrameReader();
// One job at a time, in arrival order (the pool may send one ahead, behind the one that
// runs; a skipped one is dropped unless it started).
let chain: Promise<void> = Promise.resolve();
const queued = new Set<number>();
process.stdin.on("data", (chunk: Uint8Array) => {
  for (const f of reader.push(new Uint8Array(chunk))) {
    const m = loadsSync(f, { allowCode: false }) as RunMessage | SkipMessage;
    if (m.t === "skip") {
      queued.delete(m.id);
      continue;
    }
    queued.add(m.id);
    chain = chain.then(async () => {
      if (queued.delete(m.id)) write(await run(m));
      else await run.skip(m);
    });
  }
});
process.stdin.on("end", () => {
  chain.then(() => process.exit(0));
});
write({ t: "ready" });
