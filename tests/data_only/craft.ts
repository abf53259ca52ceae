// Hand-made pickles for the data-only tests (data_only_test.ts, data_only_allow_test.ts), after
// the tag table of lib/format/tags.ts, and the checks they share.
import assert from "node:assert/strict";
import { FORMAT_VERSION, type UnpicklingError } from "../../mod.ts";
import { concat, expectUnpicklingError, varint, withHeader } from "../helpers.ts";

/** Bytes before the body of a hand-made pickle shorter than 128 bytes. */
export const HEAD = 7;

/** The load options of a data-only load. */
export const DATA = { allowCode: false } as const;

/** These bytes. */
export const bytes = (...b: number[]): Uint8Array => new Uint8Array(b);

/** A string operand (short string or LATIN1). */
export function str(s: string): Uint8Array {
  const b = new Uint8Array([...s].map((c) => c.charCodeAt(0)));
  return b.length <= 31
    ? concat(bytes(0x40 + b.length), b)
    : concat(bytes(0x92), varint(b.length), b);
}

/** A pickle of the body `parts` with header `flags`. */
export const pickle = (flags: number, ...parts: Uint8Array[]): Uint8Array =>
  withHeader(concat(...parts), FORMAT_VERSION, flags);

/** Asserts `fn` is refused at `offset` with `message`; returns the error. */
export function refusedAt(fn: () => unknown, offset: number, message: RegExp): UnpicklingError {
  const e = expectUnpicklingError(fn);
  assert.equal(e.offset, offset, e.message);
  assert.match(e.message, message);
  return e;
}

/** Built-in prototypes are untouched by everything these tests load. */
export function assertPrototypesClean(): void {
  for (const p of [Object.prototype, Array.prototype, Map.prototype, ArrayBuffer.prototype]) {
    for (const k of ["polluted", "x"]) assert.equal(Object.hasOwn(p, k), false);
  }
  assert.equal(Object.getPrototypeOf(Array.prototype), Object.prototype);
}
