/**
 * Errors of the executors (not of the pickled tasks: those are rethrown as they were).
 *
 * @module
 */

/** Base class of the executors' own errors. */
export class ExecutorError extends Error {}

/** A worker died (exited, was killed, or threw at its top level) while it ran the task. */
export class WorkerDiedError extends ExecutorError {}

/** A call made after `close()`. */
export class ExecutorClosedError extends ExecutorError {}

/** A task dropped by `close({ cancel: true })`. */
export class CancelledError extends ExecutorError {}

for (const C of [ExecutorError, WorkerDiedError, ExecutorClosedError, CancelledError]) {
  Object.defineProperty(C.prototype, "name", {
    value: C.name,
    writable: true,
    configurable: true,
  });
}
