// Closures of every kind, defined in a TypeScript module that the preload instruments (no
// closure() calls anywhere): tests/preload_test.ts pickles them.
import { table, twice } from "./dep.ts";

export function makeCounter(start = 0): { inc: () => number; get: () => number } {
  let n = start;
  return { inc: () => ++n, get: () => n };
}

// Module-level bindings: a `let` that changes, a `const` object.
export let moduleLet = 1;
export function setModuleLet(v: number): void {
  moduleLet = v;
}
export const moduleConst = { base: 10 };
export const usesModule = (x: number): number => x + moduleLet + moduleConst.base;

// Imports used by a closure.
export const usesImports = (x: number): number => twice(x) * table.unit;

// Per-iteration loop bindings.
export function loopClosures(): (() => number)[] {
  const out: (() => number)[] = [];
  for (let i = 0; i < 3; i++) out.push(() => i);
  return out;
}

// A catch parameter.
export function catchClosure(): () => string {
  try {
    throw new Error("caught!");
  } catch (e) {
    return () => (e as Error).message;
  }
}

// Nested functions, three levels deep.
export function threeLevels(a: number): (b: number) => (c: number) => number {
  return (b) => (c) => a * 100 + b * 10 + c;
}

// Recursion through a const binding.
export const fib = (n: number): number => (n < 2 ? n : fib(n - 1) + fib(n - 2));

// A function declaration.
export function declared(x: number): number {
  return x + moduleConst.base;
}

// A closure created by a default parameter.
export function withDefault(a: number, f = (): number => a * 2): () => number {
  return f;
}

// A getter in an object literal, sharing its variable with a method.
export function getterObject(start: number): { readonly value: number; bump(): void } {
  let v = start;
  return {
    get value() {
      return v;
    },
    bump() {
      v++;
    },
  };
}

// Generators and async functions capture like any other function.
export function counterGenerator(step: number): () => Generator<number> {
  return function* () {
    for (let i = 0; i < 3; i++) yield i * step;
  };
}

export function asyncAdder(k: number): (x: number) => Promise<number> {
  return async (x) => {
    await null;
    return x + k;
  };
}

// Throws on a known line: stack traces keep the original line numbers.
export function throwsHere(): never {
  throw new Error("line 84");
}
