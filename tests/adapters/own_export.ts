// A module that pickles one of its own exports while it is evaluating, synchronously: the
// library cannot have its namespace yet.
import { dumpsSync, PicklingError } from "../../mod.ts";

export function double(x: number): number {
  return x * 2;
}

let error = "";
try {
  dumpsSync(double);
} catch (e) {
  error = e instanceof PicklingError ? `PicklingError: ${e.message}` : String(e);
}
export const duringEvaluation = error;
