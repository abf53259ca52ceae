// A module of the program other than the entry (tests/first_use/other_module.ts): it makes
// closures, and exports functions.
let n = 41;
/** A closure over this module's variable: no module exports it. */
export function makeInc(): () => number {
  return () => ++n;
}
/** Exported: goes by reference. */
export function twice(x: number): number {
  return 2 * x;
}
