/**
 * The scope adapter of the async forms over the V8 inspector (Deno, Node): the same reads as
 * `scopes_sync.ts`, run synchronously where the session answers at once, or with each reply
 * awaited where it comes late; or the reason neither works here.
 *
 * @module
 */

import {
  type BoundParts,
  type PrivateFields,
  type ReadScopes,
  type ScopeAdapter,
  unavailableScopes,
} from "../adapter.ts";
import {
  inspectorStash,
  InspectorUnavailable,
  NotSynchronous,
  withInspectorAsync,
} from "./session.ts";
import { boundSteps, privateSteps, runNow, scopesSteps, type Steps } from "./scopes_sync.ts";

const NOT_SHOWN = "this runtime's inspector does not show closure scopes; give the variables " +
  "with closure()";

/**
 * The adapter of the async forms: the same synchronous reads, or, where the inspector
 * answers only asynchronously, the same steps awaited; or the reason neither works here
 * (probed once with a harmless read).
 */
export async function inspectorAdapter(): Promise<ScopeAdapter> {
  let run: <T>(steps: () => Steps<T>) => Promise<T> = (steps) => attempt(() => runNow(steps));
  try {
    runNow(() => scopesSteps(Math.max));
  } catch (e) {
    if (!(e instanceof NotSynchronous)) {
      return unavailableScopes(e instanceof InspectorUnavailable ? e.message : NOT_SHOWN);
    }
    // Replies come only later: run the steps awaited, one read at a time.
    let busy: Promise<unknown> = Promise.resolve();
    run = <T>(steps: () => Steps<T>): Promise<T> => {
      const task = () => runLater(steps);
      const r = busy.then(task, task);
      busy = r.catch(() => {});
      return r;
    };
    try {
      await run(() => scopesSteps(Math.max));
    } catch {
      return unavailableScopes(NOT_SHOWN);
    }
  }
  return {
    unavailable: undefined,
    read: (fn: object): Promise<ReadScopes> => run(() => scopesSteps(fn)),
    readBound: (fn: object): Promise<BoundParts> => run(() => boundSteps(fn)),
    readPrivate: (o: object): Promise<PrivateFields> => run(() => privateSteps(o)),
    release: (): Promise<void> => Promise.resolve(),
  };
}

function attempt<T>(read: () => T): Promise<T> {
  try {
    return Promise.resolve(read());
  } catch (e) {
    return Promise.reject(e);
  }
}

/** Runs a read's steps awaiting each reply, with a session for this read. */
function runLater<T>(steps: () => Steps<T>): Promise<T> {
  return withInspectorAsync(async ({ post }) => {
    try {
      const g = steps();
      let r = g.next(undefined as never);
      while (!r.done) r = g.next(await post(r.value[0], r.value[1]));
      return r.value;
    } finally {
      inspectorStash().clear();
    }
  });
}
