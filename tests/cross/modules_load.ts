// Loads a pickle from stdin (base64) and prints, as JSON, the loaded value's type and what
// a loaded function returns when called with 1, or the error that loading raised.
import { loads } from "../../mod.ts";
import { readStdinText } from "./stdin.ts";

try {
  const v = await loads(Uint8Array.fromBase64((await readStdinText()).trim()));
  const result = typeof v === "function" ? await (v as (x: number) => unknown)(1) : undefined;
  console.log(JSON.stringify({ type: typeof v, result }));
} catch (e) {
  console.log(JSON.stringify({ error: (e as Error).name, message: (e as Error).message }));
}
