// A CommonJS package compiled by tsc (`__esModule`, `exports.default = Err`, re-exports through
// getters, as most TypeScript packages publish CommonJS): its exports go by reference from
// every runtime to every other, through three hops each way. On Bun, an import's `default` of
// such a module is `exports.default`, not the exports object, and the getters of its entry
// file are never run: the class is found in the file that defines it. A closure the package's
// CommonJS code made pickles by value from Bun too: the preload instruments the CommonJS files
// that `require` loads (Module._extensions).
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const fixtures = fileURLToPath(new URL("./cjs_esmodule/", import.meta.url));
const command: Record<"deno" | "bun", (...args: string[]) => [string, string[]]> = {
  deno: (...args) => [`${root}node_modules/.bin/deno`, ["run", "-A", "hop.mjs", ...args]],
  bun: (...args) => [
    `${root}node_modules/.bin/bun`,
    ["--preload", `${root}preload.ts`, "hop.mjs", ...args],
  ],
};

describe("a CommonJS package compiled by tsc", () => {
  let dir = "";
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "cloudpickle-tsc-lib-"));
    mkdirSync(join(dir, "node_modules"));
    for (const pkg of ["tsc-lib", "cjs-ext"]) {
      cpSync(join(fixtures, pkg), join(dir, "node_modules", pkg), { recursive: true });
    }
    cpSync(join(fixtures, "hop.mjs"), join(dir, "hop.mjs"));
    writeFileSync(join(dir, "package.json"), JSON.stringify({ type: "module" }));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const hop = (runtime: "deno" | "bun", from: string, to: string): string => {
    const [cmd, args] = command[runtime](from, to);
    const r = spawnSync(cmd, args, {
      cwd: dir,
      encoding: "utf8",
      timeout: 120_000,
      env: { ...process.env, NO_COLOR: "1", CP_MOD: `${root}mod.ts` },
    });
    assert.equal(r.status, 0, `${runtime}: ${r.stderr}`);
    return r.stdout.trim().split("\n").pop()!;
  };

  for (const [a, b] of [["deno", "bun"], ["bun", "deno"]] as const) {
    it(`its class and function go by reference ${a} → ${b} → ${a}`, () => {
      // The counters made at the first hop count on (their `made` travels too).
      assert.equal(hop(a, "-", "p1.bin"), '["A!","B",true,11,101]', `${a} pickles`);
      assert.equal(
        hop(b, "p1.bin", "p2.bin"),
        '["A!","B",true,21,201]',
        `${b} loads, pickles again`,
      );
      assert.equal(hop(a, "p2.bin", "p3.bin"), '["A!","B",true,31,301]', `${a} loads`);
    });
  }
});
