// Pickles an instance of a class hierarchy with private fields and methods.
import { dumps } from "../../mod.ts";

class Account {
  static opened = 0;
  #balance = 0;
  #log: string[] = [];
  constructor(public owner: string) {
    Account.opened++;
  }
  deposit(n: number): number {
    this.#balance += n;
    this.#log.push(`+${n}`);
    return this.#balance;
  }
  #stamp(): string {
    return "!";
  }
  get balance(): number {
    return this.#balance;
  }
  history(): string {
    return this.#log.join(" ") + this.#stamp();
  }
}

class Savings extends Account {
  #rate = 0.05;
  interest(): number {
    return this.balance * this.#rate;
  }
}

const a = new Savings("ada");
a.deposit(100);
a.deposit(50);
console.log((await dumps({ a, again: a })).toBase64());
