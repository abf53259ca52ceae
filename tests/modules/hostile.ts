// Fixture module: exports whose traps and getters throw, next to ordinary exports. Indexing
// the module must neither run them nor stop at them.
const boom = (): never => {
  throw new Error("x");
};

export const evil = new Proxy({}, {
  get: boom,
  ownKeys: boom,
  getPrototypeOf: boom,
  getOwnPropertyDescriptor: boom,
  has: boom,
});

export const evilFunction = new Proxy(function target() {}, {
  get: boom,
  ownKeys: boom,
  getPrototypeOf: boom,
  getOwnPropertyDescriptor: boom,
});

export const bad = {
  get x(): never {
    throw new Error("boom");
  },
  fine(): string {
    return "fine";
  },
};

export function afterHostile(x: number): number {
  return x + 1;
}
