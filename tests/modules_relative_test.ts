// A relative import() inside code pickled by value resolves against the module that defined
// the function, as at home, also after loading where the project sits at another path.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { dumps, dumpsSync, loads } from "../mod.ts";
import { makeDynamicTask, makeTask, makeWhereTask } from "./modules/relative/tasks.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const helperHere = new URL("./modules/relative/helper.ts", import.meta.url).href;

describe("relative import() in code by value", () => {
  it("resolves against the defining module, not the library", async () => {
    const task = makeTask(4);
    const p = await dumps(task);
    assert.ok(new TextDecoder().decode(p).includes('"./tests/modules/relative/tasks.ts"'));
    const back = await loads<typeof task>(p);
    assert.notEqual(back, task);
    assert.deepEqual(await back(), [41, helperHere]);
    // A specifier in a variable resolves the same way.
    const dynamic = makeDynamicTask("./helper.ts");
    assert.equal(await (await loads<typeof dynamic>(await dumps(dynamic)))(), helperHere);
  });

  it("the sync form, for code whose module is known (located once on Deno)", async () => {
    const again = await loads<() => Promise<[number, string]>>(dumpsSync(makeTask(5)));
    assert.deepEqual(await again(), [51, helperHere]);
  });

  it("a loaded function pickles again with the same module", async () => {
    const once = await loads<() => Promise<string>>(await dumps(makeWhereTask()));
    const text = new TextDecoder().decode(await dumps(once));
    assert.equal(text.split("./tests/modules/relative/tasks.ts").length, 2, "one base");
    const twice = await loads<typeof once>(await dumps(once));
    assert.equal(await twice(), helperHere);
    assert.equal(await (await loads<typeof once>(dumpsSync(once)))(), helperHere);
  });
});

describe("relative import() where the project sits at another path", () => {
  const bin = (r: string) => `${root}node_modules/.bin/${r}`;
  const copy = () => {
    const dir = realpathSync(mkdtempSync(join(tmpdir(), "cloudpickle-moved-")));
    for (const f of ["mod.ts", "preload.ts", "package.json", "deno.json", "lib"]) {
      cpSync(join(root, f), join(dir, f), { recursive: true });
    }
    mkdirSync(join(dir, "tests/modules"), { recursive: true });
    cpSync(join(root, "tests/cross"), join(dir, "tests/cross"), { recursive: true });
    cpSync(join(root, "tests/modules/relative"), join(dir, "tests/modules/relative"), {
      recursive: true,
    });
    symlinkSync(join(root, "node_modules"), join(dir, "node_modules"), "dir");
    return dir;
  };
  const run = (runtime: "deno" | "bun", cwd: string, args: string[], input?: string) => {
    const cmd = runtime === "deno"
      ? [bin("deno"), "run", "-A", ...args]
      : [bin("bun"), "--preload", "./preload.ts", ...args];
    const r = spawnSync(cmd[0], cmd.slice(1), { cwd, input, encoding: "utf8", timeout: 60_000 });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout;
  };
  for (const [from, to] of [["deno", "bun"], ["bun", "deno"], ["deno", "deno"]] as const) {
    it(`${from} -> ${to}: the moved copy's own helper module is imported`, () => {
      const moved = copy();
      try {
        const pickle = run(from, root, ["tests/cross/modules_relative.ts"]);
        const out = JSON.parse(run(to, moved, ["tests/cross/modules_load.ts"], pickle));
        const movedHelper = pathToFileURL(join(moved, "tests/modules/relative/helper.ts")).href;
        assert.deepEqual(out, { type: "function", result: [71, movedHelper] });
      } finally {
        rmSync(moved, { recursive: true });
      }
    });
  }
});
