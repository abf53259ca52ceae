// A function of the entry module and an export of another module with the same source text:
// the first pickles of the process (the entry's first, while no module is listed) still
// send the export by reference, as the module's own function. Prints one JSON line.
import { dumps, dumpsSync, loads } from "../../mod.ts";
import { dis } from "../../dis.ts";
import * as other from "./same_text_module.ts";

const form = (globalThis as { Deno?: { args: string[] } }).Deno?.args[0] ?? process.argv[2];
const twice = (x: number) => x * 2;
class Point {
  constructor(public x: number) {}
}
const pickle = (v: unknown) => form === "sync" ? dumpsSync(v) : dumps(v);
const local = await pickle({ twice, Point });
const exported = await pickle({ twice: other.twice, Point: other.Point });
const back = await loads<{ twice: typeof twice; Point: typeof Point }>(exported);
console.log(JSON.stringify({
  localByValue: !/EXPORT/.test(dis(local)),
  exportByRef: (dis(exported).match(/EXPORT/g) ?? []).length === 2,
  sameFunction: back.twice === other.twice,
  sameClass: back.Point === other.Point,
}));
