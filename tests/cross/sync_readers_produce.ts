// Pickles with the sync form a bound method and instances of a class with private instance
// and static fields: what the runtime's sync readers show (Deno's inspector, with --allow-sys;
// Bun's preload). Writes the pickle to stdout as base64.
import { dumpsSync } from "../../mod.ts";

class Account {
  static #opened = 0;
  #balance: number;
  constructor(readonly owner: string, balance: number) {
    this.#balance = balance;
    Account.#opened++;
  }
  balance(): number {
    return this.#balance;
  }
  static opened(): number {
    return Account.#opened;
  }
}

const counter = {
  base: 10,
  add(this: { base: number }, x: number, y: number): number {
    return this.base + x + y;
  },
};

const value = {
  accounts: [new Account("ada", 5), new Account("bob", 7)],
  Account,
  addFive: counter.add.bind(counter, 5),
};
console.log(dumpsSync(value).toBase64());
