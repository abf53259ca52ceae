/**
 * The whole-value API: {@linkcode dumps}, {@linkcode dumpsSync}, {@linkcode loads},
 * {@linkcode loadsSync}, and the {@linkcode Pickler} / {@linkcode Unpickler} classes.
 *
 * @module
 */

import {
  FLAG_CODE,
  FLAG_CODE_CACHE,
  FLAG_MODULES,
  FLAG_SIGNED,
  HEADER_MAX,
} from "../format/tags.ts";
import { readHeader, writeHeader } from "../format/header.ts";
import { UnpicklingError } from "../errors.ts";
import { types } from "node:util";
import { isThenable, loadedOutcome } from "../values/async_values.ts";
import type { DumpOptions, LoadOptions, Reduction } from "./options.ts";
import { type EncodeMode, type EncodeOptions, Encoder, type Settled } from "./encoder.ts";
import { AsyncInputs, encodeAsync } from "./prefetch.ts";
import { readModuleTable, withModuleTable } from "../format/module_table.ts";
import { type DecodeOptions, Decoder } from "./decoder.ts";
import { appendMac, checkSigningKey, verifyingKeys, verifyMac } from "./signing.ts";
import { allowPolicy, allowsCode, checkImports, withListsRead } from "./allow.ts";
import { DEFAULT_LIMITS, limitsOf } from "./limits.ts";
import type { BoundParts, PrivateFields, ReadScopes } from "../runtime/adapter.ts";
import { instrumentedScopeReader } from "../runtime/detect.ts";
import { manyLocated, settleModules } from "../runtime/modules/listing.ts";
import { refreshModules } from "../runtime/modules/table.ts";
import { holdInspector, releaseInspector } from "../runtime/inspector/session.ts";
import { learnStack } from "../runtime/inspector/locate.ts";
import { importTable, loadedModules, type ModuleResolver } from "./module_imports.ts";
import { asBytes, oobBuffers, type PickleBytes, privateCopy } from "./load_input.ts";
import { registryEntry } from "../code/registry.ts";
import { asRoot, defaultRoot } from "../runtime/modules/names.ts";
import type { EncodeObserver } from "./observer.ts";
import type { CodeCache, Definition } from "./code_cache.ts";
import { readCodeTable, resolveMissing, withCodeTable } from "./code_table.ts";

let idleWalker: Encoder | undefined;
let idleAsyncWalker: Encoder | undefined;
let idleDecoder: Decoder | undefined;

/** The pickle of what `walker` wrote since HEADER_MAX: header, module table, body. */
function pickleOf(walker: Encoder, signed: boolean, cache: CodeCache | undefined): Uint8Array {
  const w = walker.w;
  const flags = walker.flags | (signed ? FLAG_SIGNED : 0);
  if (cache !== undefined && walker.codeUses.defs.length > 0) {
    return withCodeTable(w, walker.modules.names, walker.codeUses, cache, flags);
  }
  return walker.modules.names.length === 0
    ? w.take(writeHeader(w.buf, HEADER_MAX, w.pos - HEADER_MAX, flags))
    : withModuleTable(w, walker.modules.names, flags);
}

function walkSync(value: unknown, opts: EncodeOptions): Uint8Array {
  const walker = idleWalker !== undefined && !idleWalker.busy ? idleWalker : new Encoder();
  idleWalker ??= walker;
  walker.busy = true;
  holdInspector();
  try {
    learnStack(); // the caller's module, while it is on the stack (V8)
    if (manyLocated()) refreshModules();
    const w = walker.w;
    w.reset(HEADER_MAX);
    walker.walk(value, opts);
    while (walker.scopesGrew) {
      // A scope record gained a variable after it was written (instrumented scopes): find
      // what the grown records hold, once, then write again with every record complete.
      const find = { ...opts, bufferCallback: undefined, keepScopes: true };
      walker.walk(value, find, true);
      try {
        for (let more = walker.grownValues(); more.length > 0; more = walker.grownValues()) {
          walker.resume(more, find);
        }
      } finally {
        walker.release();
      }
      w.reset(HEADER_MAX);
      walker.walk(value, { ...opts, keepScopes: true });
    }
    return pickleOf(walker, false, opts.codeCache);
  } finally {
    walker.busy = false;
    releaseInspector();
  }
}

/** Whether `options.fidelity` asks for the structured mode; a TypeError for an unknown mode. */
function fidelityOf(options: DumpOptions | undefined): boolean {
  const f = options?.fidelity;
  if (f === undefined || f === "exact") return false;
  if (f === "structured") return true;
  throw new TypeError(
    `unknown fidelity ${JSON.stringify(String(f))}: pass "exact" (the default) or "structured"`,
  );
}

function rootOf(root: string | URL | undefined): string | undefined {
  return root === undefined ? undefined : asRoot(root);
}

function walkOptions(
  mode: EncodeMode,
  options: DumpOptions | undefined,
  override: ((value: unknown) => Reduction | undefined) | undefined,
  settled?: Map<object, Settled>,
  scopes?: Map<object, ReadScopes>,
  scopesUnavailable?: string,
  bound?: Map<object, BoundParts>,
  privates?: Map<object, PrivateFields>,
  rechecked?: Set<object>,
  locations?: Map<object, string | null>,
  observer?: EncodeObserver,
): EncodeOptions {
  const extra = options?.byValue;
  return {
    mode,
    byValue: extra === undefined ? undefined : Array.from(extra, registryEntry),
    exactScopes: mode === "async" && options?.exactScopes === true ? true : undefined,
    structured: fidelityOf(options) ? true : undefined,
    moduleRoot: rootOf(options?.moduleRoot),
    bufferCallback: options?.bufferCallback,
    codeCache: options?.codeCache,
    classNamespace: options?.classNamespace,
    reducerOverride: override,
    settled,
    scopes,
    scopesUnavailable,
    bound,
    privates,
    rechecked,
    locations,
    observer,
  };
}

/**
 * The walk options of a sync call with no options, made once (no walk writes to them): one
 * object of 17 fields less per call.
 */
const SYNC_DEFAULTS: EncodeOptions = walkOptions("sync", undefined, undefined);

/**
 * A pickle's bytes: always over a plain (non-shared) ArrayBuffer of their own, so they can be
 * transferred (`postMessage(bytes, [bytes.buffer])`) and given to WebCrypto or `Blob`.
 */
type Pickle = Uint8Array<ArrayBuffer>;

export function dumpSyncWith(
  value: unknown,
  options: DumpOptions | undefined,
  override: ((value: unknown) => Reduction | undefined) | undefined,
): Pickle {
  if (options?.signingKey !== undefined) {
    throw new TypeError(
      "cannot sign in the sync form: signing needs WebCrypto, which is async; use dumps or dump",
    );
  }
  if (options?.exactScopes && instrumentedScopeReader() === undefined) {
    throw new TypeError(
      "cannot keep exact scopes in the sync form: exactScopes needs the async form here " +
        "(V8 tells scope instances apart only in a heap snapshot, which it sends " +
        "asynchronously); use dumps or dump",
    );
  }
  if (options === undefined && override === undefined) {
    return walkSync(value, SYNC_DEFAULTS) as Pickle;
  }
  const opts = walkOptions("sync", options, override, undefined);
  if (opts.bufferCallback !== undefined) opts.oob = { ids: new Map(), count: 0 };
  return walkSync(value, opts) as Pickle;
}

export async function dumpAsyncWith(
  value: unknown,
  options: DumpOptions | undefined,
  override: ((value: unknown) => Reduction | undefined) | undefined,
  observer?: EncodeObserver,
): Promise<Pickle> {
  const key = options?.signingKey;
  if (key !== undefined) checkSigningKey(key);
  const got = new AsyncInputs();
  await settleModules();
  const walker = idleAsyncWalker !== undefined && !idleAsyncWalker.busy
    ? idleAsyncWalker
    : new Encoder();
  idleAsyncWalker ??= walker;
  walker.busy = true;
  let bytes: Uint8Array;
  try {
    await encodeAsync(
      walker,
      value,
      got,
      () =>
        walkOptions(
          "async",
          options,
          override,
          got.settled,
          got.scopes,
          got.unavailable,
          got.bound,
          got.privates,
          got.rechecked,
          got.locations,
          observer,
        ),
    );
    bytes = pickleOf(walker, key !== undefined, options?.codeCache);
  } finally {
    walker.release();
    walker.busy = false;
    await got.release();
  }
  return (key === undefined ? bytes : await appendMac(bytes, key)) as Pickle;
}

/**
 * {@linkcode dumps} with `observer` told the decisions and steps of the walks (the last walk
 * is the one that writes the pickle): what lib/explain/ reports from.
 *
 * @internal
 */
export function dumpsObserved(
  value: unknown,
  options: DumpOptions | undefined,
  observer: EncodeObserver,
): Promise<Pickle> {
  return dumpAsyncWith(value, options, undefined, observer);
}

/** The error of a pickle with code in a load that allows none. */
const CODE_REFUSED = "cannot load the pickle: it holds code, and code is not allowed " +
  "(allowCode: false); load it with allowCode: true only if it comes from a trusted source";

/** What the build is given for a pickle without modules loaded with the default options. */
const DEFAULT_BUILD: DecodeOptions = Object.freeze({
  allowCode: true,
  buffers: Object.freeze([]) as unknown as ArrayBuffer[],
  limits: DEFAULT_LIMITS,
});

function loadSyncWith(
  bytes: Uint8Array,
  options: LoadOptions | undefined,
  resolveModules?: ModuleResolver,
): unknown {
  const header = readHeader(bytes)!;
  const allowCode = allowsCode(options);
  const allow = allowCode ? undefined : allowPolicy(options?.allow);
  if (!allowCode && allow === undefined && header.flags & (FLAG_CODE | FLAG_MODULES)) {
    throw new UnpicklingError(CODE_REFUSED, 5);
  }
  const decoder = idleDecoder !== undefined && !idleDecoder.busy ? idleDecoder : new Decoder();
  idleDecoder ??= decoder;
  decoder.busy = true;
  try {
    let start = header.bodyStart;
    let modules: object[] | undefined;
    let specs: string[] | undefined;
    if (header.flags & FLAG_MODULES) {
      const table = readModuleTable(bytes, start, header.bodyEnd);
      const root = rootOf(options?.moduleRoot) ?? defaultRoot();
      if (resolveModules !== undefined) {
        modules = resolveModules(table, root); // imported (and checked) by importModules
      } else {
        if (allow !== undefined) checkImports(allow, table.specs, table.offsets);
        modules = loadedModules(table, root, options?.importModule);
      }
      specs = table.specs;
      start = table.valueStart;
    }
    let code: Definition[] | undefined;
    if (header.flags & FLAG_CODE_CACHE) {
      const table = readCodeTable(bytes, start, header.bodyEnd, options?.codeCache);
      code = table.defs;
      start = table.valueStart;
    }
    // (Default options and no modules, the common case: one shared options object.)
    if (options === undefined && modules === undefined && code === undefined) {
      return decoder.decode(bytes, start, header.bodyEnd, DEFAULT_BUILD);
    }
    return decoder.decode(bytes, start, header.bodyEnd, {
      allowCode,
      buffers: oobBuffers(options?.buffers),
      modules,
      specs,
      allow,
      limits: limitsOf(options),
      maxDepth: options?.maxDepth,
      maxErrors: options?.maxErrors,
      maxObjects: options?.maxObjects,
      code,
    });
  } finally {
    decoder.busy = false;
  }
}

/** Reads the module table of a pickle and imports every module it names. */
async function importModules(
  bytes: Uint8Array,
  options: LoadOptions | undefined,
): Promise<ModuleResolver | undefined> {
  const header = readHeader(bytes)!;
  if (!(header.flags & FLAG_MODULES)) return undefined;
  let allow: ReturnType<typeof allowPolicy>;
  if (!allowsCode(options)) {
    allow = allowPolicy(options?.allow);
    if (allow === undefined) return undefined; // refused by the build, before imports
  }
  const table = readModuleTable(bytes, header.bodyStart, header.bodyEnd);
  // Only the modules the allow-list admits are imported (data-only loads).
  if (allow !== undefined) checkImports(allow, table.specs, table.offsets);
  const root = rootOf(options?.moduleRoot) ?? defaultRoot();
  const namespaces = await importTable(bytes, table, header.bodyEnd, root, options?.importModule);
  return () => namespaces;
}

export async function loadAsyncWith(
  data: PickleBytes,
  options: LoadOptions | undefined,
): Promise<unknown> {
  let bytes = asBytes(data);
  options = withListsRead(options);
  const key = options?.signingKey;
  if (key !== undefined) {
    const keys = verifyingKeys(key);
    const header = readHeader(bytes)!;
    if (!(header.flags & FLAG_SIGNED)) {
      throw new UnpicklingError(
        "cannot verify the pickle: it is not signed, and a signing key was given; sign it " +
          "with dumps(value, { signingKey }), or load it without a key if it is trusted",
        5,
      );
    }
    // What is verified is what is loaded: bytes the caller changes meanwhile are not read.
    bytes = privateCopy(bytes, data);
    if (!(await verifyMac(bytes as Uint8Array<ArrayBuffer>, keys))) {
      throw new UnpicklingError(
        "cannot verify the pickle: its signature does not match (it was altered or signed " +
          "with another key); load it with the key that signed it",
        header.bodyEnd,
      );
    }
    const opts = { ...options, signingKey: undefined };
    await resolveCode(bytes, opts);
    return rootValue(loadSyncWith(bytes, opts, await importModules(bytes, opts)), opts);
  }
  // The module imports are awaited: the value is read from bytes the caller cannot change
  // meanwhile, matching the module table read before.
  const flags = readHeader(bytes)!.flags;
  if (flags & FLAG_MODULES || (flags & FLAG_CODE_CACHE && options?.codeCache?.resolve)) {
    bytes = privateCopy(bytes, data);
  }
  await resolveCode(bytes, options);
  return rootValue(loadSyncWith(bytes, options, await importModules(bytes, options)), options);
}

/** Async loads: the definitions the code cache misses, asked of its resolve function. */
async function resolveCode(bytes: Uint8Array, options: LoadOptions | undefined): Promise<void> {
  const cache = options?.codeCache;
  if (cache?.resolve === undefined) return;
  const header = readHeader(bytes)!;
  if (!(header.flags & FLAG_CODE_CACHE)) return;
  const start = header.flags & FLAG_MODULES
    ? readModuleTable(bytes, header.bodyStart, header.bodyEnd).valueStart
    : header.bodyStart;
  await resolveMissing(bytes, start, header.bodyEnd, cache);
}

/**
 * The value an async load resolves to. A promise at the root is adopted (an async function
 * cannot hand a promise over as such; `loadsSync` returns it): its value, or, when it was
 * pickled rejected, an UnpicklingError whose cause is the reason, so that a load never
 * throws an arbitrary value from the pickle.
 */
function rootValue(v: unknown, options: LoadOptions | undefined): unknown {
  if (types.isPromise(v)) {
    // Settled by the pickle: its outcome is known without calling the promise's `then`.
    const outcome = loadedOutcome(v);
    if (outcome?.fulfilled === true) return outcome.value;
    if (outcome !== undefined) throw rejectedRoot(outcome.value);
    // A promise a reducer made: settled as it settles.
    return promiseThen.call(v, undefined, (reason: unknown) => {
      throw rejectedRoot(reason);
    });
  }
  if (!allowsCode(options) && isThenable(v)) {
    throw new UnpicklingError(
      "cannot load the pickle's value with allowCode: false: it has a `then` method, which " +
        "the promise loads returns would call (an admitted function, outside any reducer); " +
        "use loadsSync to get the value itself",
      0,
    );
  }
  return v;
}

const promiseThen = Promise.prototype.then;

function rejectedRoot(reason: unknown): UnpicklingError {
  return new UnpicklingError(
    "cannot load the pickle's value: it is a promise, and it was rejected (the reason is " +
      "this error's cause); use loadsSync to get the promise itself",
    0,
    { cause: reason },
  );
}

/**
 * Pickles `value` (sync form). Everything that needs no await: Blobs and Promises need
 * {@linkcode dumps}.
 *
 * @example
 * ```ts
 * import { dumpsSync, loadsSync } from "@cloudpickle/cloudpickle";
 * const shared = { n: 1 };
 * const copy = loadsSync<{ a: object; b: object }>(dumpsSync({ a: shared, b: shared }));
 * console.log(copy.a === copy.b); // true
 * ```
 */
export function dumpsSync(value: unknown, options?: DumpOptions): Uint8Array<ArrayBuffer> {
  return dumpSyncWith(value, options, undefined);
}

/**
 * Pickles `value`. The async form also pickles Blob and File bytes and settled Promises,
 * and signs with `options.signingKey`.
 *
 * @example
 * ```ts
 * import { dumps, loads } from "@cloudpickle/cloudpickle";
 * const bytes = await dumps(new Map([[1, new Set(["a"])]]));
 * console.log(await loads(bytes)); // Map(1) { 1 => Set(1) { "a" } }
 * ```
 */
export function dumps(value: unknown, options?: DumpOptions): Promise<Uint8Array<ArrayBuffer>> {
  return dumpAsyncWith(value, options, undefined);
}

/**
 * Loads a pickle (sync form). A signed pickle needs {@linkcode loads} to be verified.
 *
 * @example
 * ```ts
 * import { dumpsSync, loadsSync } from "@cloudpickle/cloudpickle";
 * const date = loadsSync<Date>(dumpsSync(new Date(0)));
 * console.log(date.toISOString()); // 1970-01-01T00:00:00.000Z
 * ```
 */
export function loadsSync<T = unknown>(
  data: Uint8Array | ArrayBuffer | SharedArrayBuffer,
  options?: LoadOptions,
): T {
  if (options?.signingKey !== undefined) {
    throw new TypeError(
      "cannot verify a signature in the sync form: verifying needs WebCrypto, which is " +
        "async; use loads or load",
    );
  }
  return loadSyncWith(asBytes(data), options) as T;
}

/**
 * Loads a pickle, verifying its signature first when `options.signingKey` is given.
 *
 * @example
 * ```ts
 * import { dumps, loads } from "@cloudpickle/cloudpickle";
 * const key = crypto.getRandomValues(new Uint8Array(32));
 * const bytes = await dumps([1n, -0], { signingKey: key });
 * console.log(await loads(bytes, { signingKey: key })); // [ 1n, -0 ]
 * ```
 */
export async function loads<T = unknown>(
  data: Uint8Array | ArrayBuffer | SharedArrayBuffer,
  options?: LoadOptions,
): Promise<T> {
  return await loadAsyncWith(data, options) as T;
}
