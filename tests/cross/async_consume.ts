// Reads {pickle, buffers} (base64 JSON, see async_produce.ts) from stdin, loads the pickle with
// its out-of-band buffers, runs what it holds and prints the results.
import { readStdinText } from "./stdin.ts";
import { loads } from "../../mod.ts";

type Inner = { add: (xs: number[]) => number; blob: Blob; shared: { bufB: Uint8Array } };
type AccountClass = { new (n: number): { balance: number }; opened(): number };
type Loaded = {
  run: () => Promise<Inner>;
  shared: { bufB: Uint8Array };
  a: Promise<Uint8Array>;
  account: Promise<{ balance: number }>;
  cls: Promise<AccountClass>;
  bound: Promise<() => number>;
};

const { pickle, buffers } = JSON.parse(await readStdinText()) as {
  pickle: string;
  buffers: string[];
};
const v = await loads<Loaded>(Uint8Array.fromBase64(pickle), {
  buffers: buffers.map((b) => Uint8Array.fromBase64(b)),
});
const inner = await v.run();
const bytes = [...await v.a, ...inner.shared.bufB];
const account = await v.account;
const Account = await v.cls;
console.log(JSON.stringify({
  sum: inner.add(bytes),
  text: await inner.blob.text(),
  bytes,
  sharedKept: inner.shared === v.shared,
  balance: account.balance,
  sameClass: account instanceof Account,
  opened: Account.opened(),
  fresh: new Account(7).balance,
  bound: (await v.bound)(),
}));
