/**
 * The kinds of the encoder's frames, and the sub-kinds of its lists (which name a child's
 * place in error paths).
 *
 * @module
 */

// Frame kinds of the walk.
/** Items are the array's elements. */
export const F_ARRAY = 0;
/** Items are the values of obj's keys, in order. */
export const F_OBJECT = 1;
/** Items is a flat list of values; `sub` says what they mean. */
export const F_LIST = 2;
// Sub-kinds of F_LIST (for error paths).
export const S_ROOT = 0;
/** Map entries, key then value. */
export const S_MAP = 1;
/** Set members. */
export const S_SET = 2;
/** A property list: key, flags, value (or getter and setter), …, integrity level. */
export const S_PROPS = 3;
/** A sparse array's elements: index, value, … */
export const S_SPARSE = 4;
/** A reducer's callable, args and state. */
export const S_REDUCE = 5;
/** A promise's outcome. */
export const S_PROMISE = 6;
/** An object's prototype. */
export const S_PROTO = 7;
/** A dense array's elements read from descriptors. */
export const S_SPARSE_DENSE = 8;
/** A scope record's values. */
export const S_SCOPE = 9;
/** Private fields: name, value, … */
export const S_PRIVATE = 10;
/** The captured values a class's definition reads (`keys` holds their names). */
export const S_DEFINITION = 11;
/** Entries of weak collections after the value: collection, key, value, … */
export const S_WEAK = 12;
