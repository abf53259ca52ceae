// Every TypeScript/JavaScript block of README.md runs, as its own program, under the runtime
// of the test runner: Deno (`deno run -A`, after one `deno check` of them all) or Bun (`bun
// --preload preload.ts`), in a scratch folder that is its working directory. The info string after the language says more:
//
//   ```ts deno            runs under Deno only (`bun`: under Bun only)
//   ```ts file=shapes.ts  not run: written as shapes.ts next to the blocks, for them to import
//   ```ts nats            runs with a nats-server and a worker of the other runtime started for
//                         it (NATS_URL, CLOUDPICKLE_NATS_KEY); skipped without nats-server
//
// Shell, JSON, TOML and text blocks are exempt. Blocks import the library by its package name
// (`@cloudpickle/cloudpickle`), which deno.json maps and Bun resolves through package.json.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { serverAndWorker, SKIP } from "./nats/helpers.ts";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const RUNTIME = typeof (globalThis as { Bun?: unknown }).Bun !== "undefined" ? "bun" : "deno";
const CODE_LANGS = new Set(["ts", "js", "typescript", "javascript", "mjs", "mts"]);

/** A fenced block of README.md: language, the other words of its info string, its code. */
interface Block {
  line: number;
  lang: string;
  tags: string[];
  code: string;
}

/** The fenced blocks of a Markdown text, with the line of their opening fence. */
export function fencedBlocks(text: string): Block[] {
  const blocks: Block[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const open = /^(`{3,})\s*(\S*)\s*(.*)$/.exec(lines[i]);
    if (!open) continue;
    const end = lines.findIndex((l, j) => j > i && l.startsWith(open[1]) && l.trim() === open[1]);
    if (end < 0) throw new Error(`README.md:${i + 1}: unclosed code block`);
    blocks.push({
      line: i + 1,
      lang: open[2].toLowerCase(),
      tags: open[3].split(/\s+/).filter(Boolean),
      code: lines.slice(i + 1, end).join("\n") + "\n",
    });
    i = end;
  }
  return blocks;
}

const blocks = fencedBlocks(readFileSync(join(ROOT, "README.md"), "utf8"));
const code = blocks.filter((b) => CODE_LANGS.has(b.lang));
const fileOf = (b: Block) => b.tags.find((t) => t.startsWith("file="))?.slice(5);
const runsHere = (b: Block) =>
  fileOf(b) === undefined && (!b.tags.some((t) => t === "deno" || t === "bun") ||
    b.tags.includes(RUNTIME));
const needsNats = (b: Block) => b.tags.includes("nats");
const ext = (b: Block) => (b.lang.startsWith("j") || b.lang === "mjs" ? "mjs" : "ts");

// Outside deno.json's excluded folders, so that deno check takes the files; git-ignored.
const dir = join(ROOT, "tests", ".readme", `${RUNTIME}-${process.pid}`);
const scriptOf = (b: Block) => join(dir, `line_${b.line}.${ext(b)}`);

function exec(cmd: string, args: string[], env: Record<string, string> = {}) {
  return spawnSync(join(ROOT, "node_modules", ".bin", cmd), args, {
    // The blocks' folder is the working directory, so the root their modules are named from
    // (`./geometry.ts`), as in a project.
    cwd: dir,
    encoding: "utf8",
    timeout: 120_000,
    env: { ...process.env, NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1", DENO_NO_PROMPT: "1", ...env },
  });
}

describe("README", () => {
  before(() => {
    mkdirSync(dir, { recursive: true });
    for (const b of code) writeFileSync(fileOf(b) ? join(dir, fileOf(b)!) : scriptOf(b), b.code);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("has code blocks, none of them left out of the tests", () => {
    assert.ok(code.length >= 10, `${code.length} code blocks`);
    for (const b of code) {
      const unknown = b.tags.filter((t) => !/^(deno|bun|nats|file=[\w.-]+)$/.test(t));
      assert.deepEqual(unknown, [], `README.md:${b.line}: unknown tags`);
    }
    assert.ok(code.some((b) => runsHere(b)));
  });

  if (RUNTIME === "deno") {
    it("its TypeScript blocks type-check (deno check)", () => {
      const files = code.filter((b) => ext(b) === "ts" && fileOf(b) === undefined).map(scriptOf);
      const r = exec("deno", ["check", "--quiet", ...files]);
      assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
    });
  }

  for (const b of code.filter((b) => runsHere(b) && !needsNats(b))) {
    it(`the block at README.md:${b.line} runs on ${RUNTIME}`, () => runBlock(b));
  }

  describe("with a NATS server and a worker", { skip: SKIP }, () => {
    const env = serverAndWorker("readme");
    for (const b of code.filter((b) => runsHere(b) && needsNats(b))) {
      it(`the block at README.md:${b.line} runs on ${RUNTIME}`, () => runBlock(b, env));
    }
  });
});

/** Runs a block as its own program under the runtime of the test runner. */
function runBlock(b: Block, env: Record<string, string> = {}): void {
  const r = RUNTIME === "deno"
    ? exec("deno", ["run", "-A", "--quiet", scriptOf(b)], env)
    : exec("bun", ["--preload", join(ROOT, "preload.ts"), scriptOf(b)], env);
  assert.equal(r.status, 0, `README.md:${b.line} exited ${r.status}\n${r.stdout}${r.stderr}`);
}
