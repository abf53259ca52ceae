/**
 * A V8 inspector session that answers synchronously and lives only as long as one piece of
 * synchronous work. While any in-process session is connected, Deno makes every
 * `new Worker()` wait about half a second (whether or not the worker uses the library), so no
 * session may outlive the call that needed it: {@linkcode withInspector} connects, runs its
 * callback, and disconnects before returning (connect + disconnect cost a few microseconds),
 * or, inside {@linkcode holdInspector} … {@linkcode releaseInspector} (one synchronous
 * pickling walk), when the hold ends.
 *
 * Deno runs `session.post` inside V8 at once and only defers the reply: the session schedules
 * one `process.nextTick` that drains its messages. That drain is taken while posting and run
 * right away, so the reply (and any event, such as `Debugger.scriptParsed`) is delivered
 * before `post` returns; no other pending tick or promise job runs. Node answers
 * synchronously already.
 *
 * @module
 */

import { inspectorRefusal } from "./inspector_guard.ts";

interface Session {
  connect(): void;
  disconnect(): void;
  post(method: string, params: object, cb: (err: unknown, result: unknown) => void): void;
  on(event: string, listener: (message: { params?: unknown }) => void): void;
}

/** A connected session's synchronous calls. */
export interface InspectorCalls {
  /** Sends one protocol command and returns its result; throws its error. */
  call(method: string, params: object): Record<string, unknown>;
  /** Sends one protocol command whose reply comes later (e.g. a heap snapshot). */
  post(method: string, params: object): Promise<Record<string, unknown>>;
  /** Listens to a protocol event (delivered during the call that causes it). */
  on(event: string, listener: (params: unknown) => void): void;
}

type Ticker = { nextTick(cb: (...a: unknown[]) => void, ...args: unknown[]): void };

let SessionClass: (new () => Session) | null | undefined;

function sessionClass(): (new () => Session) | undefined {
  if (SessionClass === undefined) {
    SessionClass = null;
    const p = (globalThis as { process?: { getBuiltinModule?(id: string): unknown } }).process;
    try {
      const m = p?.getBuiltinModule?.("node:inspector") as { Session?: new () => Session };
      if (typeof m?.Session === "function") SessionClass = m.Session;
    } catch {
      // no inspector module here
    }
  }
  return SessionClass ?? undefined;
}

/** Thrown when this runtime's inspector cannot be used synchronously here. */
export class InspectorUnavailable extends Error {}

/** Thrown when the inspector answers, but only later (its replies are not taken at once). */
export class NotSynchronous extends InspectorUnavailable {}

/** Depth of {@linkcode holdInspector} calls; the session kept open while it is positive. */
let holds = 0;
let held: { session: Session; calls: InspectorCalls } | undefined;

/**
 * Keeps the session that {@linkcode withInspector} opens connected until the matching
 * {@linkcode releaseInspector}, so that the reads of one synchronous pickling call share one
 * session. Call both in the same synchronous stretch (try/finally).
 */
export function holdInspector(): void {
  holds++;
}

/** Ends a {@linkcode holdInspector}; the last one disconnects the session, if one was opened. */
export function releaseInspector(): void {
  if (--holds > 0 || held === undefined) return;
  const { session } = held;
  held = undefined;
  try {
    session.disconnect();
  } catch {
    // already gone
  }
}

/**
 * Runs `work` with a connected session: the held one, else a fresh one that is disconnected
 * before returning. Throws {@linkcode InspectorUnavailable} (with the reason) where no
 * session can be used.
 */
export function withInspector<T>(work: (calls: InspectorCalls) => T): T {
  if (held !== undefined) return work(held.calls);
  const session = open();
  const c = calls(session);
  if (holds > 0) {
    held = { session, calls: c };
    return work(c);
  }
  try {
    return work(c);
  } finally {
    try {
      session.disconnect();
    } catch {
      // already gone
    }
  }
}

/**
 * Runs asynchronous `work` with a session of its own, disconnected when the work settles.
 * Workers started meanwhile are slow to start (see above).
 */
export async function withInspectorAsync<T>(
  work: (calls: InspectorCalls) => Promise<T>,
): Promise<T> {
  const session = open();
  try {
    return await work(calls(session));
  } finally {
    try {
      session.disconnect();
    } catch {
      // already gone
    }
  }
}

/** A connected session, or InspectorUnavailable with the reason. */
function open(): Session {
  const refusal = inspectorRefusal();
  if (refusal !== undefined) throw new InspectorUnavailable(refusal);
  const S = sessionClass();
  if (S === undefined) {
    throw new InspectorUnavailable("this runtime has no node:inspector to read closure scopes");
  }
  const session = new S();
  try {
    session.connect();
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    if (/allow-sys|sys access|NotCapable|PermissionDenied/i.test(msg + String(e))) {
      throw new InspectorUnavailable(
        "reading closure variables needs the inspector, which Deno allows only with " +
          "--allow-sys (or -A)",
      );
    }
    throw new InspectorUnavailable(`this runtime cannot read closure scopes (${msg})`);
  }
  return session;
}

function calls(session: Session): InspectorCalls {
  const ticker = (globalThis as unknown as { process: Ticker }).process;
  return {
    call(method: string, params: object): Record<string, unknown> {
      let done = false;
      let error: unknown;
      let result: unknown;
      let drain: ((...a: unknown[]) => void) | undefined;
      const nextTick = ticker.nextTick;
      // The session's own drain is the only tick scheduled while it posts.
      ticker.nextTick = function (cb: (...a: unknown[]) => void, ...args: unknown[]): void {
        if (drain === undefined && args.length === 0) drain = cb;
        else Reflect.apply(nextTick, ticker, [cb, ...args]);
      };
      try {
        session.post(method, params, (err, res) => {
          done = true;
          error = err;
          result = res;
        });
      } finally {
        ticker.nextTick = nextTick;
      }
      if (!done && drain !== undefined) drain();
      if (!done) {
        if (drain !== undefined) Reflect.apply(nextTick, ticker, [drain]);
        throw new NotSynchronous(
          "this runtime's inspector answers only asynchronously: use the async dumps()",
        );
      }
      if (error) throw error instanceof Error ? error : new Error(String(error));
      if (result === null || typeof result !== "object") return {};
      return result as Record<string, unknown>;
    },
    post(method: string, params: object): Promise<Record<string, unknown>> {
      return new Promise((resolve, reject) => {
        // Replies that V8 sends later do not keep the event loop alive: hold a timer.
        const timer = setInterval(() => {}, 1000);
        session.post(method, params, (err, res) => {
          clearInterval(timer);
          if (err) reject(err instanceof Error ? err : new Error(String(err)));
          else resolve((res ?? {}) as Record<string, unknown>);
        });
      });
    },
    on(event: string, listener: (params: unknown) => void): void {
      session.on(event, (message) => listener(message.params));
    },
  };
}
