// Classes whose members are keyed by variables that only the class definition reads: made in
// functions, so that no closure keeps those variables (V8 then keeps no scope slot for them).

/** A class with a method, a getter and a static method keyed by a unique symbol. */
export function symbolKeyed(): { new (n: number): { n: number } } {
  const tag = Symbol("tag");
  const label = "tag";
  class Tagged {
    constructor(public n: number) {}
    [tag](): number {
      return this.n * 2;
    }
    get [label](): string {
      return `n=${this.n}`;
    }
  }
  return Tagged;
}

/** Members keyed by strings and a static method, each key in a variable of its own. */
export function stringKeyed(): { new (): object } {
  const method = "area";
  const getter = "label";
  const setter = "size";
  const staticName = "make";
  class Shape {
    w = 2;
    [method](): number {
      return this.w * this.w;
    }
    get [getter](): string {
      return `shape ${this.w}`;
    }
    set [setter](v: number) {
      this.w = v;
    }
    static [staticName](): Shape {
      return new Shape();
    }
  }
  return Shape;
}

/** A key variable also read in an expression (`[prefix + "x"]`): its value is not on the class. */
export function expressionKeyed(): { new (): object } {
  const prefix = "p";
  class Prefixed {
    [prefix](): number {
      return 1;
    }
    [prefix + "x"](): number {
      return 2;
    }
  }
  return Prefixed;
}

/** A class whose keyed method was replaced after the definition. */
export function replacedMember(): { new (): object } {
  const key = "run";
  class Runner {
    [key](): number {
      return 1;
    }
  }
  (Runner.prototype as unknown as Record<string, () => number>).run = () => 2;
  return Runner;
}
