/**
 * The scope adapter: how this runtime lets the library read the variables a closure
 * captures. Chosen once, by feature detection, when first needed.
 *
 * @module
 */

import { IS_JSC } from "./engine.ts";
import { BUN_PRELOAD_REMEDY, runtimeRemedy } from "./remedy.ts";
import {
  inspectorAdapter,
  readBoundNow,
  readPrivateNow,
  readScopesNow,
} from "./scopes_inspector.ts";
import { InspectorUnavailable } from "./inspector_session.ts";
import { inspectorRefusal, inspectorUsableSilently } from "./inspector_guard.ts";

/** One real scope as the runtime showed it: a snapshot of all its variables. */
export interface ScopeSnapshot {
  /** What kind of scope (e.g. "Closure (make)", "Module", "Block"). */
  readonly kind: string;
  readonly names: readonly string[];
  /** Values of `names`; {@linkcode TDZ} for a variable not initialized yet. */
  readonly values: readonly unknown[];
  /**
   * The scope instance itself, when the adapter can tell (instrumented code): snapshots with
   * the same identity are one scope. Without it, scopes are told apart by their contents.
   */
  readonly identity?: object;
  /**
   * Without identity: true when snapshots showing the same kind, variables and values are
   * taken as one scope (V8's inspector), false or absent when each stands alone.
   */
  readonly byContent?: boolean;
}

/** Marks a variable read in its temporal dead zone. */
export const TDZ: unique symbol = Symbol("tdz");

/**
 * A synchronous scope reader, for adapters that can answer at once (code instrumented at
 * load time). Returns undefined for a function it knows nothing about.
 */
export type SyncScopeReader = (fn: object) => ReadScopes | undefined;

/** Global slot where a synchronous scope reader registers itself (see preload.ts). */
export const SYNC_READER_KEY: unique symbol = Symbol.for("cloudpickle.scopes.syncReader") as never;

/** Global slot where a synchronous bound-function reader registers itself (see preload.ts). */
export const SYNC_BOUND_KEY: unique symbol = Symbol.for("cloudpickle.bound.syncReader") as never;

/** The synchronous bound-function reader installed in this process, if any. */
export function syncBoundReader(): ((fn: object) => BoundParts | undefined) | undefined {
  const r = (globalThis as Record<symbol, unknown>)[SYNC_BOUND_KEY];
  return typeof r === "function" ? r as (fn: object) => BoundParts | undefined : inspectorBound;
}

/** Global slot where a synchronous private-field reader registers itself. */
export const SYNC_PRIVATE_KEY: unique symbol = Symbol.for(
  "cloudpickle.private.syncReader",
) as never;

/** The synchronous private-field reader installed in this process, if any. */
export function syncPrivateReader(): ((o: object) => PrivateFields | undefined) | undefined {
  const r = (globalThis as Record<symbol, unknown>)[SYNC_PRIVATE_KEY];
  if (typeof r !== "function") return inspectorPrivate;
  // Classes that register readers (loaded, or instrumented) first; the inspector for others.
  if (r !== lastPrivate) {
    lastPrivate = r as (o: object) => PrivateFields | undefined;
    privateOrInspector = (o) => lastPrivate!(o) ?? inspectorPrivate(o);
  }
  return privateOrInspector;
}
let lastPrivate: ((o: object) => PrivateFields | undefined) | undefined;
let privateOrInspector: ((o: object) => PrivateFields | undefined) | undefined;

/**
 * The synchronous reader over the V8 inspector, where it may be used without asking (V8, not
 * the Deno REPL, sys access granted). Decided at the first read; a session is connected for
 * each read only.
 */
let inspectorState: "unknown" | "usable" | string = "unknown";

function inspectorReader(fn: object): ReadScopes | undefined {
  return inspectorRead(readScopesNow, fn);
}

/** What a bound function was made of, through the inspector (as inspectorReader). */
function inspectorBound(fn: object): BoundParts | undefined {
  return inspectorRead(readBoundNow, fn);
}

/** The private fields of an object, through the inspector (as inspectorReader). */
function inspectorPrivate(o: object): PrivateFields | undefined {
  return inspectorRead(readPrivateNow, o);
}

function inspectorRead<T>(read: (o: object) => T, o: object): T | undefined {
  if (inspectorState === "unknown") {
    inspectorState = inspectorUsableSilently()
      ? "usable"
      : inspectorRefusal() ?? "reading closure variables needs the inspector, which Deno " +
          "allows only with --allow-sys (or -A)";
  }
  if (inspectorState !== "usable") return undefined;
  try {
    return read(o);
  } catch (e) {
    if (e instanceof InspectorUnavailable) inspectorState = e.message;
    return undefined;
  }
}

/** The synchronous scope reader of instrumented code (Bun's preload), if installed. */
export function instrumentedScopeReader(): SyncScopeReader | undefined {
  const r = (globalThis as Record<symbol, unknown>)[SYNC_READER_KEY];
  return typeof r === "function" ? r as SyncScopeReader : undefined;
}

/** The synchronous scope reader of this process: instrumented code's, or the inspector's. */
export function syncScopeReader(): SyncScopeReader | undefined {
  const r = (globalThis as Record<symbol, unknown>)[SYNC_READER_KEY];
  return typeof r === "function" ? r as SyncScopeReader : inspectorReader;
}

/**
 * Why the sync forms could not read a closure scope here, naming the remedy for this runtime
 * (undefined while nothing has been tried or when they can).
 */
export function syncScopesUnavailable(): string | undefined {
  return inspectorState === "unknown" || inspectorState === "usable" ? undefined : inspectorState;
}

/** What was read for one function: its scope chain (innermost first) and where each name is. */
export interface ReadScopes {
  readonly chain: readonly ScopeSnapshot[];
  /** name → index in `chain` of the scope that holds it. */
  readonly found: ReadonlyMap<string, number>;
  /** Names that exist but are not initialized yet (temporal dead zone). */
  readonly uninitialized: readonly string[];
}

/** The private fields of an object: names (without `#`) and values. */
export interface PrivateFields {
  readonly names: readonly string[];
  readonly values: readonly unknown[];
}

/** What a bound function was made of: `target.bind(thisArg, ...args)`. */
export interface BoundParts {
  readonly target: object;
  readonly thisArg: unknown;
  readonly args: readonly unknown[];
}

/** True for a bound function (native source, a "bound " name, no own prototype). */
export function isBoundFunction(fn: object): boolean {
  const name = (fn as { name?: unknown }).name;
  if (typeof name !== "string" || !name.startsWith("bound ")) return false;
  if (Object.hasOwn(fn, "prototype")) return false;
  try {
    return /\[native code\]\s*\}\s*$/.test(Function.prototype.toString.call(fn));
  } catch {
    return false;
  }
}

/** Reads closure scopes; implementations live in `scopes_*.ts`. */
export interface ScopeAdapter {
  /** Why automatic capture is not available here, or undefined when it is. */
  readonly unavailable: string | undefined;
  /** Reads the scope chain of `fn` (async: the protocol behind it answers asynchronously). */
  read(fn: object, names: readonly string[]): Promise<ReadScopes>;
  /** Reads the private fields (names without `#`) of an object, where the runtime shows them. */
  readPrivate?(o: object): Promise<PrivateFields>;
  /** Reads what a bound function was made of, where the runtime shows it. */
  readBound?(fn: object): Promise<BoundParts>;
  /** Releases what reading held on to, after a pickling call. */
  release(): Promise<void>;
}

let adapter: Promise<ScopeAdapter> | undefined;

/** The adapter of the async forms for this runtime, detected once. */
export function scopeAdapter(): Promise<ScopeAdapter> {
  adapter ??= detect();
  return adapter;
}

async function detect(): Promise<ScopeAdapter> {
  if (IS_JSC) {
    // JavaScriptCore shows closure variables to no API: only code instrumented by the Bun
    // preload can be read (synchronously, see instrument_runtime.ts).
    const reason = runtimeRemedy() ?? BUN_PRELOAD_REMEDY;
    return {
      unavailable: reason,
      read: () => Promise.reject(new Error(reason)),
      release: () => Promise.resolve(),
    };
  }
  return await inspectorAdapter();
}
