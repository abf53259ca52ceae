/**
 * Bound functions (`f.bind(thisArg, ...args)`): recognised by what every runtime shows, read
 * through the adapters (`detect.ts`).
 *
 * @module
 */

/** True for a bound function (native source, a "bound " name, no own prototype). */
export function isBoundFunction(fn: object): boolean {
  const name = (fn as { name?: unknown }).name;
  if (typeof name !== "string" || !name.startsWith("bound ")) return false;
  if (Object.hasOwn(fn, "prototype")) return false;
  try {
    return /\[native code\]\s*\}\s*$/.test(Function.prototype.toString.call(fn));
  } catch {
    return false;
  }
}
