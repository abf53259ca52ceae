/**
 * Scope adapter over the V8 inspector protocol (Deno, Node): an in-process `node:inspector`
 * session hands out a function's internal `[[Scopes]]` list, whose entries hold the real
 * values of the variables of each enclosing scope. Deno needs `--allow-sys` for it.
 *
 * Sequence per function (see the closures design note): `Runtime.evaluate` a lookup of the
 * function in a stash → `Runtime.getProperties` for its `[[Scopes]]` → `Runtime.callFunctionOn`
 * that list with a declaration that puts `this` (the live list) into the stash.
 *
 * @module
 */

import {
  type BoundParts,
  type PrivateFields,
  type ReadScopes,
  type ScopeAdapter,
  type ScopeSnapshot,
  TDZ,
} from "./scopes.ts";

import { inspectorRefusal, scopesRefusal } from "./inspector_guard.ts";
import { DENO_SYS_REMEDY } from "./remedy.ts";

const STASH_KEY = Symbol.for("cloudpickle.inspector.stash");
const GROUP = "cloudpickle";
const SKIPPED = /^(Global|With Block|Eval)/;

interface Session {
  connect(): void;
  post(method: string, params: object, cb: (err: Error | null, result: unknown) => void): void;
}

/** An entry of V8's internal `[[Scopes]]` list. */
export interface ScopeEntry {
  description?: string;
  type?: string;
  object: Record<string, unknown>;
}

function unavailable(reason: string): ScopeAdapter {
  return {
    unavailable: reason,
    read(): Promise<ReadScopes> {
      return Promise.reject(new Error(reason));
    },
    release(): Promise<void> {
      return Promise.resolve();
    },
  };
}

/** Connects an inspector session, or explains why it cannot. */
export async function inspectorAdapter(): Promise<ScopeAdapter> {
  const refusal = inspectorRefusal();
  if (refusal !== undefined) return unavailable(refusal);
  let inspector: { Session: new () => Session };
  try {
    inspector = (await import("node:inspector")) as unknown as { Session: new () => Session };
  } catch {
    return unavailable("this runtime has no node:inspector to read closure scopes");
  }
  const session = new inspector.Session();
  try {
    session.connect();
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    if (/allow-sys|sys access|NotCapable|PermissionDenied/i.test(msg + String(e))) {
      return unavailable(DENO_SYS_REMEDY);
    }
    return unavailable(`this runtime cannot read closure scopes (${msg})`);
  }
  const post = (method: string, params: object): Promise<Record<string, unknown>> =>
    new Promise((resolve, reject) =>
      session.post(method, params, (err, result) => {
        if (err) reject(err);
        else resolve(result as Record<string, unknown>);
      })
    );
  const g = globalThis as unknown as Record<symbol, Map<number, unknown>>;
  const stash = g[STASH_KEY] ??= new Map();
  // Probe once: Bun ships node:inspector without the V8 protocol behind it.
  try {
    await withTimeout(post("Runtime.evaluate", { expression: "1", objectGroup: GROUP }), 2000);
  } catch {
    return unavailable(scopesRefusal() ?? "this runtime's inspector cannot read closure scopes");
  }
  // Constant texts, so V8 compiles each once: reads run one at a time (each awaits the
  // previous), so fixed stash slots are enough.
  const LOOKUP = `globalThis[Symbol.for("cloudpickle.inspector.stash")].get(0)`;
  const STORE_THIS =
    `function () { globalThis[Symbol.for("cloudpickle.inspector.stash")].set(1, this); }`;
  const STORE_PARTS =
    `function (t, self, args) { globalThis[Symbol.for("cloudpickle.inspector.stash")].set(1, [t, self, args]); }`;
  const STORE_ARGS =
    `function (...v) { globalThis[Symbol.for("cloudpickle.inspector.stash")].set(1, v); }`;
  let busy: Promise<unknown> = Promise.resolve();
  const serial = <T>(task: () => Promise<T>): Promise<T> => {
    const run = busy.then(task, task);
    busy = run.catch(() => {});
    return run;
  };
  return {
    unavailable: undefined,
    read(fn: object): Promise<ReadScopes> {
      return serial(() => readScopes(fn));
    },
    readBound(fn: object): Promise<BoundParts> {
      return serial(() => readBound(fn));
    },
    readPrivate(o: object): Promise<PrivateFields> {
      return serial(() => readPrivate(o));
    },
    async release(): Promise<void> {
      await post("Runtime.releaseObjectGroup", { objectGroup: GROUP });
    },
  };

  /** A handle on `o` and its own properties (internal and private ones included). */
  async function inspect(o: object): Promise<{ id: string; props: Record<string, unknown> }> {
    stash.set(0, o);
    const evaluated = await post("Runtime.evaluate", { expression: LOOKUP, objectGroup: GROUP });
    const id = (evaluated.result as { objectId?: string }).objectId;
    if (id === undefined) throw new Error("the inspector gave no handle for the value");
    const props = await post("Runtime.getProperties", {
      objectId: id,
      ownProperties: true,
      objectGroup: GROUP,
    });
    return { id, props };
  }

  /** Calls `declaration` on `objectId` with `args`, and returns what it stored in slot 1. */
  async function handOver(objectId: string, declaration: string, args: object[]): Promise<unknown> {
    await post("Runtime.callFunctionOn", {
      objectId,
      functionDeclaration: declaration,
      arguments: args,
      objectGroup: GROUP,
    });
    const v = stash.get(1);
    if (v === undefined) throw new Error("the inspector did not hand the values over");
    return v;
  }

  function internalOf(props: Record<string, unknown>): (name: string) => RemoteObject | undefined {
    const internal = (props.internalProperties ?? []) as { name: string; value?: RemoteObject }[];
    return (name) => internal.find((p) => p.name === name)?.value;
  }

  async function readScopes(fn: object): Promise<ReadScopes> {
    try {
      const { props } = await inspect(fn);
      const scopes = internalOf(props)("[[Scopes]]")?.objectId;
      if (scopes === undefined) return { chain: [], found: new Map(), uninitialized: [] };
      return snapshot(await handOver(scopes, STORE_THIS, []) as ArrayLike<ScopeEntry>);
    } finally {
      stash.clear();
    }
  }

  async function readPrivate(o: object): Promise<PrivateFields> {
    try {
      const { id, props } = await inspect(o);
      const fields = ((props.privateProperties ?? []) as { name: string; value?: RemoteObject }[])
        .filter((p) => p.value !== undefined && !p.name.startsWith("#$cp$"));
      const values = await handOver(id, STORE_ARGS, fields.map((f) => asArgument(f.value)));
      return { names: fields.map((f) => f.name.slice(1)), values: values as unknown[] };
    } finally {
      stash.clear();
    }
  }

  async function readBound(fn: object): Promise<BoundParts> {
    try {
      const { id, props } = await inspect(fn);
      const find = internalOf(props);
      const target = find("[[TargetFunction]]");
      if (target?.objectId === undefined) throw new Error("no [[TargetFunction]] shown");
      const parts = await handOver(id, STORE_PARTS, [
        asArgument(target),
        asArgument(find("[[BoundThis]]")),
        asArgument(find("[[BoundArgs]]")),
      ]) as [object, unknown, unknown[] | undefined];
      return { target: parts[0], thisArg: parts[1], args: parts[2] ?? [] };
    } finally {
      stash.clear();
    }
  }
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

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error("no answer")), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
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
