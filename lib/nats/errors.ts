/**
 * Errors of the NATS executor (not of the pickled tasks: those are rethrown as they were).
 *
 * @module
 */

import { ExecutorError, WorkerDiedError } from "../executor/errors.ts";

/**
 * A task was delivered the maximum number of times and no worker finished it: each worker
 * that ran it died or stopped (a task that keeps killing workers).
 */
export class TaskLostError extends WorkerDiedError {}

/** A worker refused a task: its signature, id or age did not check out. */
export class TaskRefusedError extends ExecutorError {}

for (const C of [TaskLostError, TaskRefusedError]) {
  Object.defineProperty(C.prototype, "name", {
    value: C.name,
    writable: true,
    configurable: true,
  });
}
