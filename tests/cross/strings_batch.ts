// Loads pickles (hex, one a line on stdin) and prints, one a line, what each gave: the value
// as exact text, or the error's name and offset. Deno decodes short strings in batches and
// Bun one by one, so the two outputs must be the same lines (tests/string_batches_test.ts).
import process from "node:process";
import { readFileSync } from "node:fs";
import { loadsSync, UnpicklingError } from "../../mod.ts";

/** Exact text of a loaded value: code units of strings as numbers, so nothing is replaced. */
function show(v: unknown): string {
  if (typeof v === "string") {
    return `s[${
      Array.from(
        v,
        (c) => c.length === 1 ? c.charCodeAt(0) : `${c.charCodeAt(0)},${c.charCodeAt(1)}`,
      ).join(",")
    }]`;
  }
  if (Array.isArray(v)) return `[${v.map(show).join(";")}]`;
  if (v instanceof Uint8Array) return `u8(${[...v].join(",")})`;
  if (typeof v === "bigint") return `${v}n`;
  if (v !== null && typeof v === "object") {
    return `{${Object.entries(v).map(([k, x]) => `${show(k)}:${show(x)}`).join(";")}}`;
  }
  return `${typeof v}:${String(v)}`;
}

const lines = readFileSync(0, "utf8").split("\n").filter((l) => l.length > 0);
const out: string[] = [];
for (const line of lines) {
  try {
    out.push(show(loadsSync(Uint8Array.fromHex(line))));
  } catch (e) {
    out.push(e instanceof UnpicklingError ? `error ${e.offset}` : `NOT AN UnpicklingError: ${e}`);
  }
}
process.stdout.write(out.join("\n") + "\n");
