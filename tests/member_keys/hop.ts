// Loads a pickle of {Tagged, Shape} (base64 on stdin), checks the members run, and writes the
// loaded value pickled again (base64) and one JSON line of results.
import { readStdinText } from "../cross/stdin.ts";
import { dumps, loads } from "../../mod.ts";

type Obj = Record<string | symbol, unknown>;
interface Shape {
  size: number;
  area(): number;
  label: string;
}
type V = { Tagged: new (n: number) => Obj; Shape: { make(): Shape }; t: Obj };
const v = await loads<V>(Uint8Array.fromBase64((await readStdinText()).trim()));
const sym = Object.getOwnPropertySymbols(v.Tagged.prototype)[0];
const s = v.Shape.make();
s.size = 5;
const results = {
  symbolMethod: (new v.Tagged(4)[sym] as () => number)(),
  sameSymbolOnInstance: typeof v.t[sym] === "function" && (v.t[sym] as () => number)() === 6,
  getter: new v.Tagged(4).tag,
  area: s.area(),
  label: s.label,
};
console.log((await dumps(v)).toBase64());
console.log(JSON.stringify(results));
