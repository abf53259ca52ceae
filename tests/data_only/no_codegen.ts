// Run with code generation from strings forbidden (Deno: --v8-flags=--disallow-code-generation-
// from-strings): data-only loads, default loads of data, and loads with an allow-list all work.
// Prints one JSON line (tests/data_only_test.ts).
import { dumps, dumpsSync, load, loads, loadsSync } from "../../mod.ts";
import { add } from "../modules/data_only_tasks.ts";

let codegen = true;
try {
  new Function("return 1")();
} catch {
  codegen = false;
}

// Rows of one shape (the loader would make a factory from its second use), one with an own
// "__proto__" key, and null-prototype rows.
const rows = Array.from({ length: 50 }, (_, i) => ({ id: i, name: `row${i}`, tags: [i] }));
const odd = JSON.parse(
  '[{"__proto__": 1, "k": 2}, {"__proto__": 3, "k": 4}, {"__proto__": 5, "k": 6}]',
);
const bare = Array.from({ length: 3 }, (_, i) => Object.assign(Object.create(null), { n: i }));
const value = { rows, odd, bare, map: new Map([["a", new Set([1])]]), date: new Date(5) };
const bytes = dumpsSync(value);

function summary(v: typeof value) {
  return {
    ids: v.rows.reduce((s, r) => s + r.id, 0),
    last: v.rows[49].name,
    odd: v.odd.map((o: Record<string, unknown>) => [
      Object.getOwnPropertyDescriptor(o, "__proto__")?.value,
      o.k,
      Object.getPrototypeOf(o) === Object.prototype,
    ]),
    bare: v.bare.map((o) => [o.n, Object.getPrototypeOf(o) === null]),
    map: v.map.get("a")?.has(1),
    date: v.date.getTime(),
  };
}

const dataOnly = summary(loadsSync(bytes, { allowCode: false }));
const key = crypto.getRandomValues(new Uint8Array(32));
const signed = summary(
  await loads(await dumps(value, { signingKey: key }), { signingKey: key, allowCode: false }),
);
const streamed = summary(
  await load(new Blob([bytes as Uint8Array<ArrayBuffer>]).stream(), {
    allowCode: false,
  }) as typeof value,
);
const withCode = summary(loadsSync(bytes));
const task = loadsSync<{ fn: typeof add; args: [number, number] }>(
  dumpsSync({ fn: add, args: [2, 3] }),
  { allowCode: false, allow: { modules: ["./tests/modules/data_only_tasks.ts"] } },
);
console.log(
  JSON.stringify({ codegen, dataOnly, signed, streamed, withCode, task: task.fn(...task.args) }),
);
