// Arrows over the enclosing `this` held anywhere (a list, an object, a pool's task queue):
// instrumented code records the `this` of every function, static block and field initializer
// whose arrows read it, so such an arrow pickles as a closure over that `this`. That code is
// this module on Bun (the preload instruments it) and, on every runtime, code loaded from a
// pickle (the loader instruments it): a class made in another process, whose methods hand out
// arrows over its instances, works on and pickles on from here.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { dumps, dumpsSync, loads, loadsSync, PicklingError } from "../mod.ts";
import { evalIn } from "./helpers.ts";
import { createPool } from "../pool.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const onBun = typeof (globalThis as { Bun?: unknown }).Bun !== "undefined";

class Job {
  handlers = { bump: () => ++this.base };
  checks = [() => this.base > 10];
  constructor(public base: number) {}
  task(): (x: number) => number {
    return (x) => x + this.base;
  }
  tasks(): (() => number)[] {
    return [1, 2].map((k) => () => k * this.base);
  }
  nested(): () => () => number {
    return () => () => this.base * 100;
  }
  static maker(): () => Job {
    return () => new this(7);
  }
}

class Early {
  constructor(seen: (f: () => unknown) => void) {
    seen(() => 0);
  }
}

class Late extends Early {
  constructor(seen: (f: () => unknown) => void) {
    const arrow = () => this;
    super(() => seen(arrow));
  }
}

const byValue = {
  base: 3,
  read() {
    return () => this.base;
  },
};

function strictFree(this: unknown): () => unknown {
  return () => this;
}

/** Pickles `v` and loads it: sync, then async, then sync again (three hops). */
async function threeHops<T>(v: T, check: (loaded: T, hop: number) => void): Promise<void> {
  let cur = v;
  for (let hop = 1; hop <= 3; hop++) {
    cur = hop === 2 ? await loads(await dumps(cur)) as T : loadsSync(dumpsSync(cur)) as T;
    check(cur, hop);
  }
}

describe("arrows over `this` that instrumented code made (Bun: this module)", {
  skip: !onBun,
}, () => {
  it("from a method, in a list and alone, over three hops", async () => {
    const j = new Job(10);
    await threeHops({ one: j.task(), list: j.tasks(), deep: j.nested()() }, (v, hop) => {
      assert.equal(v.one(1), 11, `hop ${hop}`);
      assert.deepEqual(v.list.map((f) => f()), [10, 20]);
      assert.equal(v.deep(), 1000);
    });
  });

  it("keeps `this` shared with the instance pickled beside it", () => {
    const j = new Job(10);
    const [task, again, inst] = loadsSync(dumpsSync([j.task(), j.task(), j])) as [
      (x: number) => number,
      (x: number) => number,
      Job,
    ];
    assert.ok(inst instanceof Job);
    inst.base = 1000;
    assert.equal(task(1), 1001, "the arrow reads the loaded instance");
    assert.equal(again(1), 1001);
    assert.equal(inst.handlers.bump(), 1001, "a field's arrow in a nested object too");
    assert.equal(inst.checks[0](), true, "and in a list");
    assert.equal(inst.base, 1001);
  });

  it("a static method's `this` (the class), an object literal's, an undefined one", () => {
    const make = loadsSync(dumpsSync(Job.maker())) as () => Job;
    const made = make();
    assert.ok(made instanceof Job);
    assert.equal(made.base, 7);
    const read = loadsSync(dumpsSync(byValue.read())) as () => number;
    assert.equal(read(), 3);
    const none = loadsSync(dumpsSync(strictFree.call(undefined))) as () => unknown;
    assert.equal(none(), undefined);
    const prim = loadsSync(dumpsSync(strictFree.call(42))) as () => unknown;
    assert.equal(prim(), 42);
  });

  it("a `this` not initialized yet (before super()) is refused, naming the remedy", () => {
    let caught: unknown;
    new Late((arrow) => {
      try {
        dumpsSync(arrow);
      } catch (e) {
        caught = e;
      }
    });
    assert.ok(caught instanceof PicklingError, String(caught));
    assert.match(caught.message, /enclosing `this`/);
    assert.match(caught.message, /not initialized yet .*super\(\)/);
  });

  it("an arrow from code the preload did not instrument is refused, saying so", () => {
    const made = (0, eval)("({ make() { return () => this.n; }, n: 1 })") as {
      make(): () => number;
    };
    assert.throws(
      () => dumpsSync(made.make()),
      (e: unknown) =>
        e instanceof PicklingError && /enclosing `this`/.test(e.message) &&
        /preload records `this` in the code it instruments/.test(e.message) &&
        /made by eval/.test(e.message),
    );
  });

  it("a loaded arrow pickles the same bytes again", () => {
    const once = dumpsSync(new Job(4).task());
    const twice = dumpsSync(loadsSync(once));
    assert.deepEqual(twice, once);
  });
});

class Vault {
  #secret = 5;
  peek = () => this.#secret;
  later(): () => number {
    return () => this.#secret + 1;
  }
}

describe("arrows over private names of their class (every runtime)", () => {
  it("are refused when pickled, naming the names and the remedies", () => {
    const v = new Vault();
    for (const value of [v, v.peek, v.later(), [v.later()]]) {
      assert.throws(
        () => dumpsSync(value),
        (e: unknown) =>
          e instanceof PicklingError && /private names of the class around it \(#secret\)/.test(
            e.message,
          ) && /const x = this\.#x/.test(e.message) && /bind\(this\)/.test(e.message),
      );
    }
  });
});

const MAKE = `const { dumpsSync } = await import(${JSON.stringify(`${root}mod.ts`)});
  class Account {
    constructor(balance) { this.balance = balance; }
    deposit() { return (n) => (this.balance += n); }
    audit() { return { check: () => this.balance >= 0, log: [() => "at " + this.balance] }; }
  }
  console.log(dumpsSync(new Account(100)).toBase64());`;

const USE = `const { loads } = await import(${JSON.stringify(`${root}mod.ts`)});
  const text = await new Response(${"globalThis.Bun ? Bun.stdin.stream() : Deno.stdin.readable"})
    .text();
  const [deposit, audit, acct] = await loads(Uint8Array.fromBase64(text.trim()));
  console.log(JSON.stringify([deposit(5), audit.check(), audit.log[0](), acct.balance]));`;

class Tally {
  constructor(public total: number) {}
  adder(): (n: number) => number {
    return (n) => (this.total += n);
  }
}

describe("arrows over `this` made by a class loaded from a pickle (every runtime)", () => {
  it("a pool task returns an arrow over an instance its worker made, which goes back again", async () => {
    await using pool = createPool({ size: 1 });
    // Tally travels by value: the worker's copy is loaded code, its arrows carry records.
    const add = await pool.submit((start: number) => new Tally(start).adder(), 10);
    assert.equal(add(5), 15);
    assert.equal(add(1), 16, "the arrow keeps its instance here");
    assert.equal(await pool.submit((f: (n: number) => number) => f(100), add), 116);
    assert.equal(add(0), 16, "the worker had a copy");
  });

  for (const maker of ["deno", "bun"] as const) {
    it(`a class made in ${maker}: its arrows pickle here and run in Deno and in Bun`, async () => {
      const acct = await loads(Uint8Array.fromBase64(evalIn(maker, MAKE))) as {
        balance: number;
        deposit(): (n: number) => number;
        audit(): { check: () => boolean; log: (() => string)[] };
      };
      const deposit = acct.deposit();
      const audit = acct.audit();
      assert.equal(deposit(10), 110);
      // Pickled here: the arrows carry the loaded instance, shared with it.
      const [d2, a2, acct2] = loadsSync(dumpsSync([deposit, audit, acct])) as [
        typeof deposit,
        typeof audit,
        typeof acct,
      ];
      assert.equal(d2(1), 111);
      assert.equal(acct2.balance, 111, "the arrow's `this` is the loaded instance");
      assert.equal(a2.log[0](), "at 111");
      // And on: another process of each runtime (Bun without the preload too).
      const bytes = (await dumps([deposit, audit, acct])).toBase64();
      for (const runtime of ["deno", "bun", "bun-plain"] as const) {
        assert.equal(evalIn(runtime, USE, bytes), '[115,true,"at 115",115]', runtime);
      }
    });
  }
});
