/**
 * Options of the pickling and unpickling calls, and the reduce protocol's symbols.
 *
 * @module
 */

/** Options of {@linkcode dumps}, {@linkcode dumpsSync}, {@linkcode dump} and {@linkcode Pickler}. */
export interface DumpOptions {
  /** Extra modules whose functions and classes are pickled by value, for this call only. */
  byValue?: Iterable<string | URL | object>;
  /**
   * The folder that names of project modules are relative to (a path or a file URL); by
   * default the working directory. A module under it is pickled as `./path/from/root.ts`
   * and found again under the loading side's root.
   */
  moduleRoot?: string | URL;
  /**
   * Out-of-band buffers (as pickle protocol 5): called with each ArrayBuffer met. A falsy
   * return keeps that buffer out of the pickle; the caller passes the buffers back to
   * `loads` in the same order through {@linkcode LoadOptions.buffers}. A truthy return
   * writes the buffer into the pickle as usual.
   */
  bufferCallback?: (buffer: ArrayBuffer) => unknown;
  /** Signs the pickle with HMAC-SHA-256 (async forms only). */
  signingKey?: CryptoKey | Uint8Array;
  /**
   * Exact scope sharing on Deno (async forms only). V8 shows a closure's scopes without
   * their identity, so by default two closures whose scopes show the same kind, variables
   * and values are taken as closures of one scope (two fresh counters from two calls of one
   * factory come back as one). With `exactScopes: true`, `dumps` takes one heap snapshot per
   * call to tell scope instances apart (about 0.2-0.6 s, more on a large heap). Bun (with
   * the preload) is always exact, so there it changes nothing, and `dumpsSync` accepts it;
   * `dumpsSync` on Deno refuses it.
   */
  exactScopes?: boolean;
}

/** Options of {@linkcode loads}, {@linkcode loadsSync}, {@linkcode load} and {@linkcode Unpickler}. */
export interface LoadOptions {
  /** The out-of-band buffers of the pickle, in the order the buffer callback saw them. */
  buffers?: Iterable<ArrayBuffer | ArrayBufferView>;
  /**
   * Default true. False loads data only: a pickle holding any function, class, module
   * import or reduce call is refused with an UnpicklingError before anything is evaluated.
   */
  allowCode?: boolean;
  /**
   * Imports a module pickled by reference, instead of the runtime's `import()`. It gets the
   * name the pickle holds: `./path/from/root.ts`, `npm:name@version/subpath`, `node:fs`, or
   * a URL. In `loadsSync` it is asked only for modules not loaded already, and must answer
   * synchronously.
   */
  importModule?: (specifier: string) => Promise<unknown> | unknown;
  /** The folder that `./` module names are resolved against; by default the working directory. */
  moduleRoot?: string | URL;
  /** Verifies the pickle's HMAC-SHA-256 before decoding anything (async forms only). */
  signingKey?: CryptoKey | Uint8Array;
  /**
   * Levels of nesting a load builds: containers inside containers, where a value with a
   * property list (an error, an instance, a function) takes two levels. Default 100 000 (the
   * format promises 20 000 levels round-trip); deeper pickles fail with an UnpicklingError
   * naming this option. A positive integer or `Infinity`.
   */
  maxDepth?: number;
  /**
   * Errors (`Error` and its subclasses, `DOMException`) a load creates at most. Making an
   * error costs 10-20 µs in Deno, so the default is 10 000 plus one per 32 bytes of pickle:
   * every error with a stack takes more. A pickle of more errors than that without stacks
   * (stack deleted, or a DOMException of Bun) fails with an UnpicklingError naming this
   * option. A positive integer or `Infinity`.
   */
  maxErrors?: number;
  /**
   * Objects a load creates at most, of the kinds whose memory outweighs their bytes in the
   * pickle, in units of about 350 bytes (what an empty Map takes in Deno): Map, Set,
   * null-prototype objects, objects with a prototype from the pickle, unique symbols, sparse
   * arrays, URL, URLSearchParams, Blob, File, typed arrays and DataViews count 1; promises
   * and buffers 2; errors and new object shapes (a set of keys first met) 4. The default is
   * 32 768 plus one per 4 bytes of pickle: a one-element Set takes 4 bytes, so ordinary
   * pickles load (one of more than about 65 000 empty Maps or Sets with little else may need
   * more), and a flood of empty Maps stays linear in the pickle's size. More fail with an UnpicklingError naming this option.
   * A positive integer or `Infinity`.
   */
  maxObjects?: number;
}

/**
 * What a `[reduce]()` method or {@linkcode Pickler.reducerOverride} returns: the object is
 * rebuilt as `callable(...args)` (with `new` when `callable` is a class or a built-in
 * constructor other than `Symbol` and `BigInt`), then given `state` through its
 * `[setState](state)` method, or `Object.assign` when it has none.
 */
export type Reduction = readonly [
  // deno-lint-ignore ban-types
  callable: Function,
  args: readonly unknown[],
  state?: unknown,
];

/**
 * The method a class defines to say how its instances are pickled (Python's `__reduce__`).
 *
 * @example
 * ```ts
 * import { dumpsSync, loadsSync, reduce } from "./mod.ts";
 * class Celsius {
 *   constructor(public degrees: number) {}
 *   [reduce]() {
 *     return [Number, [this.degrees]] as const;
 *   }
 * }
 * console.log(loadsSync(dumpsSync(new Celsius(21)))); // [Number: 21]
 * ```
 */
export const reduce: unique symbol = Symbol.for("cloudpickle.reduce") as never;

/**
 * The method that receives the `state` of a {@linkcode Reduction} on load, instead of
 * `Object.assign`.
 *
 * @example
 * ```ts
 * import { setState } from "./mod.ts";
 * class Counter {
 *   count = 0;
 *   [setState](state: { count: number }) {
 *     this.count = state.count;
 *   }
 * }
 * ```
 */
export const setState: unique symbol = Symbol.for("cloudpickle.setState") as never;
