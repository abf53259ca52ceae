/**
 * The reusable forms of the pickling calls: a {@linkcode Pickler} and an
 * {@linkcode Unpickler} with fixed options (a channel's {@linkcode CodeCache}, a signing key, a
 * reducer override of a subclass).
 *
 * @module
 */

import type { DumpOptions, LoadOptions, Reduction } from "./options.ts";
import { dumpAsyncWith, dumpSyncWith, loadAsyncWith, loadsSync } from "./api.ts";

/**
 * A reusable pickler with fixed options. Subclasses may define
 * {@linkcode Pickler.reducerOverride} to pickle chosen objects their own way.
 *
 * @example
 * ```ts
 * import { loadsSync, Pickler, type Reduction } from "@cloudpickle/cloudpickle";
 * class DatesAsNumbers extends Pickler {
 *   override reducerOverride(value: unknown): Reduction | undefined {
 *     return value instanceof Date ? [Number, [value.getTime()]] : undefined;
 *   }
 * }
 * console.log(loadsSync(new DatesAsNumbers().dumpsSync(new Date(5)))); // [Number: 5]
 * ```
 */
export class Pickler {
  /** The options every call of this pickler uses. */
  readonly options: DumpOptions | undefined;
  /**
   * Consulted first for every object and function met: return a {@linkcode Reduction} to
   * pickle it that way, or undefined to pickle it as usual.
   */
  reducerOverride?(value: unknown): Reduction | undefined;

  /** Creates a pickler with `options`. */
  constructor(options?: DumpOptions) {
    this.options = options;
  }

  /** The subclass's `reducerOverride`, bound to this pickler, if it defines one. */
  private hook(): ((value: unknown) => Reduction | undefined) | undefined {
    const fn = this.reducerOverride;
    return typeof fn === "function" ? (value) => fn.call(this, value) : undefined;
  }

  /** Pickles `value` (async form). */
  dumps(value: unknown): Promise<Uint8Array<ArrayBuffer>> {
    return dumpAsyncWith(value, this.options, this.hook());
  }

  /** Pickles `value` (sync form). */
  dumpsSync(value: unknown): Uint8Array<ArrayBuffer> {
    return dumpSyncWith(value, this.options, this.hook());
  }
}

/**
 * A reusable unpickler with fixed options.
 *
 * @example
 * ```ts
 * import { dumpsSync, Unpickler } from "@cloudpickle/cloudpickle";
 * const dataOnly = new Unpickler({ allowCode: false });
 * console.log(dataOnly.loadsSync(dumpsSync({ ok: true }))); // { ok: true }
 * ```
 */
export class Unpickler {
  /** The options every call of this unpickler uses. */
  readonly options: LoadOptions | undefined;

  /** Creates an unpickler with `options`. */
  constructor(options?: LoadOptions) {
    this.options = options;
  }

  /** Loads a pickle (async form). */
  loads(data: Uint8Array | ArrayBuffer | SharedArrayBuffer): Promise<unknown> {
    return loadAsyncWith(data, this.options);
  }

  /** Loads a pickle (sync form). */
  loadsSync(data: Uint8Array | ArrayBuffer | SharedArrayBuffer): unknown {
    return loadsSync(data, this.options);
  }
}
