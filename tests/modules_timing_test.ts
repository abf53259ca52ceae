// The by-reference decision does not depend on timing: an export of a module imported a
// moment ago is found by the async forms at once, every time; a reference to a module or
// export that no longer exists on the loading side is an UnpicklingError naming both.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { dumps, dumpsSync, loads, reduce, UnpicklingError } from "../mod.ts";
import { EXPORT, FLAG_MODULES } from "../lib/format/tags.ts";
import { parseHeader } from "./helpers.ts";

const root = fileURLToPath(new URL("..", import.meta.url));

/** Whether the pickle is one EXPORT record (by reference). */
function isExportRecord(p: Uint8Array): boolean {
  return (parseHeader(p).flags & FLAG_MODULES) !== 0 && p.includes(EXPORT);
}

describe("modules imported a moment ago", () => {
  it("dynamic import(), then at once dumpsSync(export): by reference, every time", async () => {
    // Deno lists modules again the moment a function of a newer script misses, and takes its
    // namespace with require; Bun's require.cache lists it already.
    const dir = mkdtempSync(join(tmpdir(), "cloudpickle-fresh-sync-"));
    try {
      for (let i = 0; i < 6; i++) {
        const file = join(dir, `fresh_${i}.ts`);
        writeFileSync(
          file,
          `export function syncFresh${i}(x: number): number { return x + ${i}; }\n`,
        );
        const m = await import(pathToFileURL(file).href);
        const p = dumpsSync(m[`syncFresh${i}`]);
        assert.ok(isExportRecord(p), `run ${i}: by reference`);
        assert.equal(await loads(p), m[`syncFresh${i}`]);
      }
    } finally {
      rmSync(dir, { recursive: true });
    }
  });

  it("dynamic import(), then at once await dumps(export): by reference, every time", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cloudpickle-fresh-"));
    try {
      for (let i = 0; i < 12; i++) {
        const file = join(dir, `fresh_${i}.ts`);
        writeFileSync(
          file,
          `export function fresh${i}(x: number): number { return x + ${i}; }\n` +
            `export const withFree${i} = (x: number): number => fresh${i}(x) * 2;\n`,
        );
        const m = await import(pathToFileURL(file).href);
        for (const name of [`fresh${i}`, `withFree${i}`]) {
          const p = await dumps(m[name]);
          assert.ok(isExportRecord(p), `run ${i}: ${name} by reference`);
          assert.equal(await loads(p), m[name]);
        }
        // A namespace imported a moment ago, the first thing asked about its module.
        const nsFile = join(dir, `ns_${i}.ts`);
        writeFileSync(nsFile, `export const v = ${i};\n`);
        const n = await import(pathToFileURL(nsFile).href);
        const q = await dumps(n);
        assert.ok((parseHeader(q).flags & FLAG_MODULES) !== 0, `run ${i}: namespace by reference`);
        assert.equal(await loads(q), n);
      }
    } finally {
      rmSync(dir, { recursive: true });
    }
  });
});

describe("modules and exports gone on the loading side", () => {
  it("a module that fails to import is refused before any code of the pickle runs", async () => {
    const g = globalThis as { __cpRan?: boolean };
    class Effect {
      [reduce]() {
        return [() => {
          (globalThis as { __cpRan?: boolean }).__cpRan = true;
          return {};
        }, []];
      }
    }
    const dir = mkdtempSync(join(tmpdir(), "cloudpickle-gone-"));
    try {
      const file = join(dir, "tool.ts");
      writeFileSync(file, "export function tool(): number { return 1; }\n");
      const m = await import(pathToFileURL(file).href);
      const p = await dumps([new Effect(), m.tool]);
      await assert.rejects(
        loads(p, {
          importModule: () => {
            throw new Error("gone");
          },
        }),
        (e: unknown) =>
          e instanceof UnpicklingError && e.message.includes("tool.ts") &&
          e.message.includes("for its export 'tool'") && e.message.includes("gone"),
      );
      assert.equal(g.__cpRan, undefined, "the reducer did not run");
      await loads(p);
      assert.equal(g.__cpRan, true, "it runs when the module is there");
    } finally {
      delete g.__cpRan;
      rmSync(dir, { recursive: true });
    }
  });

  const bin = (r: string) => `${root}node_modules/.bin/${r}`;
  function load(runtime: "deno" | "bun", pickle: Uint8Array): Record<string, string> {
    const cmd = runtime === "deno"
      ? [bin("deno"), "run", "-A", "tests/cross/modules_load.ts"]
      : [bin("bun"), "--preload", "./preload.ts", "tests/cross/modules_load.ts"];
    const r = spawnSync(cmd[0], cmd.slice(1), {
      cwd: root,
      input: pickle.toBase64(),
      encoding: "utf8",
      timeout: 60_000,
    });
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout);
  }

  it("an export dropped, or its module deleted: an UnpicklingError naming both", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cloudpickle-gone-"));
    try {
      const file = join(dir, "tool.ts");
      writeFileSync(file, "export function tool(x: number): number { return x * 5; }\n");
      const m = await import(pathToFileURL(file).href);
      const p = await dumps(m.tool);
      assert.ok(isExportRecord(p));
      assert.deepEqual(dumpsSync(m.tool), p);
      for (const runtime of ["deno", "bun"] as const) {
        assert.deepEqual(load(runtime, p), { type: "function", result: 5 }, runtime);
      }
      writeFileSync(file, "export function renamed(x: number): number { return x; }\n");
      for (let i = 0; i < 2; i++) {
        for (const runtime of ["deno", "bun"] as const) {
          const out = load(runtime, p);
          assert.equal(out.error, "UnpicklingError", `${runtime}: ${JSON.stringify(out)}`);
          assert.ok(out.message.includes("tool.ts"), out.message);
          assert.ok(out.message.includes("'tool'"), out.message);
        }
      }
      rmSync(file);
      for (let i = 0; i < 2; i++) {
        for (const runtime of ["deno", "bun"] as const) {
          const out = load(runtime, p);
          assert.equal(out.error, "UnpicklingError", `${runtime}: ${JSON.stringify(out)}`);
          assert.ok(out.message.includes("tool.ts"), out.message);
          assert.ok(out.message.includes("'tool'"), out.message);
        }
      }
    } finally {
      rmSync(dir, { recursive: true });
    }
  });
});
