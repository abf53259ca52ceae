/**
 * Options of the pickling and unpickling calls, and the reduce protocol's symbols.
 *
 * @module
 */

import type { CodeCache } from "./code_cache.ts";

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
  /**
   * Signs the pickle with HMAC-SHA-256 (async forms only): the key's bytes (32 or more), or
   * a CryptoKey imported as `{ name: "HMAC", hash: "SHA-256" }` with the `"sign"` usage.
   * An unusable key (empty, not a key, a key for another algorithm or without that usage)
   * is a TypeError naming the problem.
   */
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
  /**
   * How faithfully plain objects and arrays are copied. `"exact"` (the default) keeps
   * everything: accessors stay accessors, non-enumerable and symbol-keyed properties,
   * attributes and frozen/sealed states are kept. `"structured"` copies them as
   * `structuredClone` and `node:v8` do, which is faster for data-heavy messages: their own
   * enumerable string-keyed properties become data properties (a getter is read and its
   * value kept), and symbol-keyed and non-enumerable properties, attributes and integrity
   * levels are dropped. Everything else stays as in exact mode: shared references and
   * cycles, holes of sparse arrays, the prototypes of class instances (and their own
   * properties), null-prototype objects, functions and classes (by value or by reference),
   * reducers, and every built-in type. The pickle's header records the mode (`dis` shows
   * "structured"); loading needs no option.
   *
   * @example
   * ```ts
   * import { dumpsSync, loadsSync } from "@cloudpickle/cloudpickle";
   * const row = {
   *   id: 7,
   *   get label() {
   *     return `row ${this.id}`;
   *   },
   * };
   * const copy = loadsSync<typeof row>(dumpsSync(row, { fidelity: "structured" }));
   * // The getter was read: `label` is a data property now.
   * if (Object.getOwnPropertyDescriptor(copy, "label")?.value !== "row 7") throw new Error();
   * ```
   */
  fidelity?: "exact" | "structured";
  /**
   * The code cache of the channel the pickle is sent on: function definitions it has sent
   * before are written by hash (see {@linkcode CodeCache}). The loading side passes the
   * cache of its end of the channel as {@linkcode LoadOptions.codeCache}.
   */
  codeCache?: CodeCache;
  /**
   * The namespace of the class identities this pickle writes (for example, one per client
   * of shared workers): classes pickled under two namespaces stay two classes where both
   * are loaded, even with one source, instead of the later updating the earlier. Loaded
   * back here, a class is still the original one.
   */
  classNamespace?: string;
}

/** Options of {@linkcode loads}, {@linkcode loadsSync}, {@linkcode load} and {@linkcode Unpickler}. */
export interface LoadOptions {
  /** The out-of-band buffers of the pickle, in the order the buffer callback saw them. */
  buffers?: Iterable<ArrayBuffer | ArrayBufferView>;
  /**
   * Default true (false when {@linkcode LoadOptions.allow} is given). False loads data only:
   * a pickle holding any function, class, module import or reduce call is refused with an
   * UnpicklingError before anything is evaluated, no module is imported, no code is generated
   * from strings, and objects get no prototype but those of the built-in classes the library
   * rebuilds (or null): a pickle that gives an object another prototype is refused.
   */
  allowCode?: boolean;
  /**
   * With `allowCode: false`, the code a pickle may refer to by name (Python's
   * `Unpickler.find_class`): the exports and namespaces of the listed modules, and the listed
   * built-ins, load by reference (and may be called by a reduce, and be the prototypes of
   * objects); code by value (functions, classes, scopes) stays refused, and only the listed
   * modules are imported. Either lists of names, or a function asked about each reference.
   *
   * @example
   * ```ts
   * import { dumpsSync, loadsSync } from "@cloudpickle/cloudpickle";
   * const task = { run: Math.max, args: [1, 5] };
   * const loaded = loadsSync<typeof task>(dumpsSync(task), {
   *   allowCode: false,
   *   allow: { globals: ["Math.max"] },
   * });
   * console.log(loaded.run(...loaded.args)); // 5
   * ```
   */
  allow?: AllowList | ((ref: Reference) => boolean);
  /**
   * Imports a module pickled by reference, instead of the runtime's `import()`. It gets the
   * name the pickle holds: `./path/from/root.ts`, `npm:name@version/subpath`, `node:fs`, or
   * a URL. In `loadsSync` it is asked only for modules not loaded already, and must answer
   * synchronously.
   */
  importModule?: (specifier: string) => Promise<unknown> | unknown;
  /** The folder that `./` module names are resolved against; by default the working directory. */
  moduleRoot?: string | URL;
  /**
   * Verifies the pickle's HMAC-SHA-256 before decoding anything (async forms only); an
   * unsigned pickle or a mismatch is an UnpicklingError. One key, or several to rotate keys:
   * `[newKey, oldKey]` accepts a pickle signed with either (sign with the new one; drop the
   * old one once nothing signed with it is left). Keys are bytes or HMAC-SHA-256 CryptoKeys
   * with the `"verify"` usage; an unusable key is a TypeError naming the problem.
   * The bytes are copied before they are verified, and the copy is what is loaded.
   */
  signingKey?: CryptoKey | Uint8Array | readonly (CryptoKey | Uint8Array)[];
  /**
   * {@linkcode load} only: the longest pickle read from a stream, in bytes (default 1 GiB).
   * A header that announces more is refused before anything is allocated for it; the
   * buffer grows with the bytes that arrive, never with the length a header claims.
   */
  maxBytes?: number;
  /**
   * {@linkcode load} only: gives up reading from the stream when aborted. The stream is
   * cancelled with the signal's reason and `load` rejects with that reason itself (as
   * `fetch` does: an `AbortError` DOMException, or the `TimeoutError` of
   * `AbortSignal.timeout(ms)`).
   */
  signal?: AbortSignal;
  /**
   * The most bytes that the resizable ArrayBuffers and growable SharedArrayBuffers of one
   * pickle may reserve together through their `maxByteLength` (default 1 GiB): a reservation
   * is address space taken at once, whatever the buffer's present length.
   */
  maxBufferReserve?: number;
  /**
   * What one load may spend building regular expressions, beyond one unit per byte of the
   * pickle (default 65 536: with the pickle's own bytes, a load spends at most about 65 ms
   * plus 1 µs per byte on them). A unit is at most about a microsecond of the slower runtime.
   * Plain pattern characters are free; features whose build cost is far above their length
   * are counted: a Unicode property escape (`\p{…}`, `\P{…}` with the `u` or `v` flag) 512,
   * a property of strings (`\p{RGI_Emoji}` …) 8192, a class escape (`\w`, `\W`, `\s`, `\S`,
   * `\d`, `\D`, `\b`, `\B`) in a pattern with the `i`, `u` or `v` flag 16, and the n-th
   * named group of a pattern n (named groups cost quadratic time on Bun).
   */
  maxRegExpCost?: number;
  /**
   * The longest authority (user info, host and port) of a URL, in characters (default
   * 16 384). Bun parses a non-ASCII host in time quadratic in its length.
   */
  maxUrlHostLength?: number;
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
  /**
   * The code cache of this end of the channel (see {@linkcode CodeCache}): needed by
   * pickles that a pickler with a code cache made, which name definitions by hash.
   */
  codeCache?: CodeCache;
}

/** The names {@linkcode LoadOptions.allow} admits, as a pickle writes them. */
export interface AllowList {
  /**
   * Modules whose exports and namespace load by reference, by the name the pickle holds:
   * `./path/from/root.ts` (relative to `moduleRoot`), `node:path`, `npm:name@version/subpath`
   * or a URL. Only these are imported.
   */
  modules?: Iterable<string>;
  /** Built-ins that load by reference, by their path from globalThis: `Math.max`, `URL`. */
  globals?: Iterable<string>;
}

/** One reference a pickle makes, as the function form of {@linkcode LoadOptions.allow} sees it. */
export interface Reference {
  /**
   * `"import"`: may `module` be imported (asked for every module of the pickle's module table,
   * before anything is imported or built); `"export"`: its export at `path`; `"namespace"`:
   * its whole namespace; `"global"`: the built-in at `path` from globalThis (also the class of
   * an error the runtime defines, such as `Deno.errors.NotFound`; refused, the error loads as
   * its standard class).
   */
  kind: "import" | "export" | "namespace" | "global";
  /** The module's name as the pickle holds it; "" for a built-in. */
  module: string;
  /** The property path (`Model.fromJSON`, `Math.max`); "" for an import or a namespace. */
  path: string;
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
 * import { dumpsSync, loadsSync, reduce } from "@cloudpickle/cloudpickle";
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
 * import { setState } from "@cloudpickle/cloudpickle";
 * class Counter {
 *   count = 0;
 *   [setState](state: { count: number }) {
 *     this.count = state.count;
 *   }
 * }
 * ```
 */
export const setState: unique symbol = Symbol.for("cloudpickle.setState") as never;
