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

import { denoSysPermission, isBun, isV8, maybeBuiltin, processTicker } from "../../host.ts";
import { SHARED_SLOT_EXPR, sharedSlot } from "../shared_slot.ts";
import { BUN_PRELOAD_REMEDY, DENO_SYS_REMEDY, denoReplRefusal } from "../remedy.ts";

/** Why the in-process inspector must not be used here, or undefined when it may be. */
export function inspectorRefusal(): string | undefined {
  // Bun's `node:inspector` has no V8 protocol behind it (it shows no closure variables).
  if (isBun()) return BUN_PRELOAD_REMEDY;
  return denoReplRefusal();
}

/**
 * Whether a V8 inspector session may be used without asking: V8, not the Deno REPL, and sys
 * access already granted (Deno would otherwise prompt; Node needs none).
 */
export function inspectorUsableSilently(): boolean {
  if (usable) return true;
  if (!isV8() || inspectorRefusal() !== undefined) return false;
  const sys = denoSysPermission();
  // Kept once granted: a pickling call asks this several times.
  return usable = sys === undefined || sys === "granted";
}
let usable = false;

/**
 * Values handed between the library and the expressions the inspector evaluates: slot 0
 * holds the value to inspect, slot 1 what a handed-over function stored.
 */
export function inspectorStash(): Map<number, unknown> {
  return sharedSlot().inspectorStash ??= new Map();
}

/** An expression for the value in the stash's slot 0 (see {@linkcode inspectorStash}). */
export const STASH_LOOKUP = `${SHARED_SLOT_EXPR}.inspectorStash.get(0)`;

/** A function declaration that stores its arguments' values with `store` into slot 1. */
export function stashStore(params: string, value: string): string {
  return `function (${params}) { ${SHARED_SLOT_EXPR}.inspectorStash.set(1, ${value}); }`;
}

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
    const m = maybeBuiltin<{ Session?: new () => Session }>("node:inspector");
    if (typeof m?.Session === "function") SessionClass = m.Session;
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

/**
 * What reads made while the session is held found out about values, for later reads of the
 * same hold (one pickling call): a Map that exists only while a hold lasts, emptied when it
 * ends (the values read may change between calls).
 */
export function heldMemo(): Map<object, unknown> | undefined {
  if (holds === 0) return undefined;
  return memo ??= new Map();
}
let memo: Map<object, unknown> | undefined;

/** Ends a {@linkcode holdInspector}; the last one disconnects the session, if one was opened. */
export function releaseInspector(): void {
  if (--holds > 0) return;
  memo = undefined;
  if (held === undefined) return;
  const { session } = held;
  held = undefined;
  close(session);
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
    close(session);
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
    close(session);
  }
}

/** A connected session, or InspectorUnavailable with the reason. */
function open(): Session {
  const refusal = inspectorRefusal();
  if (refusal !== undefined) throw new InspectorUnavailable(refusal);
  const S = sessionClass();
  if (S === undefined) {
    throw new InspectorUnavailable(
      "closure scopes cannot be read: this runtime has no node:inspector; give the variables with closure()",
    );
  }
  const session = new S();
  try {
    session.connect();
    activity.sessions++;
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    if (/allow-sys|sys access|NotCapable|PermissionDenied/i.test(msg + String(e))) {
      throw new InspectorUnavailable(DENO_SYS_REMEDY);
    }
    throw new InspectorUnavailable(
      `closure scopes cannot be read: the inspector refused to connect (${msg}); give the ` +
        "variables with closure()",
    );
  }
  return session;
}

/**
 * Evaluates `expression` in the session (the held one, else one for this call) and returns
 * the reply. Two frames deep (this function and `callOn`): V8 reports ten frames of the
 * stack an evaluation throws on, so the caller's caller is among them.
 */
export function evaluateNow(expression: string): Record<string, unknown> {
  const params = { expression, silent: true };
  if (held === undefined) {
    const session = open();
    if (holds === 0) {
      try {
        return callOn(session, "Runtime.evaluate", params);
      } finally {
        close(session);
      }
    }
    held = { session, calls: calls(session) };
  }
  return callOn(held.session, "Runtime.evaluate", params);
}

/** Disconnects a session the library opened. */
function close(session: Session): void {
  try {
    session.disconnect();
  } catch {
    // already gone
  }
  activity.sessions--;
  domains.delete(session);
}

/** What the library's sessions did (for tests: `inspectorActivity`). */
const activity = { sessions: 0, calls: new Map<string, number>() };
/** Domains each connected session has enabled and not disabled. */
const domains = new Map<Session, Set<string>>();

/** Counts a command, and the domains it enables or disables. */
function count(session: Session, method: string): void {
  activity.calls.set(method, (activity.calls.get(method) ?? 0) + 1);
  const dot = method.lastIndexOf(".");
  const verb = method.slice(dot + 1);
  if (verb !== "enable" && verb !== "disable") return;
  let open = domains.get(session);
  if (open === undefined) domains.set(session, open = new Set());
  if (verb === "enable") open.add(method.slice(0, dot));
  else open.delete(method.slice(0, dot));
}

/**
 * What the library's inspector sessions have done so far in this process: the sessions
 * still connected, the domains (such as `Debugger`) they left enabled, and how many times
 * each protocol command was sent. A V8 debugger left enabled slows down every later
 * compilation (each `eval` reports its script to the session), so both lists are empty
 * whenever no pickling call is running.
 *
 * @internal
 */
export function inspectorActivity(): {
  sessions: number;
  enabled: string[];
  calls: Record<string, number>;
} {
  const enabled = new Set<string>();
  for (const open of domains.values()) for (const d of open) enabled.add(d);
  return {
    sessions: activity.sessions,
    enabled: [...enabled].sort(),
    calls: Object.fromEntries(activity.calls),
  };
}

/** Sends one protocol command on `session` and returns its result; throws its error. */
function callOn(session: Session, method: string, params: object): Record<string, unknown> {
  count(session, method);
  const ticker = processTicker() as Ticker;
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
}

function calls(session: Session): InspectorCalls {
  return {
    call(method: string, params: object): Record<string, unknown> {
      return callOn(session, method, params);
    },
    post(method: string, params: object): Promise<Record<string, unknown>> {
      count(session, method);
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
