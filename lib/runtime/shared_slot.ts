/**
 * The one global slot of the library: an object under `Symbol.for("cloudpickle.shared")` on
 * `globalThis`, created the first time something needs it (never when the library is
 * imported). It is what code that cannot import the library's modules reaches it through:
 *
 * - a second copy of the library in the same process (two versions, or one through two URLs),
 *   which must see the readers the first one's preload installed;
 * - the Bun preload, which installs readers and hooks before the library is imported;
 * - code generated at run time (the static blocks of classes that register private-field
 *   readers, and the expressions the inspector evaluates), which only sees globals.
 *
 * Each field below is one of those needs; nothing else is kept here. Fields are set by
 * whoever provides them and read through {@linkcode peekSharedSlot}, which creates nothing.
 *
 * Until the Bun preload and transform write the fields below, the detector also reads the
 * global keys they used before (see {@linkcode LEGACY_KEYS}); the library writes none of them.
 *
 * @module
 */

import type { BoundParts, PrivateFields, SyncScopeReader } from "./adapter.ts";

/** The key of the slot on `globalThis`. */
export const SHARED_SLOT_KEY: unique symbol = Symbol.for("cloudpickle.shared") as never;

/** The slot as an expression, for code generated at run time. */
export const SHARED_SLOT_EXPR = 'globalThis[Symbol.for("cloudpickle.shared")]';

/** Registers the private-field readers of a class (called by the class's own static block). */
export type RegisterPrivateReader = (
  cls: object,
  fields: readonly string[],
  read: ((o: object) => unknown[] | undefined) | null,
  statics: readonly string[],
  readStatics: (() => unknown[]) | null,
) => void;

/** What the slot holds; every field is optional and set by the one party named. */
export interface SharedSlot {
  /** Scope reader of code instrumented at load time (set by the Bun preload). */
  scopeReader?: SyncScopeReader;
  /** What functions made by `bind` were made of (set by the Bun preload). */
  boundReader?: (fn: object) => BoundParts | undefined;
  /** Called by the static block classes carry to register private-field readers. */
  registerPrivateReader?: RegisterPrivateReader;
  /** Reads private fields through the readers registered so far. */
  privateReader?: (o: object) => PrivateFields | undefined;
  /** Called by instrumented classes that carry the restore field (Bun's preload). */
  registerRestorable?: (cls: object) => void;
  /** The private fields of a class registered with {@linkcode SharedSlot.registerRestorable}. */
  restorableFields?: (cls: object) => readonly string[] | undefined;
  /** Why the preload did not instrument the code of `fn` (set by the Bun preload). */
  explain?: (fn?: object) => string;
  /** Makes sure a module the library is about to import is instrumented (Bun preload). */
  reach?: (target: string) => void;
  /** Module resolutions counted by the Bun preload, so `require.cache` is listed when needed. */
  resolved?: number;
  /** Values handed between the library and expressions the V8 inspector evaluates. */
  inspectorStash?: Map<number, unknown>;
  /** Hooks of classes loaded with a private-state restorer (see `lib/code/private_state.ts`). */
  privateRestore?: (self: object, setter: (name: string, value: unknown) => void) => undefined;
  /** True while an instance is being rebuilt through its classes' restore fields. */
  restoring?: boolean;
  /** The static counterpart of {@linkcode SharedSlot.privateRestore}. */
  staticRestore?: (cls: object, setter: (name: string, value: unknown) => void) => undefined;
  /** Classes TypeScript's legacy decorators decorated, as the Bun preload saw (decorated.ts). */
  decorated?: WeakSet<object>;
}

/**
 * Global keys read (never written) until their writers use the slot: the Bun preload's
 * `explain`, `reach`, `resolved`, and the readers a preload of an earlier version installs.
 */
export const LEGACY_KEYS = {
  scopeReader: Symbol.for("cloudpickle.scopes.syncReader"),
  boundReader: Symbol.for("cloudpickle.bound.syncReader"),
  explain: Symbol.for("cloudpickle.scopes.explain"),
  reach: Symbol.for("cloudpickle.instrument.reach"),
  resolved: Symbol.for("cloudpickle.modules.resolved"),
} as const;

const g = globalThis as unknown as Record<symbol, unknown>;

/** The slot, created now if it was not (non-enumerable, as a built-in global would be). */
export function sharedSlot(): SharedSlot {
  const slot = g[SHARED_SLOT_KEY];
  if (slot !== undefined && slot !== null && typeof slot === "object") return slot as SharedSlot;
  const created: SharedSlot = {};
  Object.defineProperty(globalThis, SHARED_SLOT_KEY, {
    value: created,
    writable: false,
    enumerable: false,
    configurable: true,
  });
  return created;
}

/** The slot if something created it, else undefined; creates nothing. */
export function peekSharedSlot(): SharedSlot | undefined {
  const slot = g[SHARED_SLOT_KEY];
  return slot !== undefined && slot !== null && typeof slot === "object"
    ? slot as SharedSlot
    : undefined;
}

/** Field `name` of the slot, else the legacy global key of the same meaning; creates nothing. */
export function sharedField<K extends keyof typeof LEGACY_KEYS>(
  name: K,
): SharedSlot[K] | undefined {
  const v = peekSharedSlot()?.[name];
  return v !== undefined ? v : g[LEGACY_KEYS[name]] as SharedSlot[K] | undefined;
}
