// Known functions and classes for data-only loads with an allow-list (tests/data_only_allow_test.ts).

export function add(a: number, b: number): number {
  return a + b;
}

export class Point {
  x: number;
  y: number;
  constructor(x: number, y: number) {
    this.x = x;
    this.y = y;
  }
  norm1(): number {
    return Math.abs(this.x) + Math.abs(this.y);
  }
}

export class Tally extends Map<string, number> {
  total(): number {
    let t = 0;
    for (const v of this.values()) t += v;
    return t;
  }
}

export function sum(bytes: Uint8Array): number {
  let s = 0;
  for (const b of bytes) s += b;
  return s;
}
