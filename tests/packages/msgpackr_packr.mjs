// Run by tests/packages_test.ts: `dump` (Bun with the preload) pickles a msgpackr `Packr`,
// whose constructor keeps arrows over its `this` in local variables and captures
// `%TypedArray%`, and whose classes live in a file the package's exports name only for
// browsers; it prints the pickle in base64 with what the Packr makes of a message. `load`
// reads that from stdin, loads it (another process, any runtime) and prints the same.
import { readFileSync } from "node:fs";
import { Packr } from "msgpackr";
import { dumps, loads } from "../../mod.ts";

const message = { id: 7, tags: ["a", "b"], nested: { x: 1.5, ok: true }, bytes: [1, 2, 3] };
const use = (p) => ({ isPackr: p instanceof Packr, back: p.unpack(p.pack(message)) });
if (process.argv[2] === "dump") {
  const p = new Packr({ useRecords: false });
  const bytes = Buffer.from(await dumps(p)).toString("base64");
  console.log(JSON.stringify({ bytes, values: use(p) }));
} else {
  const p = await loads(new Uint8Array(Buffer.from(readFileSync(0, "utf8"), "base64")));
  console.log(JSON.stringify(use(p)));
}
