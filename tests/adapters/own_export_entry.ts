// Imports own_export.ts (which pickles its export during its evaluation), then pickles the
// same export after one turn of the event loop: by reference now.
import { double, duringEvaluation } from "./own_export.ts";
import { dumpsSync, loadsSync } from "../../mod.ts";

await new Promise((r) => setTimeout(r, 0));
const p = dumpsSync(double);
console.log(JSON.stringify({
  duringEvaluation,
  afterTurnSame: loadsSync(p) === double,
  byReference: new TextDecoder().decode(p).includes("own_export.ts"),
}));
