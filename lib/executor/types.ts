/**
 * The executor interface shared by the backends (`./pool`: local Workers and subprocesses;
 * later `./nats`): Python's `concurrent.futures.Executor`, with an async-iterable `imap`.
 *
 * @module
 */

/** Options of one call (`submit`, `map`, `imap`). */
export interface CallOptions {
  /** Gives the call up: queued work is dropped, running work is stopped (its worker replaced). */
  signal?: AbortSignal;
  /** Milliseconds for the whole call; then it fails with a `TimeoutError` DOMException. */
  timeout?: number;
}

/** Options of `map` and `imap`. */
export interface MapOptions extends CallOptions {
  /**
   * Items per task. Default: for an array, its length / (4 × the executor's concurrency),
   * rounded up; for other iterables, 1.
   */
  chunkSize?: number;
  /** `false`: `imap` yields results as they complete, not in input order (default true). */
  ordered?: boolean;
  /**
   * Chunks in flight at most (sent and not yet yielded); the input is read no further
   * ahead than that. Default: twice the executor's concurrency (a thread pool: at least
   * enough chunks for 32 items per worker, which it sends several at a time while they are
   * short).
   */
  maxInFlight?: number;
}

/** Options of `close`. */
export interface CloseOptions {
  /** `true`: do not wait; queued and running tasks fail with a `CancelledError`. */
  cancel?: boolean;
}

/**
 * Runs picklable functions elsewhere. `fn` is any function the library pickles (a closure
 * over local variables, a class method, a function of a module registered by value);
 * arguments and results are pickled too. An error thrown by the task is rethrown here
 * with its class, message, stack (the worker's) and cause.
 */
export interface Executor extends AsyncDisposable {
  /** Runs `fn(...args)` on a worker. */
  submit<A extends unknown[], R>(
    fn: (...args: A) => R | Promise<R>,
    ...args: A
  ): Promise<Awaited<R>>;
  /** `submit` with per-call options. */
  submitWith<A extends unknown[], R>(
    options: CallOptions,
    fn: (...args: A) => R | Promise<R>,
    ...args: A
  ): Promise<Awaited<R>>;
  /** Runs `fn(item)` for every item, in chunks; the results in input order. */
  map<T, R>(
    fn: (item: T) => R | Promise<R>,
    items: Iterable<T> | AsyncIterable<T>,
    options?: MapOptions,
  ): Promise<Awaited<R>[]>;
  /**
   * `map` as an async iterable, with backpressure (at most `maxInFlight` chunks sent and
   * not yet consumed). Leaving the loop early cancels what is still running.
   */
  imap<T, R>(
    fn: (item: T) => R | Promise<R>,
    items: Iterable<T> | AsyncIterable<T>,
    options?: MapOptions,
  ): AsyncIterableIterator<Awaited<R>>;
  /** Refuses new calls, waits for running and queued tasks (or cancels them), then stops. */
  close(options?: CloseOptions): Promise<void>;
}

/**
 * One unit of work handed to a backend: `fn(...items)` (`apply`) or `fn(item)` for each item
 * (`map`). `token` is the same object for every job of one call, so a backend can pickle
 * `fn` once per call and send it once per worker.
 */
export interface Job {
  /** The task's function. */
  readonly fn: (...args: never[]) => unknown;
  /** `apply`: one call with `items` as arguments; `map`: one call per item. */
  readonly mode: "apply" | "map";
  /** The arguments (`apply`) or the chunk's items (`map`). */
  readonly items: readonly unknown[];
  /** The same object for every job of one call. */
  readonly token: object;
}
