/**
 * Formatting of value paths for pickling errors: `root`, `.name`, `["odd key"]`, `[3]`,
 * `[Symbol(desc)]`, and `<key 0>` / `<value 0>` / `<member 0>` for Map and Set entries.
 *
 * @module
 */

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** The path segment of a property key. */
export function keySegment(key: string | symbol): string {
  if (typeof key === "symbol") return `[${String(key)}]`;
  return IDENTIFIER.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}
