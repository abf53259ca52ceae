/**
 * A count of the work the module table and the module sources do (modules indexed, keys
 * examined), for tests that check a pickle costs no work growing with the modules loaded.
 *
 * @module
 */

/** Modules indexed, and exports, members and module-list entries examined, so far. */
export const tableWork: { modules: number; keys: number } = { modules: 0, keys: 0 };
