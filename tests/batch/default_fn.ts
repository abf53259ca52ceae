// An anonymous default export (its name is "default"), pickled by value by
// tests/functions_batch_test.ts.
export default function (a: number, b: number): number {
  return a - b;
}
