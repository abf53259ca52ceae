// Loads what sync_readers_produce.ts wrote and prints what it sees as JSON.
import { loads } from "../../mod.ts";
import { readStdinText } from "./stdin.ts";

interface Account {
  owner: string;
  balance(): number;
}
const v = await loads<{
  accounts: Account[];
  Account: (new (owner: string, balance: number) => Account) & { opened(): number };
  addFive: (y: number) => number;
}>(Uint8Array.fromBase64((await readStdinText()).trim()));
console.log(JSON.stringify({
  balances: v.accounts.map((a) => a.balance()),
  owners: v.accounts.map((a) => a.owner),
  opened: v.Account.opened(),
  instanceOf: v.accounts.every((a) => a instanceof v.Account),
  fresh: new v.Account("eve", 1).balance(),
  openedAfter: v.Account.opened(),
  addFive: v.addFive(1),
}));
