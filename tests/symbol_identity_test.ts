// Unique symbols keep their identity across pickles, as classes do: loaded in the process that
// made it, a symbol is the original; two pickles of one symbol loaded in one process give one
// symbol, also after a hop through another process that pickles it again. So a class keyed by
// a unique symbol (`[tag]() {}`), which loads as the class already there, still answers to the
// `tag` loaded beside it. Distinct symbols of one description stay distinct.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { dumps, dumpsSync, loads, loadsSync, UnpicklingError } from "../mod.ts";
import * as T from "../lib/format/tags.ts";
import { evalIn } from "./helpers.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const tag = Symbol("tag");
class Tagged {
  [tag](): string {
    return `method of ${String(tag.description)}`;
  }
}

const mod = JSON.stringify(`${root}mod.ts`);
const readStdin = `JSON.parse((await import("node:fs")).readFileSync(0, "utf8"))`;

describe("unique symbols", () => {
  it("loaded where they were made, they are the originals; the class keyed by one works", async () => {
    const out = await loads<{ tag: symbol; T: typeof Tagged; data: Record<symbol, number> }>(
      await dumps({ tag, T: Tagged, data: { [tag]: 1 } }),
    );
    assert.equal(out.tag, tag);
    assert.equal(out.T, Tagged);
    assert.equal(new out.T()[out.tag](), "method of tag");
    assert.equal(out.data[out.tag], 1);
    assert.equal(loadsSync<{ s: symbol }>(dumpsSync({ s: tag })).s, tag);
  });

  it("distinct symbols of one description stay distinct, one symbol stays one", async () => {
    const a = Symbol("same");
    const b = Symbol("same");
    const out = await loads<symbol[]>(await dumps([a, b, a]));
    assert.deepEqual([out[0] === a, out[1] === b, out[2] === a], [true, true, true]);
  });

  for (const runtime of ["deno", "bun"] as const) {
    it(`${runtime}: two pickles of a class and its symbol key give one pair, over a second hop`, async () => {
      const first = Buffer.from(await dumps({ tag, T: Tagged })).toString("base64");
      const second = Buffer.from(await dumps({ tag, data: { [tag]: 2 } })).toString("base64");
      // The worker loads the first pickle, pickles the symbol again (a hop), then loads the
      // second: one symbol, and the class loaded first answers to it.
      const script = `const { loads, dumps } = await import(${mod});
        const [p1, p2] = ${readStdin};
        const b = (s) => new Uint8Array(Buffer.from(s, "base64"));
        const one = await loads(b(p1));
        const again = await loads(await dumps({ tag: one.tag }));
        const two = await loads(b(p2));
        console.log(JSON.stringify([
          one.tag === two.tag, again.tag === one.tag, new one.T()[two.tag](), two.data[one.tag],
          typeof one.tag, one.tag.description,
        ]));`;
      const out = evalIn(runtime, script, JSON.stringify([first, second]));
      assert.equal(out, '[true,true,"method of tag",2,"symbol","tag"]');
    });
  }

  it("a symbol's id that is empty or too long is an UnpicklingError with the offset", () => {
    for (const id of ["", "x".repeat(65)]) {
      const bytes = dumpsSync(Symbol("s"));
      // Header: magic, version, flags, then the body's length (one byte here), then the body.
      assert.equal(bytes[7], T.SYMBOL_UNIQUE);
      const body = [T.SYMBOL_UNIQUE, T.SYMBOL_HAS_ID, T.STR8, id.length, ...Buffer.from(id)];
      const forged = new Uint8Array([...bytes.subarray(0, 6), body.length, ...body]);
      const at = 7;
      assert.throws(
        () => loadsSync(forged),
        (e: unknown) =>
          e instanceof UnpicklingError && /symbol's id/.test(e.message) && e.offset === at,
      );
    }
  });
});
