// Fixture module: exported functions, a class with static members, and a non-exported helper.
let scale = 2;

export function area(w: number, h: number): number {
  return w * h * scale;
}

export function setScale(s: number): void {
  scale = s;
}

function hidden(x: number): number {
  return x + scale;
}

export const viaHidden = (x: number): number => hidden(x) * 10;

export class Model {
  constructor(public size: number) {}
  static fromJSON(text: string): Model {
    return new Model(JSON.parse(text).size);
  }
  doubled(): number {
    return this.size * 2;
  }
}

export const tools = {
  twice(x: number): number {
    return x * 2;
  },
};

export default function defaultFn(): string {
  return "default";
}
