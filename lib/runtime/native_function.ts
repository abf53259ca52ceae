/**
 * The engine's own `Function` constructor, for the library's generated code (record
 * constructors, intrinsics lookups): on Bun the preload puts a stand-in in its place that
 * instruments the functions it makes (lib/instrument/function_constructor.ts), and the
 * library's code must not be instrumented. The stand-in keeps the original in a global slot,
 * so that every copy of the library finds it, whenever it is loaded.
 *
 * @module
 */

/** Where the preload keeps the engine's `Function` once it replaced the global one. */
export const NATIVE_FUNCTION_SLOT: unique symbol = Symbol.for(
  "cloudpickle.nativeFunction",
) as never;

/** The engine's `Function` constructor. */
export const NativeFunction: FunctionConstructor =
  (globalThis as { [NATIVE_FUNCTION_SLOT]?: FunctionConstructor })[NATIVE_FUNCTION_SLOT] ??
    Function;
