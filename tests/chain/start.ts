// The first process of a chain: defines closures, a recursive function and classes with
// private state, and writes a pickle of them to stdout as base64. Captured automatically:
// Deno with --allow-sys (or -A), Bun with the package's preload.
import { dumps } from "../../mod.ts";

function makeCounter(start: number): { inc: () => number; get: () => number } {
  let n = start;
  return { inc: () => ++n, get: () => n };
}

const fib = (n: number): number => (n < 2 ? n : fib(n - 1) + fib(n - 2));

function fact(n: number): number {
  return n <= 1 ? 1 : n * fact(n - 1);
}

const unit = "EUR";

class Account {
  #balance: number;
  static opened = 0;
  constructor(readonly owner: string, balance: number) {
    this.#balance = balance;
    Account.opened++;
  }
  deposit(x: number): number {
    this.#balance += x;
    return this.#balance;
  }
  describe(): string {
    return `${this.owner}: ${this.#balance} ${unit}`;
  }
}

class Savings extends Account {
  #rate: number;
  constructor(owner: string, balance: number, rate: number) {
    super(owner, balance);
    this.#rate = rate;
  }
  interest(): number {
    return this.deposit(0) * this.#rate;
  }
}

const counter = makeCounter(0);
const accounts = [new Account("ada", 100), new Savings("bob", 200, 0.5)];
const value = { counter, fib, fact, Account, Savings, accounts, shared: accounts[0] };
console.log((await dumps(value)).toBase64());
