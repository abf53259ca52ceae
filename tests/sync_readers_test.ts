// The sync form reads what the runtime shows synchronously: bound functions' parts and private
// fields (instance and static), through Deno's inspector (with --allow-sys) and Bun's preload;
// the pickle loads and runs in a process of either runtime.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const deno = `${root}node_modules/.bin/deno`;
const bun = `${root}node_modules/.bin/bun`;

function run(cmd: string, args: string[], input?: string): string {
  const r = spawnSync(cmd, args, { cwd: root, input, encoding: "utf8", timeout: 60_000 });
  assert.equal(r.status, 0, `${cmd} ${args.join(" ")} failed:\n${r.stderr}`);
  return r.stdout.trim();
}

const produce = {
  deno: () => run(deno, ["run", "-A", "tests/cross/sync_readers_produce.ts"]),
  bun: () => run(bun, ["--preload", "./preload.ts", "tests/cross/sync_readers_produce.ts"]),
};
const consume = {
  deno: (p: string) => run(deno, ["run", "tests/cross/sync_readers_consume.ts"], p),
  bun: (p: string) => run(bun, ["tests/cross/sync_readers_consume.ts"], p),
};

describe("dumpsSync of bound functions and private fields", () => {
  for (const from of ["deno", "bun"] as const) {
    it(`pickled by ${from}'s sync form, they load and run in Deno and Bun`, () => {
      const pickle = produce[from]();
      for (const to of ["deno", "bun"] as const) {
        assert.deepEqual(JSON.parse(consume[to](pickle)), {
          balances: [5, 7],
          owners: ["ada", "bob"],
          opened: 2,
          instanceOf: true,
          fresh: 1,
          openedAfter: 3,
          addFive: 16,
        }, `${from} -> ${to}`);
      }
    });
  }
});
