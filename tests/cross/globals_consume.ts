// Loads the pickles given on standard input as JSON ({ name: { pickle (base64), args?,
// thisArg?, builtin? } }) in a process that has none of the producer's globals, and prints
// as JSON, per name, what the loaded value gave: the result of calling it with `args` (on
// `thisArg`), or, for `builtin` (a path such as "Math.max"), whether it is this runtime's own
// built-in at that path; or { error } when loading or calling threw.
import { loads } from "../../mod.ts";
import { readStdinText } from "./stdin.ts";

interface Entry {
  pickle: string;
  args?: unknown[];
  thisArg?: unknown;
  builtin?: string;
}

const entries = JSON.parse(await readStdinText()) as Record<string, Entry>;
const out: Record<string, unknown> = {};
for (const [name, e] of Object.entries(entries)) {
  try {
    const bytes = Uint8Array.from(atob(e.pickle), (c) => c.charCodeAt(0));
    const v = await loads(bytes);
    if (e.builtin !== undefined) {
      let own: unknown = globalThis;
      for (const key of e.builtin.split(".")) own = (own as Record<string, unknown>)[key];
      out[name] = v === own;
    } else {
      out[name] = await (v as (...a: unknown[]) => unknown).apply(e.thisArg, e.args ?? []);
    }
  } catch (err) {
    out[name] = { error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) };
  }
}
console.log(JSON.stringify(out));
