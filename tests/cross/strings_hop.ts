// Pickles strings of every kind in one runtime ("dump": prints the pickle as hex) and checks
// them in another ("load": reads that hex on stdin, prints what differs as JSON).
import process from "node:process";
import { readFileSync } from "node:fs";
import { dumpsSync, loadsSync } from "../../mod.ts";
import { stringsOfAllKinds } from "./strings_values.ts";

const values = stringsOfAllKinds();
if (process.argv[2] === "dump") {
  process.stdout.write(dumpsSync(values).toHex() + "\n");
} else {
  const bytes = Uint8Array.fromHex(readFileSync(0, "utf8").trim());
  const out = loadsSync(bytes) as string[];
  const mismatches: number[] = [];
  for (let i = 0; i < values.length; i++) if (out[i] !== values[i]) mismatches.push(i);
  if (out.length !== values.length) mismatches.push(-1);
  // The tags the pickle's strings are written with (headers: 6 bytes and more).
  const tags = [...new Set(values.map((v) => dumpsSync(v)[8]))].sort((a, b) => a - b);
  process.stdout.write(JSON.stringify({ count: out.length, mismatches, tags }) + "\n");
}
