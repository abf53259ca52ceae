// npm packages on Node, from the npm build: a CommonJS package's exports (a function with
// members, lodash-like; a factory sharing an unexported class's prototype, dayjs-like) go by
// reference from the first pickle of a process, sync and async, and `loads` finds the package
// in node_modules (Node cannot import `npm:` specifiers). Pickles travel Node → Deno and
// Deno → Node. Fixtures: tests/cjs_exports/.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { makeProject } from "../cjs_exports/project.mjs";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const node = process.execPath;
const deno = `${ROOT}node_modules/.bin/deno`;

describe("npm packages on Node", () => {
  let dir = "";
  before(() => {
    dir = makeProject("cloudpickle-node-cjs-");
    // Installed as users install it, next to the packages it names (copied: Node resolves
    // a symlink to where it points).
    cpSync(`${ROOT}dist/npm`, join(dir, "node_modules", "@cloudpickle", "cloudpickle"), {
      recursive: true,
    });
    cpSync(`${ROOT}node_modules/meriyah`, join(dir, "node_modules", "meriyah"), {
      recursive: true,
    });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const runners = {
    node: (args) => [node, args, "@cloudpickle/cloudpickle"],
    deno: (args) => [deno, ["run", "-A", ...args], `${ROOT}mod.ts`],
  };
  function exec(runtime, ...args) {
    const [cmd, argv, lib] = runners[runtime](args);
    const r = spawnSync(cmd, argv, {
      cwd: dir,
      encoding: "utf8",
      timeout: 120_000,
      env: { ...process.env, NO_COLOR: "1", CP_MOD: lib },
    });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout.trim().split("\n").pop();
  }

  for (const [maker, loader] of [["node", "node"], ["node", "deno"], ["deno", "node"]]) {
    for (const form of ["sync", "async"]) {
      it(`${maker} → ${loader}, ${form} first pickle: by reference, runs, pickles again`, () => {
        const file = join(dir, `${maker}_${form}.json`);
        writeFileSync(file, exec(maker, "make.mjs", form));
        const out = JSON.parse(exec(loader, "load.mjs", file));
        assert.deepEqual({ ...out, sizes: undefined }, {
          sizes: undefined,
          lib: true,
          chunk: true,
          total: 8,
          momentProto: true,
          format: "2020/01/02",
          again: true,
        });
        assert.ok(out.sizes.lib < 100 && out.sizes.chunk < 100 && out.sizes.moment < 200);
      });
    }
  }
});
