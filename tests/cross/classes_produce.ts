// Pickles one class in two separate dumps calls, changing it in between, and prints the two
// pickles (base64, one per line).
import { dumps } from "../../mod.ts";

class Point {
  static count = 0;
  constructor(public x: number, public y: number) {
    Point.count++;
  }
  sum(): number {
    return this.x + this.y;
  }
}

const first = await dumps({ C: Point, p: new Point(1, 2) });
Point.count = 5;
(Point.prototype as unknown as { norm1: () => number }).norm1 = function (this: Point) {
  return Math.abs(this.x) + Math.abs(this.y);
};
const second = await dumps({ C: Point, q: new Point(-3, 4) });
console.log(first.toBase64());
console.log(second.toBase64());
