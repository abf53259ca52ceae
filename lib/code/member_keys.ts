/**
 * The value of a variable that a class reads only as the key of its members (`[tag]() {}`),
 * found on the class itself: where no scope shows the variable (V8 keeps none for a variable
 * that only the class definition read), the member whose text is that member's source names
 * the key the definition computed from it.
 *
 * @module
 */

import type { Analysis } from "./analyze.ts";

const fnToString = Function.prototype.toString;
const getOwnPropertyDescriptor = Object.getOwnPropertyDescriptor;

/** What {@linkcode keyFromMembers} answers when the members do not tell the value. */
export const NO_KEY: unique symbol = Symbol("no key");

/**
 * The key that the members of class `cls` keyed by `name` alone carry, when each of them is
 * found on the class (static) or its prototype under exactly one key, the same for all;
 * else {@linkcode NO_KEY}. A key computed from a number or an object is its string: the
 * class evaluated again on load computes the same key from it.
 */
export function keyFromMembers(
  cls: object,
  an: Analysis,
  name: string,
): string | symbol | typeof NO_KEY {
  let key: string | symbol | typeof NO_KEY = NO_KEY;
  for (const m of an.keyedMembers) {
    if (m.name !== name) continue;
    const target = m.isStatic ? cls : (cls as { prototype?: unknown }).prototype;
    if (target === null || (typeof target !== "object" && typeof target !== "function")) {
      return NO_KEY;
    }
    let found: string | symbol | typeof NO_KEY = NO_KEY;
    for (const k of Reflect.ownKeys(target)) {
      const d = getOwnPropertyDescriptor(target, k);
      const f = d === undefined
        ? undefined
        : m.kind === "get"
        ? d.get
        : m.kind === "set"
        ? d.set
        : d.value;
      if (typeof f !== "function" || fnToString.call(f) !== m.text) continue;
      if (found !== NO_KEY) return NO_KEY;
      found = k;
    }
    if (found === NO_KEY || (key !== NO_KEY && key !== found)) return NO_KEY;
    key = found;
  }
  return key;
}
