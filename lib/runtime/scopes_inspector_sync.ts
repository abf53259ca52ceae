/**
 * A synchronous scope reader over the V8 inspector (Deno with `--allow-sys`, Node), so that
 * `dumpsSync` captures closures automatically too. Deno runs `session.post` at once and only
 * defers the reply, so what a `Runtime.callFunctionOn` does happens before `post` returns;
 * what is missing is the object ids the replies would carry. They are predicted: ids are
 * "<isolate>.<context>.<counter>", and the counter grows by one for every object the session
 * wraps. The prefix is learned once from a real (asynchronous) reply, when the library loads;
 * every prediction is then checked (the function's id must hand over the function, the
 * scope list must look like one), and the counter is found again by probing forward when a
 * check fails. Started only where sys access is already granted, so it never prompts.
 *
 * @module
 */

import { type ScopeEntry, snapshot } from "./scopes_inspector.ts";
import { type ReadScopes, setInspectorSyncReader } from "./scopes.ts";
import { inspectorUsableSilently } from "./inspector_guard.ts";

interface Session {
  connect(): void;
  post(method: string, params: object, cb: (err: unknown, result: unknown) => void): void;
}

const STASH_KEY = Symbol.for("cloudpickle.inspector.syncStash");
const LOOKUP = `globalThis[Symbol.for("cloudpickle.inspector.syncStash")].get(0)`;
const STORE_THIS =
  `function () { globalThis[Symbol.for("cloudpickle.inspector.syncStash")].set(1, this); }`;
const GROUP = "cloudpickle-sync";
const noop = (): void => {};

let started = false;

/** Starts the reader where the inspector is usable without asking for permission. */
export function startInspectorSyncReader(): void {
  if (started) return;
  started = true;
  if (!inspectorUsableSilently()) return;
  import("node:inspector").then((m) => connect(m as unknown as { Session: new () => Session }))
    .catch(noop);
}

function connect(inspector: { Session: new () => Session }): void {
  const session = new inspector.Session();
  try {
    session.connect();
  } catch {
    return;
  }
  const g = globalThis as unknown as Record<symbol, Map<number, unknown>>;
  const stash = g[STASH_KEY] ??= new Map();
  stash.set(0, stash);
  session.post("Runtime.evaluate", { expression: LOOKUP, objectGroup: GROUP }, (err, res) => {
    const id = (res as { result?: { objectId?: string } } | undefined)?.result?.objectId;
    if (err || typeof id !== "string") return;
    const dot = id.lastIndexOf(".");
    const counter = Number(id.slice(dot + 1));
    if (!Number.isSafeInteger(counter)) return;
    setInspectorSyncReader(reader(session, stash, id.slice(0, dot + 1), counter));
  });
}

function reader(
  session: Session,
  stash: Map<number, unknown>,
  prefix: string,
  start: number,
): (fn: object) => ReadScopes | undefined {
  let counter = start;
  let reads = 0;
  /** Calls STORE_THIS on object `id` and returns what it stored (undefined: no such object). */
  const take = (id: number): unknown => {
    stash.delete(1);
    session.post("Runtime.callFunctionOn", {
      objectId: prefix + id,
      functionDeclaration: STORE_THIS,
      objectGroup: GROUP,
    }, noop);
    return stash.get(1);
  };
  /** Wraps `o` and returns its id, found by probing forward from the counter. */
  const wrap = (o: object): number | undefined => {
    stash.set(0, o);
    session.post("Runtime.evaluate", { expression: LOOKUP, objectGroup: GROUP }, noop);
    for (let id = counter + 1; id <= counter + 256; id++) {
      if (take(id) === o) return counter = id;
    }
    return undefined;
  };
  return (fn: object): ReadScopes | undefined => {
    if (++reads % 4096 === 0) {
      // The session keeps what it wrapped until released; ids keep counting.
      session.post("Runtime.releaseObjectGroup", { objectGroup: GROUP }, noop);
    }
    try {
      const fnId = wrap(fn);
      if (fnId === undefined) return undefined;
      session.post("Runtime.getProperties", {
        objectId: prefix + fnId,
        ownProperties: true,
        objectGroup: GROUP,
      }, noop);
      // The list follows the function's object-valued own properties and its [[Prototype]].
      let k = 0;
      for (const key of Reflect.ownKeys(fn)) {
        const d = Object.getOwnPropertyDescriptor(fn, key)!;
        if ("value" in d) {
          const v = d.value;
          if (v !== null && (typeof v === "object" || typeof v === "function")) k++;
        } else {
          if (d.get) k++;
          if (d.set) k++;
        }
      }
      for (let id = fnId + k + 2; id < fnId + k + 10; id++) {
        const v = take(id);
        if (isScopeList(v)) {
          let last = id;
          while (take(last + 1) !== undefined) last++;
          counter = last;
          return snapshot(v as ArrayLike<ScopeEntry>);
        }
      }
      return undefined;
    } finally {
      stash.delete(0);
      stash.delete(1);
    }
  };
}

function isScopeList(v: unknown): boolean {
  if (v === null || typeof v !== "object") return false;
  const list = v as ArrayLike<unknown>;
  if (typeof list.length !== "number" || list.length === 0) return false;
  const first = list[0] as Record<string, unknown> | null;
  return first !== null && typeof first === "object" && "object" in first &&
    "description" in first;
}
