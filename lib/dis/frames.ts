/**
 * The disassembler's frame kinds: what the children of a container are.
 *
 * @module
 */

export const F_ROOT = 0;
export const F_ARRAY = 1;
export const F_SET = 2;
export const F_OBJECT = 3;
export const F_MAP = 4;
export const F_SPARSE = 5;
export const F_PROPS = 6;
export const F_PRIVATE = 7;
export const F_SCOPE = 8;
export const F_PROMISE = 9;
export const F_REDUCE = 10;
export const F_DEFINE = 11;
/** Entries of weak collections, after the body's value. */
export const F_WEAK = 12;
