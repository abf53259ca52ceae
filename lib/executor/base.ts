/**
 * What every executor backend shares: call signals (abort, timeout, cancel on close),
 * chunking, ordered and unordered iteration with backpressure, and closing. A backend
 * implements `runJob` (run one chunk or call, resolve its results) and `shutdown`.
 *
 * @module
 */

import { CancelledError, ExecutorClosedError } from "./errors.ts";
import type { CallOptions, CloseOptions, Executor, Job, MapOptions } from "./types.ts";

const noop = () => {};

/** A call's own abort controller, linked to the user's signal, its timeout and `close`. */
class CallSignal {
  readonly controller = new AbortController();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private unlink: (() => void)[] = [];

  constructor(options: CallOptions | undefined, cancel: AbortSignal) {
    const c = this.controller;
    this.link(cancel);
    const user = options?.signal;
    if (user !== undefined) this.link(user);
    const ms = options?.timeout;
    if (ms !== undefined && !c.signal.aborted) {
      if (typeof ms !== "number" || !(ms >= 0)) {
        throw new TypeError(`timeout must be a number of milliseconds >= 0, not ${String(ms)}`);
      }
      this.timer = setTimeout(() => {
        c.abort(new DOMException(`the call timed out after ${ms} ms`, "TimeoutError"));
      }, ms);
    }
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  private link(s: AbortSignal): void {
    const c = this.controller;
    if (c.signal.aborted) return;
    if (s.aborted) {
      c.abort(s.reason);
      return;
    }
    const on = () => c.abort(s.reason);
    s.addEventListener("abort", on, { once: true });
    this.unlink.push(() => s.removeEventListener("abort", on));
  }

  /** Stops the timer and forgets the linked signals (the call is over). */
  done(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    for (const u of this.unlink) u();
    this.unlink.length = 0;
  }
}

/** The tasks a map keeps in flight: `maxInFlight`, else the backend's default. */
function windowOf(options: MapOptions | undefined, byDefault: number): number {
  const window = options?.maxInFlight ?? byDefault;
  if (!Number.isInteger(window) || window < 1) {
    throw new TypeError(`maxInFlight must be an integer >= 1, not ${String(window)}`);
  }
  return window;
}

function chunkSizeOf(options: MapOptions | undefined, items: unknown, concurrency: number) {
  const n = options?.chunkSize;
  if (n !== undefined) {
    if (!Number.isInteger(n) || n < 1) {
      throw new TypeError(`chunkSize must be an integer >= 1, not ${String(n)}`);
    }
    return n;
  }
  if (Array.isArray(items)) return Math.max(1, Math.ceil(items.length / (4 * concurrency)));
  return 1;
}

/** Reads up to `n` items from a sync or async iterator; fewer only at the end. */
async function take(
  it: Iterator<unknown> | AsyncIterator<unknown>,
  isAsync: boolean,
  n: number,
): Promise<unknown[]> {
  const out: unknown[] = [];
  while (out.length < n) {
    const r = isAsync ? await it.next() : (it as Iterator<unknown>).next();
    if (r.done) break;
    out.push(r.value);
  }
  return out;
}

/**
 * The executor interface over a backend. Subclasses implement `concurrency`, `runJob` and
 * `shutdown`.
 */
export abstract class BaseExecutor implements Executor {
  /** How many jobs the backend runs at once (sizes default chunks and windows). */
  protected abstract get concurrency(): number;
  /**
   * Runs one job. Resolves with its results (one for `apply`, one per item for `map`), or
   * rejects with the task's error; on `signal`'s abort, rejects with its reason and stops
   * the work.
   */
  protected abstract runJob(job: Job, signal: AbortSignal): Promise<unknown[]>;
  /**
   * Chunks a map keeps in flight when `maxInFlight` is not given: twice the concurrency, or
   * what the backend prefers for chunks of `chunkSize` items.
   */
  protected defaultWindow(_chunkSize: number): number {
    return 2 * this.concurrency;
  }
  /** Releases the backend's workers; called once, after the calls settled (or were cancelled). */
  protected abstract shutdown(cancel: boolean): Promise<void>;
  /**
   * The namespace of the class identities this client pickles (`DumpOptions.classNamespace`):
   * unique per executor, so that clients sharing long-lived workers never update each
   * other's classes, even classes with the same source.
   */
  readonly classNamespace: string = crypto.randomUUID();

  private closing: Promise<void> | undefined;
  /** Set when the backend is shut down: no job may start any more. */
  private shutDown = false;
  private readonly cancelAll = new AbortController();
  private readonly calls = new Set<Promise<unknown>>();

  /** True once `close()` was called. */
  get closed(): boolean {
    return this.closing !== undefined;
  }

  /** A new call's signal; refused after close(). */
  private begin(options: CallOptions | undefined): CallSignal {
    if (this.closing !== undefined) {
      throw new ExecutorClosedError("the executor is closed: no new tasks after close()");
    }
    return new CallSignal(options, this.cancelAll.signal);
  }

  /** Counts `p` as a running call until it settles. */
  private track<T>(p: Promise<T>): Promise<T> {
    this.calls.add(p);
    const drop = () => this.calls.delete(p);
    p.then(drop, drop);
    return p;
  }

  submit<A extends unknown[], R>(
    fn: (...args: A) => R | Promise<R>,
    ...args: A
  ): Promise<Awaited<R>> {
    return this.submitWith(undefined, fn, ...args);
  }

  submitWith<A extends unknown[], R>(
    options: CallOptions | undefined,
    fn: (...args: A) => R | Promise<R>,
    ...args: A
  ): Promise<Awaited<R>> {
    let call: CallSignal;
    try {
      checkFunction(fn);
      call = this.begin(options);
    } catch (e) {
      return Promise.reject(e);
    }
    const job: Job = { fn: fn as Job["fn"], mode: "apply", items: args, token: {} };
    return this.track(
      this.runJob(job, call.signal).then(
        (r) => r[0] as Awaited<R>,
      ).finally(() => call.done()),
    );
  }

  map<T, R>(
    fn: (item: T) => R | Promise<R>,
    items: Iterable<T> | AsyncIterable<T>,
    options?: MapOptions,
  ): Promise<Awaited<R>[]> {
    // A bad call or a closed executor: a rejected promise, as submit gives.
    let call: CallSignal;
    let chunkSize: number;
    let window: number;
    let it: AsyncIterableIterator<Awaited<R>> | undefined;
    try {
      if (options?.ordered === false) it = this.imap(fn, items, options);
      checkFunction(fn);
      chunkSize = chunkSizeOf(options, items, this.concurrency);
      window = windowOf(options, this.defaultWindow(chunkSize));
      if (it === undefined) call = this.begin(options);
    } catch (e) {
      return Promise.reject(e);
    }
    if (it !== undefined) {
      return (async () => {
        const out: Awaited<R>[] = [];
        for await (const r of it) out.push(r);
        return out;
      })();
    }
    // In order: the same window as imap's, the results put in place without an async
    // generator's hops per item (they count at one item per task).
    return this.track(this.collect(fn, items, chunkSize, window, call!)) as Promise<
      Awaited<R>[]
    >;
  }

  /** `map` in input order: what `iterate` yields, gathered in one list. */
  private async collect(
    fn: (...args: never[]) => unknown,
    items: Iterable<unknown> | AsyncIterable<unknown>,
    chunkSize: number,
    window: number,
    call: CallSignal,
  ): Promise<unknown[]> {
    const signal = call.signal;
    const array = Array.isArray(items) ? items : undefined;
    const isAsync = array === undefined &&
      typeof (items as AsyncIterable<unknown>)[Symbol.asyncIterator] === "function";
    const source = array !== undefined
      ? undefined
      : isAsync
      ? (items as AsyncIterable<unknown>)[Symbol.asyncIterator]()
      : (items as Iterable<unknown>)[Symbol.iterator]();
    const token = {};
    const out: unknown[] = [];
    const inFlight: Promise<unknown[]>[] = [];
    let at = 0;
    let exhausted = false;
    let ok = false;
    try {
      while (true) {
        while (!exhausted && inFlight.length < window) {
          if (signal.aborted) throw signal.reason;
          let chunk: unknown[];
          if (array !== undefined) {
            chunk = array.slice(at, at + chunkSize);
            at += chunk.length;
          } else chunk = await take(source!, isAsync, chunkSize);
          if (chunk.length < chunkSize) exhausted = true;
          if (chunk.length === 0) break;
          const p = this.runJob({ fn, mode: "map", items: chunk, token }, signal);
          p.catch(noop); // observed when its turn comes
          inFlight.push(p);
        }
        if (inFlight.length === 0) break;
        const results = await inFlight.shift()!;
        for (let i = 0; i < results.length; i++) out.push(results[i]);
      }
      ok = true;
      return out;
    } finally {
      if (!ok) {
        // Left early (an error, an abort): stop what still runs for this call.
        if (!signal.aborted) {
          call.controller.abort(new DOMException("the iteration was left", "AbortError"));
        }
        if (!exhausted) await (source as AsyncIterator<unknown> | undefined)?.return?.();
      }
      call.done();
    }
  }

  imap<T, R>(
    fn: (item: T) => R | Promise<R>,
    items: Iterable<T> | AsyncIterable<T>,
    options?: MapOptions,
  ): AsyncIterableIterator<Awaited<R>> {
    // Checked now, not at the first next(): a bad call fails where it is made.
    checkFunction(fn);
    const chunkSize = chunkSizeOf(options, items, this.concurrency);
    const window = windowOf(options, this.defaultWindow(chunkSize));
    const call = this.begin(options);
    const gen = this.iterate(fn, items, options?.ordered !== false, chunkSize, window, call);
    // close() waits for the tasks an iteration has in flight (tracked in iterate), and for
    // the iteration itself while it works towards the value its consumer asked for; not
    // while it waits for the consumer, who may never ask again (an iterator left unfinished).
    const track = (p: Promise<void>) => this.track(p);
    const wrapped = (async function* () {
      let done = false;
      try {
        while (true) {
          let finish!: () => void;
          track(new Promise<void>((r) => finish = r));
          let r: IteratorResult<unknown>;
          try {
            r = await gen.next();
          } finally {
            finish();
          }
          if (r.done) {
            done = true;
            return;
          }
          yield r.value;
        }
      } finally {
        if (!done) await gen.return(undefined);
      }
    })();
    return wrapped as AsyncIterableIterator<Awaited<R>>;
  }

  /** Reads the input in chunks, keeps at most `window` in flight, yields results. */
  private async *iterate(
    fn: (...args: never[]) => unknown,
    items: Iterable<unknown> | AsyncIterable<unknown>,
    ordered: boolean,
    chunkSize: number,
    window: number,
    call: CallSignal,
  ): AsyncGenerator<unknown> {
    const signal = call.signal;
    const isAsync = typeof (items as AsyncIterable<unknown>)[Symbol.asyncIterator] === "function";
    const source = isAsync
      ? (items as AsyncIterable<unknown>)[Symbol.asyncIterator]()
      : (items as Iterable<unknown>)[Symbol.iterator]();
    const token = {};
    type Slot = { p: Promise<unknown[]>; key: number };
    const inFlight: Slot[] = [];
    let next = 0;
    let exhausted = false;
    let ok = false;
    try {
      while (true) {
        while (!exhausted && inFlight.length < window) {
          if (signal.aborted) throw signal.reason;
          const chunk = await take(source, isAsync, chunkSize);
          if (chunk.length < chunkSize) exhausted = true;
          if (chunk.length === 0) break;
          if (this.shutDown) {
            throw new ExecutorClosedError(
              "the executor was closed before this imap asked for more tasks: iterate it " +
                "before close(), or close() after the loop",
            );
          }
          const job: Job = { fn, mode: "map", items: chunk, token };
          const p = this.track(this.runJob(job, signal));
          p.catch(noop); // observed when its turn comes
          inFlight.push({ p, key: next++ });
        }
        if (inFlight.length === 0) break;
        let results: unknown[];
        if (ordered) {
          results = await inFlight.shift()!.p;
        } else {
          const done = await Promise.race(
            inFlight.map((s) => s.p.then(() => s, () => s)),
          );
          inFlight.splice(inFlight.indexOf(done), 1);
          results = await done.p;
        }
        for (const r of results) yield r;
      }
      ok = true;
    } finally {
      if (!ok) {
        // Left early (break, error, abort): stop what still runs for this call.
        if (!signal.aborted) {
          call.controller.abort(new DOMException("the iteration was left", "AbortError"));
        }
        if (!exhausted) await (source as AsyncIterator<unknown>).return?.();
      }
      call.done();
    }
  }

  /**
   * Refuses new calls, waits for the calls made so far, then stops the workers. With
   * `cancel: true`, queued and running tasks fail with a `CancelledError` at once.
   */
  close(options?: CloseOptions): Promise<void> {
    const cancel = options?.cancel === true;
    if (this.closing === undefined) {
      this.closing = (async () => {
        if (!cancel) {
          for (;;) {
            while (this.calls.size > 0) await Promise.allSettled([...this.calls]);
            // A consumer between two values of an imap asks for the next one now.
            await new Promise((r) => setTimeout(r, 0));
            if (this.calls.size === 0) break;
          }
        }
        this.shutDown = true;
        await this.shutdown(this.cancelAll.signal.aborted);
      })();
    }
    if (cancel) {
      this.cancelAll.abort(new CancelledError("the executor was closed with { cancel: true }"));
    }
    return this.closing;
  }

  /** `await using pool = createPool()` closes it (waiting for its tasks) at the block's end. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

function checkFunction(fn: unknown): void {
  if (typeof fn !== "function") {
    throw new TypeError(`the task must be a function, not ${fn === null ? "null" : typeof fn}`);
  }
}
