/**
 * The error classes of the library. Every failure of pickling or unpickling is a
 * {@linkcode PickleError}; pickling errors name the path of the offending value, unpickling
 * errors the byte offset where the pickle went wrong.
 *
 * @module
 */

/**
 * Base class of every error this library throws on purpose.
 *
 * @example
 * ```ts
 * import { loadsSync, PickleError } from "@cloudpickle/cloudpickle";
 * try {
 *   loadsSync(new Uint8Array([1, 2, 3]));
 * } catch (e) {
 *   console.log(e instanceof PickleError); // true
 * }
 * ```
 */
export class PickleError extends Error {
  /** Creates an error; `cause` keeps the original error when there is one. */
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * A value could not be pickled. `path` names where it sits in the pickled value, such as
 * `root.items[3].fn`.
 *
 * @example
 * ```ts
 * import { dumpsSync, PicklingError } from "@cloudpickle/cloudpickle";
 * try {
 *   dumpsSync({ a: [new WeakMap()] });
 * } catch (e) {
 *   if (e instanceof PicklingError) console.log(e.path); // "root.a[0]"
 * }
 * ```
 */
export class PicklingError extends PickleError {
  /** Where the offending value sits in the pickled value, e.g. `root.a[3].b`. */
  readonly path: string;
  /** Creates an error for the value at `path`. */
  constructor(message: string, path = "root", options?: { cause?: unknown }) {
    super(`${message} (at ${path})`, options);
    this.path = path;
  }
}

/**
 * A pickle could not be loaded: truncated, corrupt, of another format version, refused
 * (code in a data-only load, a bad signature) or a module that failed to import. `offset`
 * is the byte offset in the pickle where it went wrong; `tag`, for debugging, names the
 * tag (as `lib/format/tags.ts` documents it) whose value was being decoded.
 *
 * @example
 * ```ts
 * import { loadsSync, UnpicklingError } from "@cloudpickle/cloudpickle";
 * try {
 *   loadsSync(new Uint8Array(0));
 * } catch (e) {
 *   if (e instanceof UnpicklingError) console.log(e.offset); // 0
 * }
 * ```
 */
export class UnpicklingError extends PickleError {
  /** Byte offset in the pickle where the problem was found. */
  readonly offset: number;
  /**
   * The name of the tag whose value was being decoded when the problem was found (e.g.
   * `"MAP"` for a corrupt entry of a Map), or undefined outside of any value (the header,
   * the module table, the signature). For debugging: messages never name tags.
   */
  tag: string | undefined;
  /** Creates an error for the problem found at byte `offset` (in the value of `tag`). */
  constructor(
    message: string,
    offset = 0,
    options?: { cause?: unknown; tag?: string | undefined },
  ) {
    super(
      `${message} (at byte ${offset})`,
      options?.cause === undefined ? undefined : { cause: options.cause },
    );
    this.offset = offset;
    this.tag = options?.tag;
  }
}
