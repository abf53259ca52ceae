// Imported by closures.ts: closures there capture these imports.
export const table = { unit: 3 };

export function twice(x: number): number {
  return 2 * x;
}
