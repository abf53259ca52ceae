// Load-time instrumentation: its scope records read the right variables, through the
// synchronous reader the pickler finds in the shared slot, and instrumented code pickles with
// automatic capture. Pure JavaScript, so these tests run under Deno and Bun.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { instrument } from "../lib/instrument/instrument.ts";
import { readInstrumentedScopes } from "../lib/code/loaded_instrument.ts";
import {
  installPassThroughHelpers,
  INSTRUMENT_GLOBALS,
  passThroughHelpers,
} from "../lib/runtime/instrumented.ts";
import { TDZ } from "../lib/runtime/adapter.ts";
import { sharedSlot } from "../lib/runtime/shared_slot.ts";
import { type AnyFn, type Counter, evalModule, rtAsync, rtSync } from "./instrumented/shared.ts";

/** The reader, as the pickler finds it. */
function reader(): (fn: object) => ReturnType<typeof readInstrumentedScopes> {
  return sharedSlot().scopeReader as never;
}

describe("scope records and the synchronous reader", () => {
  it("is installed in the shared slot, and the helpers are globals", () => {
    assert.equal(reader(), readInstrumentedScopes);
    for (const name of INSTRUMENT_GLOBALS) assert.ok(name in globalThis, name);
  });

  it("closures of one scope instance share one record, other instances have their own", async () => {
    const m = await evalModule(
      instrument(`
export function make() { let n = 0; return { inc: () => ++n, get: () => n }; }`).code,
    );
    const a = (m.make as () => Counter)();
    const b = (m.make as () => Counter)();
    a.inc();
    const ra = reader()(a.inc)!;
    const rg = reader()(a.get)!;
    const rb = reader()(b.get)!;
    assert.equal(ra.chain[0].identity, rg.chain[0].identity);
    assert.notEqual(ra.chain[0].identity, rb.chain[0].identity);
    assert.deepEqual(ra.chain[0].names, ["n"]);
    assert.deepEqual(ra.chain[0].values, [1]);
    a.inc();
    assert.deepEqual(reader()(a.get)!.chain[0].values, [2], "values are read live");
    assert.deepEqual(rb.chain[0].values, [0]);
    assert.equal(ra.found.get("n"), 0);
  });

  it("per-iteration bindings get one record per iteration", async () => {
    const m = await evalModule(
      instrument(`
export const fns = [];
for (let i = 0; i < 3; i++) fns.push(() => i);`).code,
    );
    const reads = (m.fns as AnyFn[]).map((f) => reader()(f)!);
    assert.deepEqual(reads.map((r) => r.chain[0].values), [[0], [1], [2]]);
    assert.equal(new Set(reads.map((r) => r.chain[0].identity)).size, 3);
  });

  it("a variable in its temporal dead zone reads as TDZ", async () => {
    const m = await evalModule(
      instrument(`
const read = globalThis[Symbol.for("cloudpickle.shared")].scopeReader;
let touch = 0;
const f = () => later + touch++;
export const before = read(f);
let later = 1;
export const after = read(f);`).code,
    );
    const before = m.before as ReturnType<typeof readInstrumentedScopes> & object;
    const after = m.after as typeof before;
    const at = (r: typeof before, name: string) => {
      const snap = r.chain[r.found.get(name)!];
      return snap.values[snap.names.indexOf(name)];
    };
    assert.equal(at(before, "later"), TDZ);
    assert.deepEqual(before.uninitialized, ["later"]);
    assert.equal(at(after, "later"), 1);
    assert.deepEqual(after.uninitialized, []);
  });

  it("variables that never change go to the function's own snapshot", async () => {
    const m = await evalModule(
      instrument(`
import { strictEqual } from "node:assert";
const table = { unit: 3 };
let count = 0;
export const other = () => strictEqual(1, 1);
export const f = (x) => x * table.unit + count++;`).code,
    );
    const r = reader()(m.f as AnyFn)!;
    assert.equal(r.chain.length, 2);
    assert.deepEqual(r.chain[0].names, ["table"]);
    assert.equal(r.chain[0].identity, undefined);
    assert.deepEqual(r.chain[1].names, ["count"], "the import 'strictEqual' is not pulled in");
    assert.equal(r.chain[1].kind, "Module");
    assert.deepEqual(Object.fromEntries(r.found), { table: 0, count: 1 });
  });

  it("unregistered functions and functions loaded from a pickle read as undefined", async () => {
    assert.equal(reader()(() => 1), undefined);
    const m = await evalModule(
      instrument(`
let k = 1;
export function outer(j) { return () => j + k; }`).code,
    );
    assert.notEqual(reader()((m.outer as (j: number) => AnyFn)(1)), undefined);
    // The outer function's source evaluated elsewhere: its records have no parent there.
    const copy = (0, eval)(`(${String(m.outer)})`) as (j: number) => () => number;
    const inner = copy(2);
    assert.equal(reader()(inner), undefined);
    assert.throws(() => inner(), ReferenceError, "k is not defined here");
  });
});

describe("pickling instrumented code (any runtime with the reader installed)", () => {
  const src = `
let scale = 3;
export function setScale(v) { scale = v; }
export function makeCounter() { let n = 0; return { inc: () => ++n, get: () => n }; }
export const loop = [];
for (let i = 0; i < 3; i++) loop.push(() => i * scale);
export const fib = (n) => (n < 2 ? n : fib(n - 1) + fib(n - 2));
export function outer(a) { return (b) => (c) => a * 100 + b * 10 + c + scale; }`;

  it("dumpsSync and dumps capture automatically; shared variables stay shared", async () => {
    const m = await evalModule(instrument(src).code);
    const c = (m.makeCounter as () => Counter)();
    c.inc();
    for (const copy of [rtSync(c), await rtAsync(c)]) {
      copy.inc();
      copy.inc();
      assert.equal(copy.get(), 3);
    }
    assert.equal(c.get(), 1);
    const [loop, fib, deep] = rtSync([
      m.loop,
      m.fib,
      (m.outer as AnyFn as (a: number) => (
        b: number,
      ) => (c: number) => number)(1)(2),
    ]) as [(() => number)[], (n: number) => number, AnyFn];
    assert.deepEqual(loop.map((f) => f()), [0, 3, 6]);
    assert.equal(fib(10), 55);
    assert.equal((deep as (c: number) => number)(3), 126);
  });

  it("the factory itself pickles, and runs where only pass-through helpers exist", async () => {
    const m = await evalModule(instrument(src).code);
    const make = rtSync(m.makeCounter as () => Counter);
    const c = make();
    c.inc();
    assert.equal(c.get(), 1);
    // Its source names the helpers: evaluate it with the pass-through versions as locals.
    const helpers = passThroughHelpers();
    const build = new Function(
      ...INSTRUMENT_GLOBALS,
      `"use strict"; return (${String(m.makeCounter)});`,
    ) as (...h: unknown[]) => () => Counter;
    const again = build(...INSTRUMENT_GLOBALS.map((n) => helpers[n]))();
    again.inc();
    again.inc();
    assert.equal(again.get(), 2);
    installPassThroughHelpers(); // does not replace the real helpers
    assert.equal((globalThis as Record<string, unknown>).$cp$f === helpers.$cp$f, false);
  });
});
