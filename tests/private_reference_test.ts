// Instances of classes with private members that go by reference, and decorated classes:
// what can be loaded in another process is pickled and loaded there (Deno and Bun); what no
// process could load is refused when pickled, naming the remedies, which work.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { dumps, PicklingError, registerPickleByValue, unregisterPickleByValue } from "../mod.ts";
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
  it("an instance no process could rebuild is refused when pickled, naming the remedies", async () => {
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
