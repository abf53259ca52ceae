// Fixture module: closures (pickled by value) that import a module relative to this file
// when they run.
export function makeTask(n: number): () => Promise<[number, string]> {
  return async () => {
    const helper = await import("./helper.ts");
    return [helper.f(n), helper.where];
  };
}

/** A specifier held in a variable, relative too. */
export function makeDynamicTask(spec: string): () => Promise<string> {
  return async () => (await import(spec)).where;
}

/** A closure with no captured variables. */
export function makeWhereTask(): () => Promise<string> {
  return async () => (await import("./helper.ts")).where;
}
