// Defines globals BEFORE importing the library, as a REPL session does (code typed first, the
// library imported later), and more after; prints pickles of them as the JSON that
// globals_consume.ts reads. None of these globals exists in the loading process, so each
// must travel by value, with the user global data it reads.
declare const helper: (x: number) => number;
declare const config: { scale: number };
declare const k: number;
type Rec = Record<string, unknown>;
const g = globalThis as unknown as Rec;

// Before the import.
g.helper = (x: number) => x + 100;
g.config = Object.freeze({ scale: 3 });
g.useAll = (x: number) => helper(x) * config.scale;
(Math as unknown as Rec).clamp01 = (x: number) => Math.min(1, Math.max(0, x));
(Array.prototype as unknown as Rec).lastItem = function (this: unknown[]) {
  return this[this.length - 1];
};
g.myMax = Math.max; // an alias: the built-in keeps its own path

const { closure, dumps } = await import("../../mod.ts");

// After the import (and before the first pickle builds the table of built-ins).
g.late = (x: number) => useAll(x) + 1;
declare const useAll: (x: number) => number;
// On a namespace whose functions the runtime writes in JavaScript (Deno.*, Bun.sql): closure()
// says "by value".
const ns = (g.Deno ?? g.Bun) as Rec;
ns.cpTask = closure({ k: 4 }, (x: number) => x * k);

const b64 = (b: Uint8Array) => btoa(String.fromCharCode(...b));
const out: Rec = {};
const add = async (name: string, v: unknown, extra: Rec) => {
  out[name] = { pickle: b64(await dumps(v)), ...extra };
};
await add("helper", g.helper, { args: [1] });
await add("useAll", g.useAll, { args: [2] });
await add("late", g.late, { args: [2] });
await add("clamp01", (Math as unknown as Rec).clamp01, { args: [7] });
await add("lastItem", (Array.prototype as unknown as Rec).lastItem, { thisArg: [1, 2, 9] });
await add("cpTask", ns.cpTask, { args: [5] });
await add("config", (() => config) as unknown, { args: [] });
await add("myMax", g.myMax, { builtin: "Math.max" });
console.log(JSON.stringify(out));
