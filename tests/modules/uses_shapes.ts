// Fixture module: re-exports a function of shapes.ts and exports one of its own. Its name
// sorts after shapes.ts, so shapes.ts is the module a re-exported function is named by.
export { area } from "./shapes.ts";

export function perimeter(w: number, h: number): number {
  return 2 * (w + h);
}
