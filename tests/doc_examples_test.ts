// Every `@example` of the public API's documentation runs, as its own program. `deno test
// --doc` (the whole suite's Deno run) runs them under Deno; this file runs them under Bun
// (`bun --preload preload.ts`), from a scratch folder in the repository so that they import
// the package by its name. Examples marked `ignore` need a NATS server: they run here under
// both runtimes, against a nats-server and a worker of the other runtime started for them
// (NATS_URL, CLOUDPICKLE_NATS_KEY), and are skipped without nats-server.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { serverAndWorker, SKIP } from "./nats/helpers.ts";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const RUNTIME = typeof (globalThis as { Bun?: unknown }).Bun !== "undefined" ? "bun" : "deno";

/** One `@example`'s code block: where it is, its info words, its code. */
interface Example {
  where: string;
  tags: string[];
  code: string;
}

/** The documented files: the package's entries (deno.json's exports) and lib/. */
function documentedFiles(): string[] {
  const exports = JSON.parse(readFileSync(join(ROOT, "deno.json"), "utf8")).exports as Record<
    string,
    string
  >;
  const out = Object.values(exports).map((f) => join(ROOT, f));
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (p.endsWith(".ts")) out.push(p);
    }
  };
  walk(join(ROOT, "lib"));
  return out;
}

/** The code blocks of the `@example` tags of a file's JSDoc comments. */
export function examplesOf(file: string, text: string): Example[] {
  const out: Example[] = [];
  const lines = text.split("\n");
  let inExample = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].replace(/^\s*\*\s?/, "");
    if (/^\s*\/\*\*/.test(lines[i]) || /\*\/\s*$/.test(lines[i])) inExample = false;
    if (line.startsWith("@example")) inExample = true;
    else if (line.startsWith("@") && !line.startsWith("@example")) inExample = false;
    if (!inExample) continue;
    const open = /^(`{3,})\s*(\w+)\s*(.*)$/.exec(line);
    if (!open) continue;
    const code: string[] = [];
    let j = i + 1;
    for (; j < lines.length; j++) {
      const l = lines[j].replace(/^\s*\*\s?/, "");
      if (l.trim() === open[1]) break;
      code.push(l);
    }
    if (["ts", "js", "typescript", "javascript"].includes(open[2])) {
      const dir = dirname(file);
      out.push({
        where: `${relative(ROOT, file)}:${i + 1}`,
        tags: open[3].split(/\s+/).filter(Boolean),
        // Relative imports are the documented file's.
        code: code.join("\n").replace(/from "(\.\.?\/[^"]+)"/g, (_, p) =>
          `from "${join(dir, p)}"`) +
          "\n",
      });
    }
    i = j;
  }
  return out;
}

const examples = documentedFiles().flatMap((f) => examplesOf(f, readFileSync(f, "utf8")));
const needsNats = (e: Example) => e.code.includes("@cloudpickle/cloudpickle/nats");
const dir = join(ROOT, "tests", ".readme", `examples-${RUNTIME}-${process.pid}`);
const scriptOf = (e: Example) => join(dir, `${e.where.replace(/[^\w]+/g, "_")}.ts`);

function runExample(e: Example, env: Record<string, string> = {}): void {
  const bin = join(ROOT, "node_modules", ".bin", RUNTIME);
  const args = RUNTIME === "deno"
    ? ["run", "-A", "--quiet", scriptOf(e)]
    : ["--preload", join(ROOT, "preload.ts"), scriptOf(e)];
  const r = spawnSync(bin, args, {
    cwd: dir,
    encoding: "utf8",
    timeout: 120_000,
    env: { ...process.env, NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1", ...env },
  });
  assert.equal(r.status, 0, `${e.where} exited ${r.status}\n${r.stdout}${r.stderr}`);
}

describe("the documentation's examples", () => {
  before(() => {
    mkdirSync(dir, { recursive: true });
    for (const e of examples) writeFileSync(scriptOf(e), e.code);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("are found, and every one is run by deno test --doc, here, or with NATS", () => {
    assert.ok(examples.length >= 30, `${examples.length} examples`);
    for (const e of examples) {
      const unknown = e.tags.filter((t) => t !== "ignore");
      assert.deepEqual(unknown, [], `${e.where}: unknown tags`);
      if (e.tags.includes("ignore")) assert.ok(needsNats(e), `${e.where} is never run`);
    }
  });

  if (RUNTIME === "bun") {
    for (const e of examples.filter((e) => !e.tags.includes("ignore"))) {
      it(`${e.where} runs on bun`, () => runExample(e));
    }
  }

  describe("with a NATS server and a worker", { skip: SKIP }, () => {
    const env = serverAndWorker("examples");
    for (const e of examples.filter(needsNats)) {
      it(`${e.where} runs on ${RUNTIME}`, () => runExample(e, env));
    }
  });
});
