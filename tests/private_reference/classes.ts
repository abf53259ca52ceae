// Classes of a module other than the entry module: pickled by reference.
import { reduce } from "../../mod.ts";

/** Private state, no way to rebuild it from outside. */
export class Plain {
  #x: number;
  constructor(x: number) {
    this.#x = x;
  }
  get x(): number {
    return this.#x;
  }
}

/** Private state, rebuilt from its constructor's arguments. */
export class Reducible {
  #x: number;
  constructor(x: number) {
    this.#x = x;
  }
  get x(): number {
    return this.#x;
  }
  [reduce](): [typeof Reducible, [number]] {
    return [Reducible, [this.#x]];
  }
}

// deno-lint-ignore no-explicit-any
function bracketed(value: (this: any, m: number) => any, _ctx: ClassMethodDecoratorContext) {
  // deno-lint-ignore no-explicit-any
  return function (this: any, m: number): any {
    return "[" + value.call(this, m) + "]";
  };
}

/** A decorated class: the runtimes compile its decorators into helper calls. */
export class Decorated {
  constructor(public n: number) {}
  @bracketed
  hello(m: number): number | string {
    return this.n + m;
  }
}
