// Fixture module: re-exports a function of shapes.ts and exports one of its own.
export { area } from "./shapes.ts";

export function perimeter(w: number, h: number): number {
  return 2 * (w + h);
}
