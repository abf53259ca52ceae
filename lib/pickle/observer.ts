/**
 * The encoder's observer hook: an optional recorder in {@linkcode EncodeOptions} told what the
 * walk decides (which function goes by value or by reference, and why) and given each step of
 * the frame loop, so that it can measure what each part of a value takes in the pickle. Absent,
 * it costs one check per step of the frame loop and per function; the report built on it is
 * lib/explain/.
 *
 * @module
 */

import type { EncodeFrame, Encoder } from "./encoder.ts";
import type { Analysis } from "../code/analyze.ts";
import type { ScopeRecord } from "../code/captures.ts";

/** Why a value a module exports went by value ({@linkcode EncodeObserver.byValue}). */
export const BY_VALUE_ENTRY = 1;
/** Its module is registered with registerPickleByValue. */
export const BY_VALUE_REGISTERED = 2;
/** Its module is listed in `DumpOptions.byValue`. */
export const BY_VALUE_OPTION = 3;
/** Its module has no portable name to be imported by. */
export const BY_VALUE_NO_NAME = 4;

/** A recorder of the encoder's walk (see the module's description). */
export interface EncodeObserver {
  /**
   * Called at each step of the frame loop with the top frame `f`: true when the observer
   * wrote the frame's next child itself (with `writeValue`), false to leave the step to the
   * loop.
   */
  step(enc: Encoder, f: EncodeFrame): boolean;
  /** Called for each function met: `write` writes it, between what the observer notes. */
  fn(enc: Encoder, fn: object, write: (enc: Encoder, fn: object) => void): void;
  /**
   * A value written by reference: `kind` "global" (its path from globalThis), "export" (the
   * export at `path` of `module`, as the pickle names it) or "namespace"; `start` is where
   * its bytes begin.
   */
  reference(
    value: object,
    kind: "global" | "export" | "namespace",
    module: string,
    path: readonly string[],
    start: number,
  ): void;
  /** An instance written as an instance shape and its values, of prototype `proto`. */
  instance(proto: object): void;
  /** A value exported by the module at `url` that goes by value: `why` is a BY_VALUE_* code. */
  byValue(value: object, url: string, why: number): void;
  /** A function written by value: its analysis and the scope record of its captures. */
  code(fn: object, an: Analysis, scope: ScopeRecord | null): void;
  /**
   * A scope record of captures that no scope of the runtime holds: closure() captures, a
   * class's parent, user globals.
   */
  extras(rec: ScopeRecord): void;
}
