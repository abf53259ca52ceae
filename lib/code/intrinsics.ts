/**
 * The ECMAScript built-ins by their global names: namespaces and constructors that both
 * runtimes write natively, so that a function with JavaScript source among their members (or
 * their prototypes' members) is user code (lib/code/global_members.ts).
 *
 * @module
 */

/** The global names of the ECMAScript namespaces and constructors. */
export const INTRINSICS: ReadonlySet<string> = new Set(
  (
    "Object Function Array String Number Boolean Symbol BigInt Date RegExp Error AggregateError " +
    "EvalError RangeError ReferenceError SyntaxError TypeError URIError Map Set WeakMap WeakSet " +
    "WeakRef FinalizationRegistry Promise Proxy Reflect Math JSON Atomics Intl ArrayBuffer " +
    "SharedArrayBuffer DataView Int8Array Uint8Array Uint8ClampedArray Int16Array Uint16Array " +
    "Int32Array Uint32Array Float16Array Float32Array Float64Array BigInt64Array BigUint64Array " +
    "Iterator"
  ).split(" "),
);
