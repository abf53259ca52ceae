// Loads the two pickles of tests/cross/classes_produce.ts in one process and reports on the
// class tracker: one class, updated by the newer pickle.
import { readStdinText } from "./stdin.ts";
import { loads } from "../../mod.ts";

const text = await readStdinText();
const [a64, b64] = text.trim().split("\n");

type Pt = { x: number; y: number; sum(): number; norm1?: () => number };
type C = { new (x: number, y: number): Pt; count: number };
const a = await loads<{ C: C; p: Pt }>(Uint8Array.fromBase64(a64));
const countAfterFirst = a.C.count;
const b = await loads<{ C: C; q: Pt }>(Uint8Array.fromBase64(b64));
console.log(JSON.stringify({
  sameClass: a.C === b.C,
  crossInstanceof: a.p instanceof b.C && b.q instanceof a.C,
  countAfterFirst,
  countAfterSecond: a.C.count,
  sums: [a.p.sum(), b.q.sum()],
  addedMethodOnOldInstance: typeof a.p.norm1 === "function" ? a.p.norm1() : null,
}));
