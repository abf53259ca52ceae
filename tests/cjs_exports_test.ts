// A CommonJS package whose export is a function (lodash, dayjs, moment, …): its values go by
// reference from the first pickle of a fresh process, sync or async, on Deno (where the
// package's file is reported twice, as the ES module that wraps it and as the script that
// defines its functions) and on Bun; an instance of a class the package does not export,
// whose prototype an exported factory shares (`moment.prototype = Moment.prototype`), goes by
// reference to `moment.prototype.constructor`. Pickled by one runtime, loaded by the other,
// pickled again.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { makeProject } from "./cjs_exports/project.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const bun = `${root}node_modules/.bin/bun`;
const deno = `${root}node_modules/.bin/deno`;
const runtimes = {
  deno: (script: string, ...args: string[]) => [deno, ["run", "-A", script, ...args]] as const,
  bun: (script: string, ...args: string[]) =>
    [bun, ["--preload", `${root}preload.ts`, script, ...args]] as const,
};

describe("a CommonJS package that exports a function", () => {
  let dir = "";
  before(() => {
    dir = makeProject("cloudpickle-cjs-exports-");
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  function exec([cmd, args]: readonly [string, readonly string[]]): string {
    const r = spawnSync(cmd, args, {
      cwd: dir,
      encoding: "utf8",
      timeout: 120_000,
      env: { ...process.env, NO_COLOR: "1", CP_MOD: `${root}mod.ts` },
    });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout.trim().split("\n").pop()!;
  }

  for (const maker of ["deno", "bun"] as const) {
    for (const form of ["sync", "async"]) {
      it(`${maker}, ${form} first pickle: by reference; loaded and pickled again by both`, () => {
        const made = exec(runtimes[maker]("make.mjs", form));
        const file = join(dir, `${maker}_${form}.json`);
        writeFileSync(file, made);
        for (const loader of ["deno", "bun"] as const) {
          const out = JSON.parse(exec(runtimes[loader]("load.mjs", file)));
          assert.deepEqual(
            { ...out, sizes: undefined },
            {
              sizes: undefined,
              lib: true,
              chunk: true,
              total: 8,
              momentProto: true,
              format: "2020/01/02",
              again: true,
            },
            `${maker} → ${loader}`,
          );
          // By reference: no source of the package travels.
          assert.ok(out.sizes.lib < 100, `lib: ${out.sizes.lib} B`);
          assert.ok(out.sizes.chunk < 100, `chunk: ${out.sizes.chunk} B`);
          assert.ok(out.sizes.moment < 200, `moment: ${out.sizes.moment} B`);
        }
      });
    }
  }
});
