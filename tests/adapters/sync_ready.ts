// Prints what dumpsSync of a closure gives at one moment after the library's import:
// `now` (synchronously), `turn` (after one turn of the event loop), `ready` (after ready()).
import process from "node:process";
import { dumpsSync, loadsSync, PicklingError, ready } from "../../mod.ts";
import { area } from "../modules/shapes.ts";

const mode = process.argv[2] ?? "now";
let n = 40;
n++;
const f = (x: number) => x + n;
if (mode === "turn") await new Promise((r) => setTimeout(r, 0));
if (mode === "ready") await ready();
try {
  const g = loadsSync<typeof f>(dumpsSync(f));
  // A function exported by a module of the program: by reference, the export itself.
  const p = dumpsSync(area);
  const byReference = loadsSync(p) === area && new TextDecoder().decode(p).includes("shapes.ts");
  console.log(JSON.stringify({ ok: true, value: g(1), byReference }));
} catch (e) {
  console.log(JSON.stringify({
    ok: false,
    pickling: e instanceof PicklingError,
    message: (e as Error).message,
  }));
}
