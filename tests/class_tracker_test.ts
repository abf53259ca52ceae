// Long-lived workers see new versions of a class (cloudpickle's class tracker): a newer
// pickle of a class a process already holds updates that class — the variables its methods
// read and the members added outside its body — for old and new instances alike. And a class
// whose definition reads captured objects loads with them complete.
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { closure, dumps, dumpsSync, loads, loadsSync, PicklingError } from "../mod.ts";

interface Reply {
  result?: unknown;
  again?: Uint8Array;
  error?: string;
}

/** A long-lived Worker that keeps what it is sent (see workers/keeper.ts). */
async function keeper() {
  const worker = new Worker(new URL("./workers/keeper.ts", import.meta.url).href, {
    type: "module",
  });
  await new Promise((resolve) => {
    worker.onmessage = resolve;
    worker.postMessage(null);
  });
  return {
    /** Sends a value, and a check run over what this session sent so far. */
    async send(
      session: string,
      value: unknown,
      check: (held: unknown[]) => unknown,
    ): Promise<unknown> {
      const msg = { session, bytes: await dumps(value), check: await dumps(check) };
      const reply = await new Promise<Reply>((resolve) => {
        worker.onmessage = (e) => resolve(e.data);
        worker.postMessage(msg);
      });
      assert.equal(reply.error, undefined, reply.error);
      return reply.result;
    },
    close: () => worker.terminate(),
  };
}

/** A class over captured variables, as a notebook cell would redefine and resend it. */
function makePricer(rate: number, label: string) {
  const cfg = { label, tags: [label] };
  class Pricer {
    constructor(readonly base: number) {}
    price(): number {
      return this.base * rate;
    }
    label(): string {
      return `${cfg.label}/${cfg.tags.length}`;
    }
  }
  const setRate = (r: number) => {
    rate = r;
  };
  return { Pricer, setRate, cfg };
}

interface PricerLike {
  price(): number;
  label(): string;
  extra?(): string;
}

// One Worker for the whole file (every test sends classes of its own), started before the
// tests run.
const worker = await keeper();
after(() => worker.close());

describe("the class tracker in a long-lived worker", () => {
  it("a newer pickle of the same class updates its captured values and members", async () => {
    const w = worker;
    const m = makePricer(2, "v1");
    const first = new m.Pricer(10);
    const r1 = await w.send("newer", { P: m.Pricer, inst: first }, (held) => {
      const [a] = held as { P: unknown; inst: PricerLike }[];
      return [a.inst.price(), a.inst.label()];
    });
    assert.deepEqual(r1, [20, "v1/1"]);

    // The producer changes what the class reads, and adds a static and a method.
    m.setRate(3);
    m.cfg.label = "v2";
    m.cfg.tags.push("new");
    (m.Pricer as unknown as { version: number }).version = 2;
    (m.Pricer.prototype as unknown as PricerLike).extra = function (this: PricerLike) {
      return `extra ${this.price()}`;
    };
    const r2 = await w.send("newer", { P: m.Pricer, inst: new m.Pricer(100) }, (held) => {
      const [a, b] = held as { P: { version?: number }; inst: PricerLike }[];
      return {
        sameClass: a.P === b.P,
        oldInstance: [a.inst.price(), a.inst.label(), a.inst.extra?.()],
        newInstance: [b.inst.price(), b.inst.label()],
        version: a.P.version,
        instanceof: b.inst instanceof (a.P as unknown as new () => unknown),
      };
    });
    assert.deepEqual(r2, {
      sameClass: true,
      oldInstance: [30, "v2/2", "extra 30"],
      newInstance: [300, "v2/2"],
      version: 2,
      instanceof: true,
    });

    // Newest loaded wins: the first version sent again takes over again.
    m.setRate(5);
    const r3 = await w.send("newer", { P: m.Pricer }, (held) => {
      const [a] = held as { inst: PricerLike }[];
      return a.inst.price();
    });
    assert.equal(r3, 50);
  });

  it("members deleted at home since the last pickle are gone in the worker", async () => {
    const w = worker;
    const m = makePricer(2, "gone");
    const proto = m.Pricer.prototype as unknown as Record<string, unknown>;
    const statics = m.Pricer as unknown as Record<string, unknown>;
    proto.extra = function () {
      return "extra";
    };
    statics.version = 1;
    statics.kept = "k";
    const probe = (held: unknown[]) => {
      const p = (held.at(-1) as { P: { prototype: object } }).P;
      const s = p as unknown as Record<string, unknown>;
      const own = p.prototype as Record<string, unknown>;
      return [typeof own.extra, s.version ?? null, s.kept ?? null, s.local ?? null];
    };
    assert.deepEqual(await w.send("gone", { P: m.Pricer }, probe), ["function", 1, "k", null]);
    // A member the worker adds itself stays; those home deleted go.
    await w.send("gone", null, (held) => {
      (held[0] as { P: Record<string, unknown> }).P.local = "worker's";
    });
    delete proto.extra;
    delete statics.version;
    const r = await w.send("gone", { P: m.Pricer }, (held) => {
      const [a, , b] = held as { P: unknown }[];
      return [a.P === b.P, ...probe(held)];
    });
    assert.deepEqual(r, [true, "undefined", null, "k", "worker's"]);
  });

  it("a class whose body was edited is a different class", async () => {
    const w = worker;
    const rate = 2;
    const v1 = closure(
      { rate },
      class Tax {
        of(x: number) {
          return x * rate;
        }
      },
    );
    const v2 = closure(
      { rate },
      class Tax {
        of(x: number) {
          return x * rate + 1;
        }
      },
    );
    await w.send("edited", v1, () => null);
    const r = await w.send("edited", v2, (held) => {
      const [a, b] = held as (new () => { of(x: number): number })[];
      return [a === b, new a().of(10), new b().of(10)];
    });
    assert.deepEqual(r, [false, 20, 21]);
  });

  it("the process that defined a class keeps it untouched", async () => {
    const m = makePricer(2, "home");
    (m.Pricer as unknown as { version: number }).version = 1;
    const bytes = await dumps(m.Pricer);
    m.setRate(7);
    (m.Pricer as unknown as { version: number }).version = 9;
    const back = await loads<typeof m.Pricer>(bytes);
    assert.equal(back, m.Pricer);
    assert.equal(new back(1).price(), 7);
    assert.equal((back as unknown as { version: number }).version, 9);
  });
});

describe("classes whose definition reads captured values", () => {
  const defaults = { size: 3, list: [1, 2, 3], nested: { deep: [{ k: "x" }] } };
  class Base {
    static registry: unknown[] = [];
  }
  const make = () =>
    closure(
      { defaults, Base },
      class Configured extends Base {
        static conf = defaults;
        static copy: typeof defaults = { ...defaults, list: [...defaults.list] };
        static size = defaults.list.length + defaults.nested.deep.length;
        static first: string;
        static {
          this.first = defaults.nested.deep[0].k;
        }
      },
    );

  type Configured = ReturnType<typeof make> & Record<string, unknown>;

  function check(C: Configured, where: string) {
    assert.equal(typeof C, "function", where);
    assert.deepEqual(C.conf, defaults, where);
    assert.deepEqual(C.copy, defaults, where);
    assert.equal(C.size, 4, where);
    assert.equal(C.first, "x", where);
    assert.ok(Object.getPrototypeOf(C) !== Function.prototype, where);
  }

  it("loads in a worker (sync and async) with its values complete", async () => {
    const w = worker;
    {
      const C = make();
      for (const bytes of [dumpsSync(C), await dumps(C)]) {
        const r = await w.send(`complete ${bytes.length}`, loadsSync(bytes), (held) => {
          const D = held.at(-1) as
            & Record<string, unknown>
            & (new () => Record<string, () => unknown>);
          return {
            conf: D.conf,
            size: D.size,
            first: D.first,
            parentIsFunction: typeof Object.getPrototypeOf(D) === "function",
          };
        });
        assert.deepEqual(r, {
          conf: defaults,
          size: 4,
          first: "x",
          parentIsFunction: true,
        });
      }
    }
  });

  it("loads in this process, where it is the class itself", async () => {
    const C = make() as Configured;
    check(loadsSync(dumpsSync(C)) as Configured, "sync");
    check(await loads(await dumps(C)) as Configured, "async");
    // Shared with other values of the pickle: the definition's object is the one they hold.
    const both = loadsSync<{ C: Configured; d: unknown }>(dumpsSync({ C, d: defaults }));
    assert.equal(both.C, C);
  });

  it("shares the definition's objects with the rest of the pickle", async () => {
    const w = worker;
    {
      const C = make();
      const r = await w.send("shares objects", { C, d: defaults }, (held) => {
        const v = held[0] as { C: Record<string, unknown>; d: unknown };
        return v.C.conf === v.d;
      });
      assert.equal(r, true);
    }
  });

  it("a parent class that lists its subclasses still pickles", async () => {
    const registry: unknown[] = [];
    const Parent = closure(
      { registry },
      class Parent {
        static all = registry;
      },
    );
    const Child = closure({ Parent }, class Child extends Parent {});
    registry.push(Child);
    const w = worker;
    {
      const r = await w.send("subclasses", Child, (held) => {
        const C = held[0] as { all: unknown[] };
        return [C.all.length, C.all[0] === C, Object.getPrototypeOf(C).all === C.all];
      });
      assert.deepEqual(r, [1, true, true]);
    }
  });

  it("static blocks and initializers are not run again: their effects are in the pickle", async () => {
    function makePlugin() {
      const registry: unknown[] = [];
      let counter = 0;
      class Plugin {
        static id = ++counter;
        static {
          registry.push(this);
        }
        static count() {
          return counter;
        }
      }
      return { Plugin, registry };
    }
    const { Plugin, registry } = makePlugin();
    const w = worker;
    {
      const r = await w.send("static blocks", { Plugin, registry }, (held) => {
        const v = held[0] as { Plugin: { id: number; count(): number }; registry: unknown[] };
        return [v.registry.length, v.registry[0] === v.Plugin, v.Plugin.id, v.Plugin.count()];
      });
      assert.deepEqual(r, [1, true, 1, 1]);
    }
  });

  it("data its definition reads that refers back to the class is refused, naming it", () => {
    const names: Record<string, unknown> = { method: "run" };
    const Task = closure(
      { names },
      class Task {
        [names.method as string]() {
          return 1;
        }
      },
    );
    names.owner = Task;
    assert.throws(() => dumpsSync(Task), (e: unknown) => {
      assert.ok(e instanceof PicklingError);
      assert.match(e.message, /definition reads a value that refers back to the class/);
      assert.match(e.message, /<captured names>/);
      return true;
    });
  });
});
