/**
 * The `dis` command line: disassembles a pickle file, or standard input, to standard output.
 *
 *     deno run --allow-read dis.ts FILE      bun dis.ts FILE      … | deno run dis.ts -
 *
 * Exit code 0 for a well-formed pickle, 1 for a corrupt one (the output ends with the offset
 * and the reason), 2 for a usage or input error.
 *
 * @module
 */

import { readFileSync, writeSync } from "node:fs";
import process from "node:process";
import { disassemble } from "./disassemble.ts";
import { render } from "./render.ts";
import type { DisOptions } from "./types.ts";

const USAGE = `usage: dis.ts [--json] [--max-width N] [--max-string N] [FILE | -]
Disassembles a cloudpickle-js pickle: one line per tag (offset, depth, role, tag, operands,
=memo id). Reads standard input when FILE is "-" or missing. Exit code 1 if the pickle is
corrupt.`;

interface Args extends DisOptions {
  json: boolean;
  file: string | null;
}

function parse(argv: string[]): Args | string {
  const a: Args = { json: false, file: null };
  const num = (name: string, v: string | undefined): number | string => {
    const n = Number(v);
    return v !== undefined && Number.isInteger(n) && n >= 0 ? n : `${name} needs a number`;
  };
  for (let i = 0; i < argv.length; i++) {
    const x = argv[i];
    const [flag, inlineValue] = x.startsWith("--") && x.includes("=")
      ? [x.slice(0, x.indexOf("=")), x.slice(x.indexOf("=") + 1)]
      : [x, undefined];
    if (flag === "--json") a.json = true;
    else if (flag === "--max-width" || flag === "--max-string") {
      const n = num(flag, inlineValue ?? argv[++i]);
      if (typeof n === "string") return n;
      if (flag === "--max-width") a.maxWidth = n;
      else a.maxString = n;
    } else if (flag === "-h" || flag === "--help") return "";
    else if (flag !== "-" && flag.startsWith("-")) return `unknown option ${flag}`;
    else if (a.file !== null) return "only one file at a time";
    else a.file = flag;
  }
  if (a.maxWidth !== undefined && a.maxString === undefined && a.maxWidth > 0) {
    // Strings use about half of a line.
    a.maxString = Math.max(8, Math.floor(a.maxWidth / 2));
  }
  return a;
}

async function readStdin(): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  for await (const c of process.stdin) chunks.push(c as Uint8Array);
  const total = chunks.reduce((n, c) => n + c.length, 0);
  const out = new Uint8Array(total);
  let p = 0;
  for (const c of chunks) {
    out.set(c, p);
    p += c.length;
  }
  return out;
}

/**
 * Writes to standard output, synchronously, in chunks; a reader that goes away early
 * (`dis.ts f | head`) ends the output quietly, as a closed pipe does for other commands.
 */
function write(text: string): void {
  const bytes = new TextEncoder().encode(text);
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (let p = 0; p < bytes.length;) {
    try {
      p += writeSync(1, bytes, p, Math.min(65536, bytes.length - p));
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code === "EAGAIN") Atomics.wait(pause, 0, 0, 5);
      else return; // EPIPE and the like: nobody reads any more.
    }
  }
}

/** Runs the command with `argv` (the arguments after the script); returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const args = parse(argv);
  if (typeof args === "string") {
    process.stderr.write(args === "" ? USAGE + "\n" : `dis: ${args}\n${USAGE}\n`);
    return args === "" ? 0 : 2;
  }
  let bytes: Uint8Array;
  try {
    if (args.file === null || args.file === "-") {
      if (args.file === null && process.stdin.isTTY) {
        process.stderr.write(`dis: no file given and standard input is a terminal\n${USAGE}\n`);
        return 2;
      }
      bytes = await readStdin();
    } else {
      bytes = readFileSync(args.file);
    }
  } catch (e) {
    const hint = String(e).includes("allow-read") || (e as { name?: string }).name !== "NotCapable"
      ? ""
      : " (Deno: run with --allow-read)";
    process.stderr.write(`dis: cannot read ${args.file ?? "standard input"}: ${e}${hint}\n`);
    return 2;
  }
  const d = disassemble(bytes, args);
  const text = args.json ? JSON.stringify(d, null, 2) + "\n" : render(d, args);
  write(text);
  return d.error === null ? 0 : 1;
}
