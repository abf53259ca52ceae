// Fixture module of explain_test.ts: makes closures that no module exports.
export function makeScaler(k: number): (x: number) => number {
  return (x) => x * k;
}
