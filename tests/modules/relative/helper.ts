// Fixture module imported relatively, at run time, by the tasks of tasks.ts.
export function f(n: number): number {
  return n * 10 + 1;
}

/** Which copy of this file was loaded. */
export const where: string = import.meta.url;
