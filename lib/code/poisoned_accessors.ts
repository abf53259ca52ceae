/**
 * Engine accessors that stand for values the library cannot rebuild, met as functions to
 * pickle: the `callee` of a strict `arguments` object (%ThrowTypeError%) and V8's accessor of
 * an error's `stack` copied onto another object. What to say of them, with the remedy.
 *
 * @module
 */

/** The accessor strict `arguments` objects have as `callee` (%ThrowTypeError%). */
const THROW_TYPE_ERROR = Object.getOwnPropertyDescriptor(
  (function () {
    return arguments;
  })(),
  "callee",
)?.get;
/** V8's accessor of an error's own `stack` (JavaScriptCore has a data property). */
const ERROR_STACK_GETTER = Object.getOwnPropertyDescriptor(new Error(), "stack")?.get;

/**
 * What to say of an engine accessor met as the value of a property, when it stands for a value
 * the library cannot rebuild: the `callee` of an `arguments` object, or V8's `stack` accessor
 * copied onto an object that is no error.
 */
export function poisonedAccessorMessage(fn: object): string | undefined {
  if (fn === THROW_TYPE_ERROR) {
    return "cannot pickle an arguments object (its callee is the engine's %ThrowTypeError% " +
      "accessor, which cannot be rebuilt): pickle Array.from(arguments) or the rest " +
      "parameter (...args) instead";
  }
  if (fn === ERROR_STACK_GETTER) {
    return "cannot pickle the engine's accessor of an error's stack on an object that is no " +
      "error (a descriptor copied from one?): define the stack as a string property instead";
  }
  return undefined;
}
