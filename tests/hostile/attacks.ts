// Hand-made pickle bodies (data only, no header) shared by the hostile-input tests.

/**
 * Bodies holding promises. Each is an ARRAY (memo 0) holding the promise (memo 1), so that
 * `loads` hands the promise over instead of adopting it.
 */
export const PROMISE_ATTACKS: Record<string, readonly number[]> = {
  // PROMISE fulfilled, value REF 1: the promise itself.
  "fulfilled with itself": [0x76, 0x01, 0x87, 0x00, 0x71, 0x01],
  // PROMISE fulfilled, value PROMISE rejected with 1.
  "fulfilled with a rejected promise": [0x76, 0x01, 0x87, 0x00, 0x87, 0x01, 0x01],
  // PROMISE fulfilled, value REF 0: the array that holds it (valid).
  "fulfilled with the array holding it": [0x76, 0x01, 0x87, 0x00, 0x71, 0x00],
  // A rejected promise, then a byte that is no tag: refused after the promise was made.
  "rejected, then the load is refused": [0x76, 0x02, 0x87, 0x01, 0x05, 0xff],
  // A rejected promise that loads, and that nobody awaits.
  "rejected and never awaited": [0x76, 0x01, 0x87, 0x01, 0x05],
  // PROMISE rejected with itself.
  "rejected with itself": [0x76, 0x01, 0x87, 0x01, 0x71, 0x01],
};

/** The 4-byte pickle body that used to end the process: a promise fulfilled with itself. */
export const SELF_FULFILLED_ROOT: readonly number[] = [0x87, 0x00, 0x71, 0x00];

/** What each attack gives in both forms: an error's name, or "loaded". */
export const PROMISE_OUTCOMES: Record<string, string> = {
  "fulfilled with itself": "UnpicklingError",
  "fulfilled with a rejected promise": "UnpicklingError",
  "fulfilled with the array holding it": "loaded",
  "rejected, then the load is refused": "UnpicklingError",
  "rejected and never awaited": "loaded",
  "rejected with itself": "loaded",
  "4 bytes: fulfilled with itself, at the root": "UnpicklingError",
};

/** The header of a data-only pickle around `body`. */
export function pickleOf(body: readonly number[], version: number): Uint8Array {
  return new Uint8Array([0x4a, 0x53, 0x50, 0x4b, version, 0, body.length, ...body]);
}
