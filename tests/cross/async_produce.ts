// Pickles closures, promises, a Blob, out-of-band buffers, an instance and a class with private
// fields and a bound function (the last three inside promises) with the async form (automatic
// capture) and prints {pickle, buffers} as base64 JSON: the buffers in bufferCallback order.
import { dumps } from "../../mod.ts";

class Account {
  static #opened = 2;
  #balance: number;
  constructor(balance: number) {
    this.#balance = balance;
  }
  get balance(): number {
    return this.#balance;
  }
  static opened(): number {
    return Account.#opened;
  }
}

function make() {
  const bufA = new Uint8Array([1, 2, 3]);
  const shared = { bufB: new Uint8Array([4, 5]) };
  const blob = new Blob(["blob!"]);
  const add = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  const later = Promise.resolve({ add, blob, shared });
  const bound = function (this: { base: number }, n: number) {
    return this.base + n;
  }.bind({ base: 40 }, 2);
  return {
    run: () => later,
    shared,
    a: Promise.resolve(bufA),
    account: Promise.resolve(new Account(150)),
    cls: Promise.resolve(Promise.resolve(Account)),
    bound: Promise.resolve(bound),
  };
}

const buffers: ArrayBuffer[] = [];
const pickle = await dumps(make(), { bufferCallback: (b) => void buffers.push(b) });
console.log(JSON.stringify({
  pickle: pickle.toBase64(),
  buffers: buffers.map((b) => new Uint8Array(b).toBase64()),
}));
