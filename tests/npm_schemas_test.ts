// Validation schemas of npm packages, as users ship them to workers: a zod schema (zod 4, its
// mini build, and zod 3 from `zod/v3`) or a closure over one, pickled after it has validated
// (zod 4 keeps per-schema caches in WeakMaps of its module; zod 3 stores
// `this["~standard"] = { validate: (d) => this["~validate"](d) }` on each schema), loaded in
// the other runtime and back, where it validates as at home. zod's classes go by reference;
// the schemas' closures by value, the ones zod 4 compiles with `new Function` included (Bun's
// preload instruments those too).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import * as z4 from "zod";
import * as zm from "zod/mini";
import { z as z3 } from "zod/v3";
import { dumps, loads } from "../mod.ts";
import { evalIn } from "./helpers.ts";

const root = fileURLToPath(new URL("..", import.meta.url));

interface Schema {
  safeParse(v: unknown): { success: boolean };
}

const SCHEMAS: Record<string, () => Schema> = {
  "zod 4": () =>
    z4.object({
      a: z4.string().min(2),
      n: z4.number().optional(),
      tags: z4.array(z4.enum(["x", "y"])),
    }),
  "zod 4 mini": () =>
    zm.object({
      a: zm.string().check(zm.minLength(2)),
      n: zm.optional(zm.number()),
      tags: zm.array(zm.enum(["x", "y"])),
    }),
  "zod 3": () =>
    z3.object({
      a: z3.string().min(2),
      n: z3.number().optional(),
      tags: z3.array(z3.enum(["x", "y"])),
    }),
};

const GOOD = { a: "xy", tags: ["x"] };
const BAD = { a: "x", tags: ["z"] };

describe("npm validation schemas", () => {
  for (const [name, make] of Object.entries(SCHEMAS)) {
    it(`${name}: a schema and a closure over it validate after hops through the other runtime`, async () => {
      const schema = make();
      // Used first, as a program would before shipping it (zod fills its caches).
      assert.ok(schema.safeParse(GOOD).success);
      const check = (row: unknown) => schema.safeParse(row).success;
      const b64 = (await dumps({ schema, check })).toBase64();
      const other = "Deno" in globalThis ? "bun" : "deno";
      const script = `const { loads, dumps } = await import(${JSON.stringify(`${root}mod.ts`)});
        const v = await loads(Uint8Array.fromBase64(${JSON.stringify(b64)}));
        const ok = [v.schema.safeParse(${JSON.stringify(GOOD)}).success,
          v.schema.safeParse(${JSON.stringify(BAD)}).success, v.check({ a: "ab", tags: [] })];
        console.log(JSON.stringify(ok) + " " + (await dumps(v)).toBase64());`;
      const [there, back] = evalIn(other, script).split(" ");
      assert.equal(there, "[true,false,true]", other);
      const v = await loads<{ schema: Schema; check: (row: unknown) => boolean }>(
        Uint8Array.fromBase64(back),
      );
      assert.ok(v.schema.safeParse(GOOD).success);
      assert.ok(!v.schema.safeParse(BAD).success);
      assert.ok(v.check({ a: "abc", tags: ["y"] }));
      assert.ok(!v.check({ a: 1 }));
      // A third hop in this process.
      const again = await loads<{ check: (row: unknown) => boolean }>(await dumps(v));
      assert.ok(again.check(GOOD) && !again.check(BAD));
    });
  }
});
