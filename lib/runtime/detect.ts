/**
 * The runtime detector: chooses, once and on first need, what answers each question the core
 * asks the runtime (see {@linkcode RuntimeAdapter}). Nothing is chosen, opened or installed when
 * the library is imported; the host is probed through `lib/host.ts` only.
 *
 * - Closure scopes, read now: the scope reader of instrumented code (the Bun preload) where
 *   one is installed, else V8's inspector where it may be used without asking (V8, not the
 *   Deno REPL, sys access granted), connected for each read only.
 * - Closure scopes for the async forms: the inspector (its replies awaited where they come
 *   late), or an adapter that says why nothing can be read (JavaScriptCore without the preload).
 * - Bound functions and private fields, read now: readers installed in the shared slot (the
 *   preload's, classes' own), else the inspector.
 * - Loaded modules: `require.cache` where it lists ES modules (Bun), else the inspector's
 *   module reports (V8 with sys access), else none (the table then holds what `loads`
 *   imported and what `registerModule` was given).
 *
 * @module
 */

import {
  type BoundParts,
  type ModuleSource,
  type PrivateFields,
  type ReadScopes,
  type RuntimeAdapter,
  type ScopeAdapter,
  type SyncScopeReader,
  unavailableScopes,
} from "./adapter.ts";
import { IS_JSC } from "../host.ts";
import { BUN_PRELOAD_REMEDY, DENO_SYS_REMEDY, runtimeRemedy } from "./remedy.ts";
import { sharedField } from "./shared_slot.ts";
import { privateReaderOfSlot } from "./private_readers.ts";
import {
  inspectorRefusal,
  InspectorUnavailable,
  inspectorUsableSilently,
} from "./inspector/session.ts";
import { inspectorAdapter } from "./inspector/scopes.ts";
import { readBoundNow, readPrivateNow, readScopesNow } from "./inspector/scopes_sync.ts";
import { functionsNamedNow } from "./inspector/named_functions.ts";
import { readsModuleThisNow } from "./inspector/module_this.ts";
import { decoratedInScriptNow } from "./inspector/decorated.ts";
import { markedDecorated } from "../code/decorated.ts";
import { inspectorModuleSource } from "./inspector/modules.ts";
import { requireCacheModuleSource } from "./modules/require_cache.ts";
import { entryModuleURL } from "./modules/entry.ts";

/**
 * Whether the inspector may be used for the sync reads: decided at the first read ("usable",
 * or why not); a read that finds it unavailable after all records why.
 */
let inspectorState: "unknown" | "usable" | string = "unknown";

function inspectorRead<A, T>(read: (o: A) => T, o: A): T | undefined {
  if (inspectorState === "unknown") {
    inspectorState = inspectorUsableSilently() ? "usable" : inspectorRefusal() ?? DENO_SYS_REMEDY;
  }
  if (inspectorState !== "usable") return undefined;
  try {
    return read(o);
  } catch (e) {
    if (e instanceof InspectorUnavailable) inspectorState = e.message;
    return undefined;
  }
}

function inspectorScopes(fn: object): ReadScopes | undefined {
  return inspectorRead(readScopesNow, fn);
}

function inspectorBound(fn: object): BoundParts | undefined {
  return inspectorRead(readBoundNow, fn);
}

function inspectorPrivate(o: object): PrivateFields | undefined {
  return inspectorRead(readPrivateNow, o);
}

/** The scope reader of instrumented code (Bun's preload), if installed. */
export function instrumentedScopeReader(): SyncScopeReader | undefined {
  const r = sharedField("scopeReader");
  return typeof r === "function" ? r : undefined;
}

/** The synchronous scope reader of this process: instrumented code's, or the inspector's. */
export function syncScopeReader(): SyncScopeReader {
  return instrumentedScopeReader() ?? inspectorScopes;
}

/**
 * The functions of this process named `name`, where the runtime can list them (V8's
 * inspector); undefined elsewhere. For the function a named function expression's own name
 * stands for, which no scope shows (see inspector/named_functions.ts).
 */
export function syncFunctionsNamed(): ((name: string) => object[] | undefined) | undefined {
  if (instrumentedScopeReader() !== undefined || IS_JSC) return undefined;
  return (name) => inspectorRead(functionsNamedNow, name);
}

/**
 * Whether an arrow reads the `this` of an ES module's top level (so `undefined`), where the
 * runtime can tell (V8's inspector: inspector/module_this.ts); undefined elsewhere.
 */
export function syncModuleThis(): ((fn: object) => boolean | undefined) | undefined {
  if (instrumentedScopeReader() !== undefined || IS_JSC) return undefined;
  return (fn) => inspectorRead(readsModuleThisNow, fn);
}

const decoratedClasses = new WeakMap<object, boolean>();

/**
 * Whether class `cls` is decorated with TypeScript's legacy decorators (lib/code/decorated.ts):
 * as Bun's preload marked it, or as its script says on V8 with the inspector. Per class, once.
 */
export function isLegacyDecorated(cls: object): boolean {
  if (markedDecorated(cls)) return true;
  if (IS_JSC) return false;
  let d = decoratedClasses.get(cls);
  if (d === undefined) {
    d = inspectorRead(decoratedInScriptNow, cls) === true;
    decoratedClasses.set(cls, d);
  }
  return d;
}

/** The synchronous bound-function reader of this process: the preload's, or the inspector's. */
export function syncBoundReader(): (fn: object) => BoundParts | undefined {
  const r = sharedField("boundReader");
  return typeof r === "function" ? r : inspectorBound;
}

/**
 * The synchronous private-field reader of this process: the readers classes registered
 * (loaded, or instrumented) first, the inspector for other classes.
 */
export function syncPrivateReader(): (o: object) => PrivateFields | undefined {
  const r = privateReaderOfSlot();
  if (r === undefined) return inspectorPrivate;
  if (r !== lastPrivate) {
    lastPrivate = r;
    privateOrInspector = (o) => lastPrivate!(o) ?? inspectorPrivate(o);
  }
  return privateOrInspector!;
}
let lastPrivate: ((o: object) => PrivateFields | undefined) | undefined;
let privateOrInspector: ((o: object) => PrivateFields | undefined) | undefined;

/**
 * Why the sync forms could not read a closure scope here, naming the remedy for this runtime
 * (undefined while nothing has been tried or when they can).
 */
export function syncScopesUnavailable(): string | undefined {
  return inspectorState === "unknown" || inspectorState === "usable" ? undefined : inspectorState;
}

let asyncAdapter: Promise<ScopeAdapter> | undefined;

/** The adapter of the async forms for this runtime, chosen at the first call. */
export function scopeAdapter(): Promise<ScopeAdapter> {
  asyncAdapter ??= chooseScopeAdapter();
  return asyncAdapter;
}

async function chooseScopeAdapter(): Promise<ScopeAdapter> {
  if (IS_JSC) {
    // JavaScriptCore shows closure variables to no API: only code instrumented by the Bun
    // preload can be read (synchronously, see instrumented.ts).
    return unavailableScopes(runtimeRemedy() ?? BUN_PRELOAD_REMEDY);
  }
  return await inspectorAdapter();
}

let modules: ModuleSource | undefined | null = null;

/** This runtime's module source, chosen at the first call (see the module documentation). */
export function moduleSource(): ModuleSource | undefined {
  if (modules === null) modules = requireCacheModuleSource() ?? inspectorModuleSource();
  return modules;
}

/** Tells the Bun preload, if any, that the library is about to import `target`. */
export function beforeImport(target: string): void {
  const reach = sharedField("reach");
  if (typeof reach === "function") reach(target);
}

let runtime: RuntimeAdapter | undefined;

/** Every adapter of this runtime behind one interface, made at the first call. */
export function runtimeAdapter(): RuntimeAdapter {
  return runtime ??= {
    get scopesNow() {
      return syncScopeReader();
    },
    get instrumentedScopes() {
      return instrumentedScopeReader();
    },
    scopes: scopeAdapter,
    boundNow: (fn) => syncBoundReader()(fn),
    privateNow: (o) => syncPrivateReader()(o),
    scopesUnavailable: syncScopesUnavailable,
    get modules() {
      return moduleSource();
    },
    entryModule: entryModuleURL,
    beforeImport,
  };
}
