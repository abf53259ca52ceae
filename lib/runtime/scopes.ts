/**
 * The scope adapter: how this runtime lets the library read the variables a closure
 * captures. Chosen once, by feature detection, when first needed.
 *
 * @module
 */

/** One real scope as the runtime showed it: a snapshot of all its variables. */
export interface ScopeSnapshot {
  /** What kind of scope (e.g. "Closure (make)", "Module", "Block"). */
  readonly kind: string;
  readonly names: readonly string[];
  readonly values: readonly unknown[];
}

/** What was read for one function: its scope chain (innermost first) and where each name is. */
export interface ReadScopes {
  readonly chain: readonly ScopeSnapshot[];
  /** name → index in `chain` of the scope that holds it. */
  readonly found: ReadonlyMap<string, number>;
  /** Names that exist but are not initialized yet (temporal dead zone). */
  readonly uninitialized: readonly string[];
}

/** Reads closure scopes; implementations live in `scopes_*.ts`. */
export interface ScopeAdapter {
  /** Why automatic capture is not available here, or undefined when it is. */
  readonly unavailable: string | undefined;
  /** Reads the scope chain of `fn` (async: the protocol behind it answers asynchronously). */
  read(fn: object, names: readonly string[]): Promise<ReadScopes>;
  /** Releases what reading held on to, after a pickling call. */
  release(): Promise<void>;
}

let adapter: Promise<ScopeAdapter> | undefined;

/** The adapter for this runtime, detected once. */
export function scopeAdapter(): Promise<ScopeAdapter> {
  adapter ??= detect();
  return adapter;
}

async function detect(): Promise<ScopeAdapter> {
  const { inspectorAdapter } = await import("./scopes_inspector.ts");
  return await inspectorAdapter();
}
