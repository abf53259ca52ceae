// Pickles an instance of a class hierarchy with private fields and methods, and a class
// whose static private field changed after its definition.
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

class Ids {
  static #next = 1;
  static take(): number {
    return Ids.#next++;
  }
}
Ids.take();
Ids.take();

const a = new Savings("ada");
a.deposit(100);
a.deposit(50);
console.log((await dumps({ a, again: a, Ids })).toBase64());
