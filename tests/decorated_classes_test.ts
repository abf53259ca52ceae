// Classes decorated with TypeScript's legacy decorators (experimentalDecorators: class-transformer,
// TypeORM, NestJS) are refused by value, with the remedy, on both runtimes: the decorations are
// calls after the class in its module (tests/modules/legacy_decorated.js is written as the
// compilers emit them), and what they registered would not follow a class pickled by value.
// Found by the module's text: Bun's preload marks the classes as they are decorated; Deno
// reads the script through the inspector. An undecorated class of the same module pickles.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { dumps, dumpsSync, loadsSync, PicklingError } from "../mod.ts";
import { classes, registry } from "./modules/legacy_decorated.js";

describe("classes with legacy decorators", () => {
  const { User, Post, Photo } = classes();

  it("are refused by value, saying why and what to do, sync and async", async () => {
    assert.equal(registry.get(User), "name", "the decoration ran");
    for (const [name, cls] of [["User", User], ["Post", Post]] as const) {
      for (const dump of [() => dumpsSync({ cls }), () => dumps({ cls })]) {
        await assert.rejects(async () => await dump(), (e: unknown) => {
          assert.ok(e instanceof PicklingError, String(e));
          assert.match(e.message, new RegExp(`class '${name}' by value: it uses decorators`));
          assert.match(e.message, /export it: it then goes by reference/);
          assert.equal(e.path, "root.cls");
          return true;
        });
      }
    }
  });

  it("an instance of one is refused too, and an undecorated class still pickles", () => {
    assert.throws(() => dumpsSync(new User()), PicklingError);
    const P = loadsSync<typeof Photo>(dumpsSync(Photo));
    assert.equal(new P().url(), "p.png");
  });
});
