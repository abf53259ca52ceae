// Shared by tests/functions_batch_test.ts and the processes it starts: what a record of
// functions looks like (name, length and their attributes, a call's result), and a process
// that loads a pickle (hex on stdin), describes it and pickles it again.
import process from "node:process";
import { dumpsSync, loadsSync } from "../../mod.ts";

/** Attributes of an own property, as a short string ("-" when it is not own). */
function attrs(o: object, key: string): string {
  const d = Object.getOwnPropertyDescriptor(o, key);
  if (d === undefined) return "-";
  return `${JSON.stringify(d.value)} ${d.writable ? "w" : ""}${d.enumerable ? "e" : ""}${
    d.configurable ? "c" : ""
  }`;
}

/** Name, length (with attributes) and the result of calling with (2, 3), per function. */
export function describeFunctions(fns: Record<string, unknown>): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [k, f] of Object.entries(fns)) {
    if (typeof f !== "function") {
      out[k] = [`not a function: ${typeof f}`];
      continue;
    }
    let result: string;
    try {
      const r = f(2, 3);
      result = r !== null && typeof r === "object" ? Object.prototype.toString.call(r) : String(r);
      if (r instanceof Promise) r.catch(() => {});
    } catch (e) {
      result = `throws ${(e as Error).name}`;
    }
    out[k] = [String(f.name), String(f.length), attrs(f, "name"), attrs(f, "length"), result];
  }
  return out;
}

if (import.meta.main) {
  const chunks: Uint8Array[] = [];
  for await (const c of process.stdin) chunks.push(c as Uint8Array);
  let text = "";
  const utf8 = new TextDecoder();
  for (const c of chunks) text += utf8.decode(c, { stream: true });
  const hex = (text + utf8.decode()).trim();
  const value = loadsSync(Uint8Array.fromHex(hex)) as {
    fns: Record<string, unknown>;
    counter: Record<string, (n?: number) => unknown>;
  };
  const c = value.counter;
  c.inc();
  c.inc();
  c.add(10);
  c.dec();
  const counted = [c.get(), c.history()];
  console.log(JSON.stringify({
    described: describeFunctions(value.fns),
    counted,
    again: dumpsSync(value).toHex(),
  }));
}
