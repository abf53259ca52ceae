// A module of the cloudpickle battery: pickled by reference by default (another process
// imports it), by value once registered with registerPickleByValue.

const RATE = 3;
let calls = 0;

/** Multiplies by the module's rate, counting calls. */
export function scale(x: number): number {
  calls++;
  return x * RATE;
}

/** One more than scale(x). */
export const helper = (x: number): number => scale(x) + 1;

/** A value that scales itself. */
export class Meter {
  v: number;
  constructor(v: number) {
    this.v = v;
  }
  scaled(): number {
    return scale(this.v);
  }
  /** The calls of scale in this copy of the module. */
  static calls(): number {
    return calls;
  }
}
