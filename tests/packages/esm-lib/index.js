// An ES module package whose functions build closures (the kind users pickle).
export { number, object, string } from "./lib/schema.js";

const SEPARATOR = "|";
let created = 0;

/** Memoizes `fn` by its arguments. */
export function memoize(fn) {
  const cache = new Map();
  created++;
  return function memoized(...args) {
    const key = args.join(SEPARATOR);
    if (!cache.has(key)) cache.set(key, fn(...args));
    return cache.get(key);
  };
}

/** Right-to-left composition. */
export const compose = (...fns) => (x) => fns.reduceRight((acc, f) => f(acc), x);

/** Curries a function of `fn.length` arguments. */
export function curry(fn) {
  const curried = (...args) =>
    args.length >= fn.length ? fn(...args) : (...more) => curried(...args, ...more);
  return curried;
}

/** A configured generator function. */
export function range(step) {
  return function* (from, to) {
    for (let i = from; i < to; i += step) yield i;
  };
}

/** Exported, so pickled by reference (or by value when the package is registered). */
export function double(x) {
  return x * 2 + created * 0;
}

export function madeSoFar() {
  return created;
}
