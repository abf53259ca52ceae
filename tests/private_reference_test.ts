// Instances of classes with private members that go by reference, and decorated classes:
// what can be loaded in another process is pickled and loaded there (Deno and Bun); what no
// process could load is refused when pickled, naming the remedies, which work.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import {
  dumps,
  loads,
  PicklingError,
  registerPickleByValue,
  UnpicklingError,
  unregisterPickleByValue,
} from "../mod.ts";
import { Decorated, Plain, Reducible } from "./private_reference/classes.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const classes = new URL("./private_reference/classes.ts", import.meta.url);

/** Loads `bytes` in a fresh Deno and a fresh Bun, runs `expr` on it (`v`), returns outputs. */
function elsewhere(bytes: Uint8Array, expr: string): string[] {
  const script = `const { loads } = await import(${JSON.stringify(`${root}mod.ts`)});
    const m = await import(${JSON.stringify(classes.href)});
    const v = await loads(new Uint8Array(Buffer.from(${
    JSON.stringify(Buffer.from(bytes).toString("base64"))
  }, "base64")));
    console.log(JSON.stringify(${expr}));`;
  return [
    [`${root}node_modules/.bin/deno`, ["eval", "--ext=js", script]],
    [`${root}node_modules/.bin/bun`, ["--preload", `${root}preload.ts`, "-e", script]],
  ].map(([cmd, args]) => {
    const r = spawnSync(cmd as string, args as string[], { encoding: "utf8", cwd: root });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout.trim();
  });
}

describe("private members of classes pickled by reference", () => {
  // Bun's preload gives each class with private fields a field that lets the library rebuild
  // its instances where the class is defined or imported; Deno has no load-time hook.
  const onBun = typeof (globalThis as { Bun?: unknown }).Bun !== "undefined";

  it("Deno: an instance no process could rebuild is refused when pickled, naming the remedies", {
    skip: onBun,
  }, async () => {
    await assert.rejects(dumps({ item: new Plain(5) }), (e: unknown) => {
      assert.ok(e instanceof PicklingError);
      assert.match(e.message, /instance of Plain: its class has private members and goes by/);
      assert.match(e.message, /private_reference\/classes\.ts/);
      assert.match(e.message, /\[reduce\]\(\)/);
      assert.match(e.message, /registerPickleByValue/);
      assert.match(e.message, /root\.item/);
      return true;
    });
  });

  it("Bun: it pickles, loads in Bun as an instance of the imported class; Deno refuses it", {
    skip: !onBun,
  }, async () => {
    const b64 = Buffer.from(await dumps({ item: new Plain(5) })).toString("base64");
    const script = (lib: string) =>
      `const { loads } = await import(${JSON.stringify(lib)});
      const m = await import(${JSON.stringify(classes.href)});
      try {
        const v = await loads(new Uint8Array(Buffer.from(${JSON.stringify(b64)}, "base64")));
        console.log(JSON.stringify([v.item.x, v.item instanceof m.Plain]));
      } catch (e) { console.log(JSON.stringify([e.name, e.message])); }`;
    const bun = spawnSync(
      `${root}node_modules/.bin/bun`,
      ["--preload", `${root}preload.ts`, "-e", script(`${root}mod.ts`)],
      { encoding: "utf8", cwd: root },
    );
    assert.equal(bun.stdout.trim(), "[5,true]", bun.stderr);
    const deno = spawnSync(
      `${root}node_modules/.bin/deno`,
      ["eval", "--ext=js", script(`${root}mod.ts`)],
      { encoding: "utf8", cwd: root },
    );
    const [name, message] = JSON.parse(deno.stdout.trim());
    assert.equal(name, "UnpicklingError", deno.stderr);
    assert.match(message, /\[reduce\]\(\)/);
  });

  it("remedy: a [reduce]() method; the instance is of the imported class there", async () => {
    const out = elsewhere(
      await dumps(new Reducible(7)),
      "[v.x, Object.getPrototypeOf(v) === m.Reducible.prototype]",
    );
    assert.deepEqual(out, ["[7,true]", "[7,true]"]);
  });

  it("remedy: the module registered by value; the class travels and fills the instance", async () => {
    registerPickleByValue(classes);
    try {
      const out = elsewhere(await dumps(new Plain(5)), "[v.x, v instanceof m.Plain]");
      assert.deepEqual(out, ["[5,false]", "[5,false]"]);
    } finally {
      unregisterPickleByValue(classes);
    }
  });
});

describe("decorated classes", () => {
  it("by reference: the class and its instances load and run elsewhere", async () => {
    const out = elsewhere(
      await dumps({ C: Decorated, d: new Decorated(2) }),
      "[v.C === m.Decorated, v.d.hello(3), new v.C(1).hello(1)]",
    );
    assert.deepEqual(out, ['[true,"[5]","[2]"]', '[true,"[5]","[2]"]']);
  });

  it("by value: refused, saying to export it from a module", async () => {
    registerPickleByValue(classes);
    try {
      await assert.rejects(dumps(Decorated), (e: unknown) => {
        assert.ok(e instanceof PicklingError);
        assert.match(e.message, /cannot pickle class 'Decorated' by value: it uses decorators/);
        assert.match(e.message, /export it/);
        return true;
      });
    } finally {
      unregisterPickleByValue(classes);
    }
  });
});

class Wallet {
  #cents: number;
  constructor(cents: number) {
    this.#cents = cents;
  }
  spend(n: number): number {
    return (this.#cents -= n);
  }
  get cents(): number {
    return this.#cents;
  }
}

describe("an instance a worker sends back where its class was defined", () => {
  const onBun = typeof (globalThis as { Bun?: unknown }).Bun !== "undefined";
  const hop = (bytes: Uint8Array): Uint8Array => {
    // The worker: another process of this runtime that loads, spends, and pickles back.
    const script = `const { loads, dumps } = await import(${JSON.stringify(`${root}mod.ts`)});
      const v = await loads(new Uint8Array(Buffer.from(${
      JSON.stringify(Buffer.from(bytes).toString("base64"))
    }, "base64")));
      v.spend(30);
      console.log(Buffer.from(await dumps(v)).toString("base64"));`;
    const [cmd, args] = onBun
      ? [`${root}node_modules/.bin/bun`, ["--preload", `${root}preload.ts`, "-e", script]]
      : [`${root}node_modules/.bin/deno`, ["eval", "--ext=js", script]];
    const r = spawnSync(cmd as string, args as string[], { encoding: "utf8", cwd: root });
    assert.equal(r.status, 0, r.stderr);
    return new Uint8Array(Buffer.from(r.stdout.trim(), "base64"));
  };

  it("Bun: comes home as an instance of the class, its private fields restored", {
    skip: !onBun,
  }, async () => {
    const back = await loads<Wallet>(hop(await dumps(new Wallet(100))));
    assert.ok(back instanceof Wallet);
    assert.equal(back.cents, 70);
    assert.equal(back.spend(20), 50);
  });

  it("Deno: refused with the remedy, a [reduce]() method", { skip: onBun }, async () => {
    const bytes = hop(await dumps(new Wallet(100)));
    await assert.rejects(
      loads(bytes),
      (e: unknown) => e instanceof UnpicklingError && /\[reduce\]\(\)/.test(e.message),
    );
  });
});
