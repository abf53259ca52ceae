// The library on Node, from the npm build (dist/npm, made by scripts/build_npm.mjs): closures
// read through node:inspector, class instances, a node:worker_threads hop and a load in Deno
// and Bun. Run by `node scripts/test.mjs` as its Node step: `node --test tests/node/*.mjs`.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { Worker } from "node:worker_threads";
import { fileURLToPath } from "node:url";
import { dumps, dumpsSync, loads, loadsSync, PicklingError } from "../../dist/npm/mod.js";
import { builtinWarnsOnLoad, isBun, isDeno, isNode, isV8 } from "../../dist/npm/lib/host.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

describe("node", () => {
  it("runs on Node 22 or later", () => {
    assert.ok(Number(process.versions.node.split(".")[0]) >= 22, process.versions.node);
    assert.equal(typeof globalThis.Deno, "undefined");
    assert.equal(typeof globalThis.Bun, "undefined");
  });

  it("the host is told apart by feature: Node, on V8", () => {
    assert.equal(isNode(), true);
    assert.equal(isV8(), true);
    assert.equal(isDeno(), false);
    assert.equal(isBun(), false);
    assert.equal(builtinWarnsOnLoad("node:sys"), true);
    assert.equal(builtinWarnsOnLoad("node:fs"), false);
  });

  it("looking values up among the built-in modules prints no warning", () => {
    const dist = new URL("../../dist/npm/mod.js", import.meta.url).href;
    const script = `import util from "node:util";
      import { dumpsSync, loadsSync, ready } from ${JSON.stringify(dist)};
      await ready();
      const n = 2;
      const f = (x) => util.format("%d", x * n);
      console.log(loadsSync(dumpsSync({ f, util })).f(21));`;
    const r = spawnSync(process.execPath, ["--input-type=module", "-"], {
      input: script,
      encoding: "utf8",
    });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), "42");
    assert.equal(r.stderr, "");
  });

  it("round-trips a closure with its captured variables, sync and async", async () => {
    const rate = 3;
    const table = new Map([["a", 1]]);
    const price = (k, n) => (table.get(k) ?? 0) * n * rate;
    const sync = loadsSync(dumpsSync(price));
    assert.equal(sync("a", 2), 6);
    assert.notEqual(sync, price);
    const viaAsync = await loads(await dumps(price));
    assert.equal(viaAsync("a", 5), 15);
  });

  it("keeps a scope shared by two closures shared", () => {
    let count = 0;
    const counter = { inc: () => ++count, get: () => count };
    const copy = loadsSync(dumpsSync(counter));
    copy.inc();
    copy.inc();
    assert.equal(copy.get(), 2);
    assert.equal(count, 0);
  });

  it("closures of a curry helper (the name of a function expression), and bound functions", async () => {
    const curry = (fn) => {
      const arity = fn.length;
      return function curried(...args) {
        return args.length >= arity ? fn(...args) : (...more) => curried(...args, ...more);
      };
    };
    const partial = curry((a, b, c) => a + b + c)(1);
    assert.equal(loadsSync(dumpsSync(partial))(2)(3), 6);
    assert.equal(loadsSync(await dumps(partial))(2, 3), 6);
    const bound = function (x) {
      return this.m * x;
    }.bind({ m: 3 });
    const loaded = loadsSync(dumpsSync(bound));
    assert.equal(loadsSync(dumpsSync(loaded))(2), 6, "a loaded bound function pickles again");
  });

  it("round-trips class instances: one class, its methods, accessors and statics", () => {
    class Account {
      static opened = 0;
      constructor(owner, balance) {
        this.owner = owner;
        this.balance = balance;
        Account.opened++;
      }
      get rich() {
        return this.balance > 100;
      }
      deposit(n) {
        return (this.balance += n);
      }
    }
    const [a, b] = loadsSync(dumpsSync([new Account("ada", 10), new Account("bob", 500)]));
    assert.equal(a.owner, "ada");
    assert.equal(a.deposit(5), 15);
    assert.equal(b.rich, true);
    assert.equal(Object.getPrototypeOf(a), Object.getPrototypeOf(b));
    assert.equal(a.constructor.name, "Account");
    assert.equal(a.constructor.opened, 2);
    assert.ok(b instanceof a.constructor);
  });

  it("refuses a value it cannot pickle with a PicklingError", () => {
    assert.throws(() => dumpsSync({ w: new WeakRef({}) }), PicklingError);
  });

  it("sends a closure and a private-field instance to a worker_threads Worker, and back", async () => {
    class Box {
      #inner;
      constructor(v) {
        this.#inner = v;
      }
      get() {
        return this.#inner;
      }
    }
    const offset = 38;
    const box = new Box(2);
    const fn = (x) => x + offset + box.get();
    const worker = new Worker(new URL("./fixtures/worker.mjs", import.meta.url));
    try {
      const bytes = dumpsSync({ fn, arg: 2 });
      const reply = new Promise((resolve, reject) => {
        worker.once("message", resolve);
        worker.once("error", reject);
      });
      worker.postMessage(bytes, [bytes.buffer]);
      const { base, back } = await reply;
      assert.equal(base, 42);
      assert.equal(loadsSync(back)(2), 84);
    } finally {
      await worker.terminate();
    }
  });

  for (
    const [name, cmd, args] of [
      ["Deno", "deno", ["run", "-A", "-"]],
      ["Bun", "bun", ["-"]],
    ]
  ) {
    it(`pickles a closure that ${name} loads`, () => {
      const factor = 7;
      const bytes = dumpsSync((x) => x * factor);
      const dist = new URL("../../dist/npm/mod.js", import.meta.url).href;
      const script = `import { loadsSync } from ${JSON.stringify(dist)};
        const b = new Uint8Array(${JSON.stringify([...bytes])});
        console.log(loadsSync(b)(6));`;
      const r = spawnSync(`${ROOT}node_modules/.bin/${cmd}`, args, {
        input: script,
        encoding: "utf8",
        cwd: ROOT,
      });
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout.trim(), "42");
    });
  }
});
