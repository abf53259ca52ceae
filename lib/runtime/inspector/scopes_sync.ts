/**
 * Reading closure scopes, bound functions and private fields over the V8 inspector protocol
 * (Deno, Node), synchronously: an in-process `node:inspector` session hands out a function's
 * internal `[[Scopes]]` list, whose entries hold the real values of the variables of each
 * enclosing scope. Deno needs `--allow-sys` for it.
 *
 * Sequence per function (see the closures design note): `Runtime.evaluate` a lookup of the
 * function in a stash → `Runtime.getProperties` for its `[[Scopes]]` → `Runtime.callFunctionOn`
 * that list with a declaration that puts `this` (the live list) into the stash. Each read is a
 * list of protocol steps, run here with the replies taken at once (the session answers
 * synchronously and is connected for one read only, see session.ts), or awaited by the async
 * adapter (`scopes.ts`) where replies come late.
 *
 * @module
 */

import {
  type BoundParts,
  type PrivateFields,
  type ReadScopes,
  type ScopeSnapshot,
  TDZ,
} from "../adapter.ts";
import { heldMemo, inspectorStash, STASH_LOOKUP, stashStore, withInspector } from "./session.ts";

const GROUP = "cloudpickle";
const SKIPPED = /^(Global|With Block|Eval)/;
// Constant texts, so V8 compiles each once; reads run one at a time, so fixed slots suffice.
const LOOKUP = STASH_LOOKUP;
const STORE_THIS = stashStore("", "this");
const STORE_PARTS = stashStore("t, self, args", "[t, self, args]");
const STORE_ARGS = stashStore("...v", "v");

/** An entry of V8's internal `[[Scopes]]` list. */
export interface ScopeEntry {
  description?: string;
  type?: string;
  object: Record<string, unknown>;
}

const stash = inspectorStash;

const EMPTY: ReadScopes = { chain: [], found: new Map(), uninitialized: [] };

/** A read as protocol steps: yields [method, params], receives each result. */
export type Steps<T> = Generator<[string, object], T, Record<string, unknown>>;

/** Runs a read's steps synchronously, with a session for this read (or the held one). */
export function runNow<T>(steps: () => Steps<T>): T {
  return withInspector(({ call }) => {
    try {
      const g = steps();
      let r = g.next(undefined as never);
      while (!r.done) r = g.next(call(r.value[0], r.value[1]));
      return r.value;
    } finally {
      stash().clear();
    }
  });
}

/**
 * The scope chain of `fn`, read synchronously. Throws {@linkcode InspectorUnavailable} where
 * the inspector cannot be used so.
 */
export function readScopesNow(fn: object): ReadScopes {
  // Its scope list was handed over in this pickling call, with its location (locate.ts).
  const list = heldMemo()?.get(fn) as ArrayLike<ScopeEntry> | undefined;
  if (list !== undefined) return snapshot(list);
  return runNow(() => scopesSteps(fn));
}

/** What the bound function `fn` was made of, read synchronously (see readScopesNow). */
export function readBoundNow(fn: object): BoundParts {
  return runNow(() => boundSteps(fn));
}

/** The private fields of `o`, read synchronously (see readScopesNow). */
export function readPrivateNow(o: object): PrivateFields {
  return runNow(() => privateSteps(o));
}

export function* scopesSteps(fn: object): Steps<ReadScopes> {
  const { props } = yield* inspect(fn);
  const scopes = internalOf(props)("[[Scopes]]")?.objectId;
  if (scopes === undefined) return EMPTY;
  return snapshot((yield* handOver(scopes, STORE_THIS, [])) as ArrayLike<ScopeEntry>);
}

/** The private fields of `o` (names without `#`). */
export function* privateSteps(o: object): Steps<PrivateFields> {
  const { id, props } = yield* inspect(o);
  const fields = ((props.privateProperties ?? []) as { name: string; value?: RemoteObject }[])
    .filter((p) => p.value !== undefined && !p.name.startsWith("#$cp$"));
  const values = yield* handOver(id, STORE_ARGS, fields.map((f) => asArgument(f.value)));
  return { names: fields.map((f) => f.name.slice(1)), values: values as unknown[] };
}

/** What the bound function `fn` was made of. */
export function* boundSteps(fn: object): Steps<BoundParts> {
  const { id, props } = yield* inspect(fn);
  const find = internalOf(props);
  const target = find("[[TargetFunction]]");
  if (target?.objectId === undefined) throw new Error("no [[TargetFunction]] shown");
  const parts = (yield* handOver(id, STORE_PARTS, [
    asArgument(target),
    asArgument(find("[[BoundThis]]")),
    asArgument(find("[[BoundArgs]]")),
  ])) as [object, unknown, unknown[] | undefined];
  return { target: parts[0], thisArg: parts[1], args: parts[2] ?? [] };
}

/** A handle on `o` and its own properties (internal and private ones included). */
function* inspect(o: object): Steps<{ id: string; props: Record<string, unknown> }> {
  stash().set(0, o);
  const evaluated = yield ["Runtime.evaluate", { expression: LOOKUP, objectGroup: GROUP }];
  const id = (evaluated.result as { objectId?: string } | undefined)?.objectId;
  if (id === undefined) throw new Error("the inspector gave no handle for the value");
  const props = yield ["Runtime.getProperties", {
    objectId: id,
    ownProperties: true,
    objectGroup: GROUP,
  }];
  return { id, props };
}

/**
 * The live `[[Scopes]]` list whose handle is `scopes`, handed over at once with a session's
 * `call` (the step {@linkcode scopesSteps} takes, for a caller that holds the handle already).
 */
export function scopeListNow(
  call: (method: string, params: object) => Record<string, unknown>,
  scopes: string,
): ArrayLike<ScopeEntry> | undefined {
  stash().delete(1);
  try {
    call("Runtime.callFunctionOn", { objectId: scopes, functionDeclaration: STORE_THIS });
    return stash().get(1) as ArrayLike<ScopeEntry> | undefined;
  } finally {
    stash().delete(1);
  }
}

/** Calls `declaration` on `objectId` with `args`, and returns what it stored in slot 1. */
function* handOver(objectId: string, declaration: string, args: object[]): Steps<unknown> {
  yield ["Runtime.callFunctionOn", {
    objectId,
    functionDeclaration: declaration,
    arguments: args,
    objectGroup: GROUP,
  }];
  const v = stash().get(1);
  if (v === undefined) throw new Error("the inspector did not hand the values over");
  return v;
}

function internalOf(props: Record<string, unknown>): (name: string) => RemoteObject | undefined {
  const internal = (props.internalProperties ?? []) as { name: string; value?: RemoteObject }[];
  return (name) => internal.find((p) => p.name === name)?.value;
}

interface RemoteObject {
  objectId?: string;
  value?: unknown;
  unserializableValue?: string;
  type?: string;
}

/** A remote object as a call argument: by handle, or by (unserializable) value. */
function asArgument(r: RemoteObject | undefined): object {
  if (r === undefined || r.type === "undefined") return {};
  if (r.objectId !== undefined) return { objectId: r.objectId };
  if (r.unserializableValue !== undefined) return { unserializableValue: r.unserializableValue };
  return { value: r.value };
}

/** Snapshots of the entries of a `[[Scopes]]` list (V8 gives no identity: matched by content). */
export function snapshot(list: ArrayLike<ScopeEntry>): ReadScopes {
  const chain: ScopeSnapshot[] = [];
  const found = new Map<string, number>();
  const uninitialized: string[] = [];
  for (let i = 0; i < list.length; i++) {
    const entry = list[i];
    const kind = entry.description ?? entry.type ?? "";
    if (SKIPPED.test(kind)) continue;
    const names = Object.keys(entry.object);
    const values: unknown[] = [];
    for (const name of names) {
      let v: unknown;
      try {
        v = entry.object[name];
      } catch {
        v = TDZ;
      }
      values.push(v);
      if (!found.has(name)) {
        found.set(name, chain.length);
        if (v === TDZ) uninitialized.push(name);
      }
    }
    chain.push({ kind, names, values, byContent: true });
  }
  return { chain, found, uninitialized };
}
