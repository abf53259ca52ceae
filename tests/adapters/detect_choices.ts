// What the runtime detector chose in this process, asked through the one adapter interface:
// the module source, the sync readers (a closure, a bound function, a private field), the
// async reader, and that each choice is made once. Prints one JSON line.
import { moduleSource, runtimeAdapter, scopeAdapter } from "../../lib/runtime/detect.ts";

const slotKey = Symbol.for("cloudpickle.shared");
const slotBefore = Object.hasOwn(globalThis, slotKey);
const rt = runtimeAdapter();
const slotAfterChoosing = Object.hasOwn(globalThis, slotKey);

let n = 5;
const add = (x: number) => x + n++;
function greet(this: { who: string }, greeting: string) {
  return `${greeting} ${this.who}`;
}
const hello = greet.bind({ who: "ada" }, "hello");
class Account {
  #balance = 7;
  get balance() {
    return this.#balance;
  }
}

const source = rt.modules;
const read = rt.scopesNow(add);
const at = read?.found.get("n");
const bound = rt.boundNow(hello);
const fields = rt.privateNow(new Account());
const scopes = await rt.scopes();
console.log(JSON.stringify({
  slotBefore,
  slotAfterChoosing,
  modules: source === undefined
    ? "none"
    : source.locate !== undefined
    ? "inspector"
    : "require.cache",
  sameModules: moduleSource() === source && rt.modules === source,
  sameScopes: scopeAdapter() === scopeAdapter() && (await scopeAdapter()) === scopes,
  sameInterface: runtimeAdapter() === rt,
  n: at === undefined ? null : read!.chain[at].values[read!.chain[at].names.indexOf("n")],
  bound: bound === undefined ? null : [bound.target === greet, bound.args],
  fields: fields === undefined ? null : [fields.names, fields.values],
  syncUnavailable: rt.scopesUnavailable() ?? null,
  asyncUnavailable: scopes.unavailable ?? null,
  entry: rt.entryModule()?.endsWith("/tests/adapters/detect_choices.ts") ?? false,
}));
