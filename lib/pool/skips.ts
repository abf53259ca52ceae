/**
 * Tasks sent ahead to a thread worker and then cancelled, flagged in memory the host and the
 * thread share: the thread reads the flag of each task before it starts it, even while it
 * runs task after task without reading its messages (the skip message comes too, later).
 *
 * @module
 */

/** Flags per thread (a power of two): more than the tasks it is ever sent ahead. */
const SIZE = 1024;

/** New flags, for one thread. */
export function newSkips(): Int32Array {
  return new Int32Array(new SharedArrayBuffer(4 * SIZE)).fill(-1);
}

/** Flags the task `id` (an integer >= 0) as cancelled. */
export function markSkipped(flags: Int32Array, id: number): void {
  Atomics.store(flags, id & (SIZE - 1), id);
}

/** True when the task `id` was flagged as cancelled. */
export function isSkipped(flags: Int32Array, id: number): boolean {
  return Atomics.load(flags, id & (SIZE - 1)) === id;
}
