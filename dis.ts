/**
 * Looks inside a pickle, like Python's `pickletools.dis`: the header, the module table, then
 * one line per tag with its byte offset, nesting depth, role in its container, name, decoded
 * operands and memo id. A corrupt or truncated pickle is shown up to where it stops making
 * sense, then the offset and the reason. Never throws, and takes time linear in the input
 * (long strings and sources are shortened, with their length).
 *
 * Also a command: `deno run --allow-read dis.ts FILE`, `bun dis.ts FILE`, or a pickle on
 * standard input (`… | deno run dis.ts -`); options `--json`, `--max-width N`,
 * `--max-string N`; exit code 1 for a corrupt pickle.
 *
 * @example Disassemble a pickle
 * ```ts
 * import { dumps } from "@cloudpickle/cloudpickle";
 * import { dis, disassemble } from "@cloudpickle/cloudpickle/dis";
 * import assert from "node:assert/strict";
 *
 * const bytes = await dumps({ name: "Ada", tags: ["x"] });
 * const text = dis(bytes);
 * assert.match(text, /OBJECT_NEW_SHAPE shape 0 keys=2 \{name, tags\}/);
 * assert.match(text, /name: SHORT_STRING "Ada"/);
 *
 * const d = disassemble(bytes);
 * assert.equal(d.error, null);
 * assert.deepEqual(d.lines.map((l) => l.name), [
 *   "OBJECT_NEW_SHAPE",
 *   "SHORT_STRING",
 *   "ARRAY",
 *   "SHORT_STRING",
 * ]);
 *
 * const cut = disassemble(bytes.subarray(0, bytes.length - 2));
 * assert.match(cut.error!.reason, /truncated/);
 * ```
 *
 * @module
 */

import process from "node:process";

export { disassemble } from "./lib/dis/disassemble.ts";
export { dis, render } from "./lib/dis/render.ts";
export { TAG_NAMES, tagName } from "./lib/dis/names.ts";
export type {
  Disassembly,
  DisCodeEntry,
  DisError,
  DisHeader,
  DisLine,
  DisModule,
  DisOptions,
} from "./lib/dis/types.ts";

if (import.meta.main) {
  const { main } = await import("./lib/dis/cli.ts");
  process.exitCode = await main(process.argv.slice(2));
}
