// A CommonJS package whose functions build closures: Bun cannot instrument it.
"use strict";
const PREFIX = "cjs:";

function memoize(fn) {
  const cache = new Map();
  return function memoized(x) {
    if (!cache.has(x)) cache.set(x, fn(x));
    return cache.get(x);
  };
}

function label(name) {
  return PREFIX + name;
}

module.exports = { memoize, label };
