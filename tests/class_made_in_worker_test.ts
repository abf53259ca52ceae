// A class that a worker makes by running a factory it was sent has the source of the
// sender's own classes from that factory. It must come back as the worker's class, with the
// worker's captured values: not as the sender's class of that source.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createPool, type Pool } from "../pool.ts";
import { dumpsSync, loadsSync } from "../mod.ts";

const makeTagged = (tag: string) =>
  class {
    static origin = tag;
    tag(): string {
      return tag;
    }
  };

interface Tagged {
  tag(): string;
}

describe("classes made in a worker by a shipped factory", () => {
  const pool: Pool = createPool({ size: 1 });
  after(() => pool.close({ cancel: true }));

  it("come back as the worker's classes, not as the sender's class of that source", async () => {
    const Home = makeTagged("home");
    const home = new Home();
    // The sender's class gets its id first (the first class of that source here).
    assert.equal(Object.getPrototypeOf(loadsSync(dumpsSync(home))), Home.prototype);
    const made = await pool.submit((f: typeof makeTagged) => {
      const Made = f("worker");
      return [new Made(), new Made(), Made];
    }, makeTagged) as [Tagged, Tagged, typeof Home];
    const [x, y, Made] = made;
    assert.equal(x.tag(), "worker");
    assert.ok(!(x instanceof Home));
    assert.notEqual(Made, Home);
    assert.equal(Made.origin, "worker");
    // One class for both instances and the class itself.
    assert.equal(Object.getPrototypeOf(x), Made.prototype);
    assert.equal(Object.getPrototypeOf(y), Made.prototype);
    // The sender's class is untouched.
    assert.equal(home.tag(), "home");
    assert.equal(Home.origin, "home");

    // A second task makes a second class: a class of its own here too.
    const [z] = await pool.submit((f: typeof makeTagged) => {
      const Again = f("again");
      return [new Again()];
    }, makeTagged) as [Tagged];
    assert.equal(z.tag(), "again");
    assert.notEqual(Object.getPrototypeOf(z), Made.prototype);
    assert.equal(x.tag(), "worker");

    // The worker's class travels on and comes back as itself, twice in one pickle.
    const again = await pool.submit((c: typeof Home, i: Tagged) => [c, i], Made, x) as [
      typeof Home,
      Tagged,
    ];
    assert.equal(again[0], Made);
    assert.equal(Object.getPrototypeOf(again[1]), Made.prototype);
  });

  it("keep one id per class in the worker: two results load as one class", async () => {
    const task = (f: typeof makeTagged) => {
      // deno-lint-ignore no-explicit-any
      const g = globalThis as any;
      g.keptClass ??= f("kept");
      return new g.keptClass();
    };
    const a = await pool.submit(task, makeTagged) as Tagged;
    const b = await pool.submit(task, makeTagged) as Tagged;
    assert.equal(a.tag(), "kept");
    assert.equal(Object.getPrototypeOf(a), Object.getPrototypeOf(b));
  });
});
