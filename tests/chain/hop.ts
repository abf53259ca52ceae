// One hop of a chain: reads a base64 pickle from stdin, loads it, pickles what it loaded
// again (which must give the same bytes), uses it (the counter counts hops, an account
// gets a deposit), and writes a JSON line with what it saw and the next pickle.
// Argument "sync" uses the sync forms.
import { dumps, dumpsSync, loads, loadsSync } from "../../mod.ts";
import { readStdinText } from "../cross/stdin.ts";

interface Account {
  owner: string;
  deposit(x: number): number;
  describe(): string;
}
interface Chain {
  counter: { inc: () => number; get: () => number };
  fib: (n: number) => number;
  fact: (n: number) => number;
  Account: (new (owner: string, balance: number) => Account) & { opened: number };
  Savings: new (owner: string, balance: number, rate: number) => Account & {
    interest(): number;
  };
  accounts: Account[];
  shared: Account;
}

const g = globalThis as { Deno?: { args: string[] }; process?: { argv: string[] } };
const sync = (g.Deno?.args ?? g.process?.argv.slice(2) ?? [])[0] === "sync";
const received = Uint8Array.fromBase64((await readStdinText()).trim());
const v = sync ? loadsSync<Chain>(received) : await loads<Chain>(received);
const again = sync ? dumpsSync(v) : await dumps(v);
const fixpoint = again.length === received.length && again.every((b, i) => b === received[i]);

const hops = v.counter.inc();
const [a, s] = v.accounts;
a.deposit(1);
const fresh = new v.Savings("eve", 10, 0.1);
const out = {
  runtime: typeof (globalThis as { Bun?: unknown }).Bun === "object" ? "bun" : "deno",
  fixpoint,
  hops,
  get: v.counter.get(),
  fib: v.fib(10),
  fact: v.fact(6),
  shared: v.shared === a,
  classOfInstances: a instanceof v.Account && s instanceof v.Savings && s instanceof v.Account,
  describe: a.describe(),
  interest: s.interest(),
  freshInterest: fresh.interest(),
  opened: v.Account.opened,
};
const next = sync ? dumpsSync(v) : await dumps(v);
console.log(JSON.stringify({ ...out, next: next.toBase64() }));
