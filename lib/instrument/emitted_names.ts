/**
 * Every global name and global expression the transform writes into the code it emits, in one
 * place: the helpers instrumented code calls (installed by `lib/runtime/instrumented.ts`),
 * the binding names of scope records, the parameter of a record function, the reader of
 * private fields and the resolver of relative `import()` specifiers. Changing how emitted code
 * reaches the run-time side is an edit of this file.
 *
 * @module
 */

export {
  RECORD_NAMES,
  REGISTER,
  REGISTER_CLASS,
  REGISTER_NAMED,
  REGISTER_OBJECT,
  THIS,
} from "../runtime/instrumented.ts";
export {
  privateReaderBlock,
  RESTORE_FIELD,
  restoreFieldSource,
} from "../runtime/private_readers.ts";
export { RESOLVER } from "../code/relative_imports.ts";

/** The parameter of a scope record function: `function $cp$a($cp$i) { switch ($cp$i) … }`. */
export const RECORD_PARAM = "$cp$i";
