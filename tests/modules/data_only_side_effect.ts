// Counts its imports on globalThis: a data-only load must not import it unless allowed
// (tests/data_only_allow_test.ts).

const g = globalThis as { dataOnlySideEffect?: number };
g.dataOnlySideEffect = (g.dataOnlySideEffect ?? 0) + 1;

export function touch(): string {
  return "touched";
}
