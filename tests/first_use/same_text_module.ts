// Exports with the same source text as functions of tests/first_use/same_text.ts.
export const twice = (x: number) => x * 2;
export class Point {
  constructor(public x: number) {}
}
