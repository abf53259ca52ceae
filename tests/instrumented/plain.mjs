// A plain JavaScript module (no TypeScript pass): line numbers are kept exactly.
let hits = 0;
export function hitter(by) {
  return () => (hits += by);
}

export function hitsNow() {
  return hits;
}

export function throwsOnLine12() {
  throw new Error("line 12");
}
