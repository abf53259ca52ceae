// Loads the pickle of tests/cross/instances_produce.ts and reports what it holds.
import { types } from "node:util";
import { readStdinText } from "./stdin.ts";
import { loadsSync } from "../../mod.ts";

type Order = { id: number; customer: string; amount: number; total(): number };
const out = loadsSync<object[]>(Uint8Array.fromBase64((await readStdinText()).trim()));
const orders = out.slice(0, 50) as Order[];
const [map, date, again] = out.slice(50);
const proto = Object.getPrototypeOf(orders[0]);
console.log(JSON.stringify({
  count: out.length,
  oneProto: out.slice(0, 52).every((o) => Object.getPrototypeOf(o) === proto),
  totals: [orders[0].total(), orders[10].total(), orders[49].total()],
  customers: [orders[1].customer, orders[49].customer],
  ownKeys: Object.keys(orders[20]),
  map: types.isMap(map) && Map.prototype.get.call(map, "k") === orders[3],
  date: types.isDate(date) && Date.prototype.getTime.call(date),
  shared: again === orders[7],
}));
