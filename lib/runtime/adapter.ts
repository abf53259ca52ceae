/**
 * How the core meets the runtime: the questions the pickler and the loader ask, and the shapes
 * of the answers. `detect.ts` chooses, once and lazily, what answers each question on this
 * runtime ({@linkcode RuntimeAdapter}); the core never checks which runtime it is on.
 *
 * @module
 */

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

/**
 * A synchronous scope reader, for adapters that can answer at once (code instrumented at
 * load time, or V8's inspector). Returns undefined for a function it cannot read.
 */
export type SyncScopeReader = (fn: object) => ReadScopes | undefined;

/** Reads closure scopes for the async forms; implementations live in `inspector/`. */
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

/** The async forms' reader where nothing can be read: it says why. */
export function unavailableScopes(reason: string): ScopeAdapter {
  return {
    unavailable: reason,
    read: () => Promise.reject(new Error(reason)),
    release: () => Promise.resolve(),
  };
}

/** A runtime's way of learning which modules are loaded (read by `modules/table.ts`). */
/** `fn` and the functions after it in the container the walk writes it from. */
export type Siblings = (fn: object) => readonly object[];

export interface ModuleSource {
  /** Adds modules loaded since the last call (cheap when there are none). */
  refresh(add: (url: string, namespace: object) => void): void;
  /**
   * Resolves once what the runtime has reported is in the table (async forms wait). A source
   * that lists modules only when a lookup needs it lists now when `eager` (`ready()`).
   */
  settle(eager?: boolean): Promise<void>;
  /**
   * True while a source that lists modules only when a lookup needs it has not listed them:
   * functions known to be the entry module's (pickled by value) need no lookup meanwhile.
   */
  unlisted?(): boolean;
  /**
   * Told when a lookup of `value` found nothing: the runtime may have loaded modules since.
   * `siblings` gives `value` and the functions after it in its container: where telling
   * costs a lookup per function (V8: its location), theirs are made together.
   */
  missed?(value?: object, siblings?: Siblings): void;
  /**
   * Async forms: lists the loaded modules again when one of `values` (functions and
   * namespaces the table does not know) may come from a module loaded since the last
   * listing; resolves to whether modules were added.
   */
  recheck?(values: readonly object[]): Promise<boolean> | false;
  /**
   * Async forms: whether {@linkcode ModuleSource.recheck} might find `value` (a function or
   * namespace a lookup missed) in a module it has not reported yet; false spares the pickling
   * call a second walk.
   */
  mayFind?(value: object, siblings?: Siblings): boolean;
  /** Async forms: the URL of the module that defined the function `fn`, where it shows. */
  locate?(fn: object): Promise<string | undefined>;
  /**
   * For a lookup of `value` that missed: the URL of the module that defines it when that
   * module's namespace is still on its way, true when it just arrived (look again), else
   * undefined.
   */
  loading?(value: object): string | true | undefined;
}

/**
 * Every question the core asks the runtime, answered by the adapters `detect.ts` chose. The
 * sync readers return undefined for what they cannot read (the pickler then explains why with
 * {@linkcode RuntimeAdapter.scopesUnavailable} and `remedy.ts`).
 */
export interface RuntimeAdapter {
  /** The values of the variables in the scopes of `fn`, read now. */
  readonly scopesNow: SyncScopeReader;
  /** The scope reader of instrumented code alone (exact scope identity), if installed. */
  readonly instrumentedScopes: SyncScopeReader | undefined;
  /** The async forms' reader (scopes, bound functions, private fields). */
  scopes(): Promise<ScopeAdapter>;
  /** What the bound function `fn` was made of, read now. */
  boundNow(fn: object): BoundParts | undefined;
  /** The private fields of `o` (an instance, or a class for its static ones), read now. */
  privateNow(o: object): PrivateFields | undefined;
  /** Why the sync forms could not read a closure scope here (undefined until they tried). */
  scopesUnavailable(): string | undefined;
  /** Where this runtime lists the modules it has loaded, if anywhere. */
  readonly modules: ModuleSource | undefined;
  /** The URL of the program's entry module, read now. */
  entryModule(): string | undefined;
  /** Tells the runtime that the library is about to import `target` (a `file:` URL). */
  beforeImport(target: string): void;
}
