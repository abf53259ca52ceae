// Loads the pickle of tests/cross/private_produce.ts and uses the private state.
import { readStdinText } from "./stdin.ts";
import { loads } from "../../mod.ts";

const text = await readStdinText();
type Acct = {
  owner: string;
  balance: number;
  deposit(n: number): number;
  history(): string;
  interest(): number;
};
const v = await loads<{ a: Acct; again: Acct; Ids: { take(): number } }>(
  Uint8Array.fromBase64(text.trim()),
);
console.log(JSON.stringify({
  shared: v.a === v.again,
  owner: v.a.owner,
  balance: v.a.balance,
  history: v.a.history(),
  interest: v.a.interest(),
  afterDeposit: v.a.deposit(1),
  ownKeys: Object.keys(v.a),
  nextId: v.Ids.take(),
}));
