// Prints what dumpsSync of a closure gives at one moment after the library's import:
// `now` (synchronously), `turn` (after one turn of the event loop), `ready` (after ready()).
import process from "node:process";
import { dumpsSync, loadsSync, PicklingError, ready } from "../../mod.ts";

const mode = process.argv[2] ?? "now";
let n = 40;
n++;
const f = (x: number) => x + n;
if (mode === "turn") await new Promise((r) => setTimeout(r, 0));
if (mode === "ready") await ready();
try {
  const g = loadsSync<typeof f>(dumpsSync(f));
  console.log(JSON.stringify({ ok: true, value: g(1) }));
} catch (e) {
  console.log(JSON.stringify({
    ok: false,
    pickling: e instanceof PicklingError,
    message: (e as Error).message,
  }));
}
