// Pickles (dumpsSync) many instances of one class, with built-ins given its prototype and a
// shared instance among them, and prints the pickle (base64).
import { dumpsSync } from "../../mod.ts";

class Order {
  constructor(public id: number, public customer: string, public amount: number) {}
  total(): number {
    return this.id * this.amount;
  }
}

const orders = Array.from({ length: 50 }, (_, i) => new Order(i, `c${i}`, i / 2));
const map = Object.setPrototypeOf(new Map([["k", orders[3]]]), Order.prototype);
const date = Object.setPrototypeOf(new Date(1_700_000_000_000), Order.prototype);
console.log(dumpsSync([...orders, map, date, orders[7]]).toBase64());
