// Node built-in modules by reference: namespaces (import * as path from "node:path") and
// default exports (import fs from "node:fs") load as the loading side's own module objects,
// bare, inside data and captured by closures, in this process and across runtimes.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import * as path from "node:path";
import * as fsNamespace from "node:fs";
import crypto from "node:crypto";
import fs from "node:fs";
import { dumps, dumpsSync, loads, loadsSync } from "../mod.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const decoder = new TextDecoder();

describe("node: modules by reference", () => {
  it("a node: namespace loads as this process's own namespace", async () => {
    const p = await dumps(path);
    assert.ok(p.length < 40, `by reference: ${p.length} bytes`);
    assert.ok(decoder.decode(p).includes("node:path"));
    assert.equal(await loads(p), path);
    assert.equal(await loads(p), await import("node:path"));
    assert.equal(await loads(await dumps(fsNamespace)), fsNamespace);
    // Met once (here, or by loads), the namespace loads synchronously too.
    assert.equal(loadsSync(dumpsSync(path)), path);
  });

  it("default exports of node: modules load as this process's own objects", async () => {
    for (const [name, m] of [["node:crypto", crypto], ["node:fs", fs]] as const) {
      const p = await dumps(m);
      assert.ok(p.length < 40, `${name} by reference: ${p.length} bytes`);
      assert.ok(decoder.decode(p).includes(name));
      assert.equal(await loads(p), m);
      assert.equal(await loads(p), (await import(name)).default);
      assert.equal(loadsSync(dumpsSync(m)), m);
      // Inside data, shared.
      const back = await loads<{ a: object; b: object }>(await dumps({ a: m, b: m }));
      assert.equal(back.a, m);
      assert.equal(back.b, m);
    }
  });

  it("captured by a closure, they are the loading side's own and the closure runs", async () => {
    const f = () => [path.join("a", "b"), typeof crypto.createHash, fs.existsSync("/")];
    const g = () => [path, crypto, fs];
    const back = await loads<{ f: typeof f; g: typeof g }>(await dumps({ f, g }));
    assert.notEqual(back.f, f, "the closure itself is by value");
    assert.deepEqual(back.f(), ["a/b", "function", true]);
    const [p, c, d] = back.g();
    assert.equal(p, path);
    assert.equal(c, crypto);
    assert.equal(d, fs);
  });
});

describe("every built-in's exports object", () => {
  it("captured by a closure, loads as itself (the distinctive keys hold on this runtime)", async () => {
    const p = process as unknown as { getBuiltinModule(id: string): unknown };
    const names = (p.getBuiltinModule("node:module") as { builtinModules: string[] })
      .builtinModules.filter((n) => !n.startsWith("_") && !n.includes("internal"));
    const missed: string[] = [];
    let checked = 0;
    for (const name of names) {
      const exports = p.getBuiltinModule(`node:${name}`);
      if (exports === null || typeof exports !== "object") continue;
      if (Object.getPrototypeOf(exports) !== Object.prototype) continue;
      checked++;
      const f = () => exports;
      const back = await loads<typeof f>(await dumps(f));
      if (back() !== exports) missed.push(name);
    }
    assert.ok(checked > 30, `${checked} built-ins checked`);
    assert.deepEqual(missed, []);
  });
});

describe("node: modules across runtimes", () => {
  const bin = (r: string) => `${root}node_modules/.bin/${r}`;
  const cmd = (r: "deno" | "bun", mode: string) =>
    r === "deno"
      ? [bin("deno"), "run", "-A", "tests/cross/modules_builtins.ts", mode]
      : [bin("bun"), "--preload", "./preload.ts", "tests/cross/modules_builtins.ts", mode];
  for (const [from, to] of [["deno", "bun"], ["bun", "deno"]] as const) {
    it(`${from} -> ${to}: namespaces, default exports and captures are the loader's own`, () => {
      const [pc, ...pa] = cmd(from, "produce");
      const made = spawnSync(pc, pa, { cwd: root, encoding: "utf8", timeout: 60_000 });
      assert.equal(made.status, 0, made.stderr);
      const [cc, ...ca] = cmd(to, "consume");
      const out = spawnSync(cc, ca, {
        cwd: root,
        input: made.stdout,
        encoding: "utf8",
        timeout: 60_000,
      });
      assert.equal(out.status, 0, out.stderr);
      assert.deepEqual(JSON.parse(out.stdout), {
        path: true,
        fsNamespace: true,
        crypto: true,
        fs: true,
        result: { join: "a/b", hash: "2d711642", root: true },
        captured: [true, true, true],
      });
    });
  }
});
