// Prints (hex) a pickle dumped with fidelity "structured": records with a getter, a symbol key
// and a non-enumerable property, a shared object, a cycle, a class instance and a function.
import { dumpsSync } from "../../mod.ts";

class Point {
  constructor(public x: number, public y: number) {}
  norm1(): number {
    return Math.abs(this.x) + Math.abs(this.y);
  }
}
const shared = { unit: "ms" };
const rows = [];
for (let i = 0; i < 3; i++) {
  const row: Record<string, unknown> = {
    id: i,
    at: 1_705_320_000_000 + i,
    get label() {
      return `row ${i}`;
    },
    [Symbol("dropped")]: true,
    meta: shared,
  };
  Object.defineProperty(row, "hidden", { value: 1, enumerable: false });
  rows.push(row);
}
const message: Record<string, unknown> = {
  rows,
  point: new Point(3, -4),
  scale: (v: number) => v * 10,
  sparse: [1, , 3],
};
message.self = message;
process.stdout.write(Buffer.from(dumpsSync(message, { fidelity: "structured" })).toString("hex"));
