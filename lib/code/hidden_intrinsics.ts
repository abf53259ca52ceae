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

import { NativeFunction } from "../runtime/native_function.ts";

/** Each intrinsic's name (with the `%`s) and the expression that gives it in a realm. */
const EXPRESSIONS: readonly (readonly [string, string])[] = [
  ["%TypedArray%", "Object.getPrototypeOf(Int8Array)"],
  ["%GeneratorFunction%", "Object.getPrototypeOf(function* () {}).constructor"],
  ["%AsyncFunction%", "Object.getPrototypeOf(async function () {}).constructor"],
  ["%AsyncGeneratorFunction%", "Object.getPrototypeOf(async function* () {}).constructor"],
  ["%GeneratorPrototype%", "Object.getPrototypeOf(function* () {}.prototype)"],
  ["%AsyncGeneratorPrototype%", "Object.getPrototypeOf(async function* () {}.prototype)"],
  [
    "%AsyncIteratorPrototype%",
    "Object.getPrototypeOf(Object.getPrototypeOf(async function* () {}.prototype))",
  ],
  ["%ArrayIteratorPrototype%", "Object.getPrototypeOf([][Symbol.iterator]())"],
  ["%MapIteratorPrototype%", "Object.getPrototypeOf(new Map().entries())"],
  ["%SetIteratorPrototype%", "Object.getPrototypeOf(new Set().values())"],
  ["%StringIteratorPrototype%", 'Object.getPrototypeOf(""[Symbol.iterator]())'],
  ["%RegExpStringIteratorPrototype%", 'Object.getPrototypeOf(/x/[Symbol.matchAll](""))'],
  ["%IteratorHelperPrototype%", "Object.getPrototypeOf(Iterator.from([]).map((x) => x))"],
  ["%ThrowTypeError%", 'Object.getOwnPropertyDescriptor(Function.prototype, "caller").get'],
];

/**
 * The intrinsics of the realm whose `Function` constructor is `makeFunction`, by name, in the
 * order the table walks them; those the realm lacks (or cannot evaluate) are left out.
 */
export function intrinsicsOf(makeFunction: (body: string) => () => unknown): Map<string, object> {
  const out = new Map<string, object>();
  for (const [name, expr] of EXPRESSIONS) {
    try {
      const v = makeFunction(`"use strict"; return ${expr};`)();
      if (v !== null && (typeof v === "object" || typeof v === "function")) out.set(name, v);
    } catch {
      // not in this realm
    }
  }
  return out;
}

let own: Map<string, object> | undefined;

/** This realm's intrinsics by name (computed when first asked). */
export function hiddenIntrinsics(): ReadonlyMap<string, object> {
  return own ??= intrinsicsOf((body) => new NativeFunction(body) as () => unknown);
}

/** True for a path segment that names a hidden intrinsic (`%…%`). */
export function isIntrinsicName(segment: string): boolean {
  return segment.length > 2 && segment.startsWith("%") && segment.endsWith("%");
}
