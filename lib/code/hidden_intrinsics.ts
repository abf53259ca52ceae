/**
 * The ECMAScript intrinsics no property path from `globalThis` reaches: `%TypedArray%` (the
 * parent of `Uint8Array` and its siblings, whose prototype holds `subarray`, `set`, …), the
 * constructors of generator and async functions, the prototypes of generators and of the
 * built-in iterators. Code captures them (`const { subarray } = Uint8Array.prototype`,
 * `Object.getPrototypeOf(Uint8Array)`), so the table of built-ins (globals.ts) walks them too,
 * by the names the specification gives them: a path `%TypedArray%.prototype.set` starts at one.
 *
 * @module
 */

const getPrototypeOf = Object.getPrototypeOf;

/** Runs `get`; undefined where this runtime lacks what it reads. */
function tryGet(get: () => unknown): object | undefined {
  try {
    const v = get();
    return v !== null && (typeof v === "object" || typeof v === "function") ? v : undefined;
  } catch {
    return undefined;
  }
}

/** An iterator helper (`Iterator.from([]).map(…)`), where the runtime has them. */
function iteratorHelper(): unknown {
  const from = (globalThis as { Iterator?: { from?(i: unknown): { map(f: unknown): unknown } } })
    .Iterator?.from;
  return from?.([]).map(() => 0);
}

/** The intrinsics by their names (with the `%`s), in the order the table walks them. */
export const HIDDEN_INTRINSICS: ReadonlyMap<string, object> = (() => {
  const generator = function* () {};
  const asyncGenerator = async function* () {};
  const getters: [string, () => unknown][] = [
    ["%TypedArray%", () => getPrototypeOf(Int8Array)],
    ["%GeneratorFunction%", () => getPrototypeOf(generator).constructor],
    ["%AsyncFunction%", () => getPrototypeOf(async function () {}).constructor],
    ["%AsyncGeneratorFunction%", () => getPrototypeOf(asyncGenerator).constructor],
    ["%GeneratorPrototype%", () => getPrototypeOf(generator.prototype)],
    ["%AsyncGeneratorPrototype%", () => getPrototypeOf(asyncGenerator.prototype)],
    ["%AsyncIteratorPrototype%", () => getPrototypeOf(getPrototypeOf(asyncGenerator.prototype))],
    ["%ArrayIteratorPrototype%", () => getPrototypeOf([][Symbol.iterator]())],
    ["%MapIteratorPrototype%", () => getPrototypeOf(new Map().entries())],
    ["%SetIteratorPrototype%", () => getPrototypeOf(new Set().values())],
    ["%StringIteratorPrototype%", () => getPrototypeOf(""[Symbol.iterator]())],
    ["%RegExpStringIteratorPrototype%", () => getPrototypeOf(/x/[Symbol.matchAll](""))],
    ["%IteratorHelperPrototype%", () => getPrototypeOf(iteratorHelper())],
    ["%ThrowTypeError%", () => Object.getOwnPropertyDescriptor(Function.prototype, "caller")?.get],
  ];
  const out = new Map<string, object>();
  for (const [name, get] of getters) {
    const v = tryGet(get);
    if (v !== undefined) out.set(name, v);
  }
  return out;
})();

/** True for a path segment that names a hidden intrinsic (`%…%`). */
export function isIntrinsicName(segment: string): boolean {
  return segment.length > 2 && segment.startsWith("%") && segment.endsWith("%");
}
