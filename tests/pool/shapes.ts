// A module the pool tests register by value: its class and functions travel as source.
export class Vec {
  constructor(public x: number, public y: number) {}
  norm2(): number {
    return this.x * this.x + this.y * this.y;
  }
}

export function scale(v: Vec, k: number): Vec {
  return new Vec(v.x * k, v.y * k);
}

export class TaskFailure extends Error {
  constructor(message: string, readonly code: number, options?: ErrorOptions) {
    super(message, options);
    this.name = "TaskFailure";
  }
}
