// The npm package as a user gets it: scripts/build_npm.mjs builds it, `npm pack` packs it,
// `npm install <tarball>` installs it into a new project under the system's temporary folder,
// and that project imports it by name under Deno (bare and `npm:` specifiers), Bun (the
// preload by its package path: `--preload`, bunfig.toml, a Worker's `preload`) and Node. Each
// runtime pickles a closure, a class instance defined in its module (by value) and an
// instance of a class of the project's own module (by reference); every runtime loads every
// runtime's pickle and runs it. A TypeScript consumer type-checks against the shipped .d.ts
// with tsc and deno check.
//
// It starts all three runtimes itself, so it runs once: under the Deno runner (under Bun it
// is skipped, saying so).
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync, type SpawnSyncOptions } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { packageJson } from "../scripts/build_npm.mjs";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const BIN = join(ROOT, "node_modules", ".bin");
const NAME = "@cloudpickle/cloudpickle";
const onBun = typeof (globalThis as { Bun?: unknown }).Bun !== "undefined";

let work = "";
let project = "";

function run(cmd: string, args: string[], opts: SpawnSyncOptions = {}): string {
  const r = spawnSync(cmd, args, {
    cwd: project,
    encoding: "utf8",
    timeout: 180_000,
    env: { ...process.env, NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1", DENO_NO_PROMPT: "1" },
    ...opts,
  });
  assert.equal(
    r.status,
    0,
    `${cmd} ${args.join(" ")} exited ${r.status}${r.error ? ` (${r.error})` : ""}\n` +
      `${r.stdout}${r.stderr}`,
  );
  return String(r.stdout);
}

const deno = (...args: string[]) => run(join(BIN, "deno"), args);
const bun = (...args: string[]) => run(join(BIN, "bun"), args);
const node = (...args: string[]) => run(join(BIN, "node"), args);

/** The last line of a script's output, as JSON. */
const lastJson = (out: string) => JSON.parse(out.trim().split("\n").pop()!);

const SHAPES = `export class Point {
  constructor(x, y) { this.x = x; this.y = y; }
  norm1() { return Math.abs(this.x) + Math.abs(this.y); }
}
`;

// Pickles, in whichever runtime runs it, a closure over a counter and a scale, an instance of
// a class of this module (by value) and a Point (by reference to lib/shapes.mjs).
const PRODUCE = `import { dumps, dumpsSync, loads, loadsSync } from "${NAME}";
import { writeFileSync } from "node:fs";
import { Point } from "./lib/shapes.mjs";

const runtime = globalThis.Deno ? "deno" : globalThis.Bun ? "bun" : "node";
const scale = { deno: 2, bun: 3, node: 4 }[runtime];
class Local {
  #secret = 20;
  constructor(v) { this.v = v; }
  twice() { return this.v * 2 + this.#secret - 20; }
}
let calls = 0;
const job = {
  runtime,
  fn: (p) => { calls++; return p.norm1() * scale; },
  count: () => calls,
  origin: new Point(1, -2),
  local: new Local(21),
};
const bytes = dumpsSync(job);
const here = await loads(await dumps(job.fn));
writeFileSync(\`out/\${runtime}.pkl\`, bytes);
console.log(JSON.stringify({ runtime, size: bytes.length, here: here(new Point(2, 3)) }));
`;

// Loads every pickle in out/ and runs what it holds (the sync form, which imports nothing).
const CONSUME = `import { loadsSync, ready } from "${NAME}";
import { readdirSync, readFileSync } from "node:fs";
import { Point } from "./lib/shapes.mjs";

// On V8 (Deno, Node) the library learns the loaded modules' namespaces a turn after its first
// use; loadsSync then finds lib/shapes.mjs loaded (Bun knows at once).
await ready();
const results = {};
for (const f of readdirSync("out").sort()) {
  const job = loadsSync(readFileSync("out/" + f));
  const value = job.fn(job.origin);
  results[job.runtime] = {
    value,
    count: job.count(),
    point: job.origin instanceof Point,
    twice: job.local.twice(),
    local: job.local.constructor.name,
  };
}
console.log(JSON.stringify(results));
`;

// A closure pickled inside a Bun Worker started with the preload by its package path.
const WORKER = `import { dumpsSync } from "${NAME}";
const k = 9;
postMessage(dumpsSync((x) => x + k));
`;
const WORKER_MAIN = `import { loadsSync } from "${NAME}";
const w = new Worker(new URL("./worker.mjs", import.meta.url), { preload: ["${NAME}/preload"] });
const bytes = await new Promise((resolve, reject) => {
  w.onmessage = (e) => resolve(e.data);
  w.onerror = (e) => reject(new Error(e.message));
});
w.terminate();
console.log(JSON.stringify({ worker: loadsSync(bytes)(1) }));
`;

// Pools from the package: thread workers of the running runtime, and subprocess workers of
// each runtime (found on the PATH, as a project without them in node_modules/.bin would).
const POOL = `import { createPool } from "${NAME}/pool";

const is = () => globalThis.Deno ? "deno" : globalThis.Bun ? "bun" : "node";
const k = 7;
const out = { runtime: is() };
{
  await using pool = createPool({ size: 2 });
  out.thread = await pool.map((x) => x * k, [1, 2, 3]);
  out.threadRuntime = await pool.submit(is);
}
for (const runtime of ["deno", "bun", "node"]) {
  await using pool = createPool({ size: 1, kind: "process", runtime });
  out[runtime] = await pool.submit((f) => f() + k, is);
}
console.log(JSON.stringify(out));
`;

// Type-checked only: the shipped declarations, with bytes that transfer without casts.
const CONSUMER_TS =
  `import { dumpsSync, loadsSync, PicklingError, type DumpOptions } from "${NAME}";
import { dis } from "${NAME}/dis";

const options: DumpOptions = { moduleRoot: import.meta.url };
const bytes = dumpsSync({ n: 1 }, options);
const { port1 } = new MessageChannel();
port1.postMessage(bytes, [bytes.buffer]);
const copy: { n: number } = loadsSync<{ n: number }>(bytes);
const listing: string = dis(bytes);
const e: Error = new PicklingError("x");
// @ts-expect-error loadsSync takes bytes, not a string
loadsSync("not bytes");
void copy, listing, e;
`;

describe("npm package.json", () => {
  it("exports every deno.json entry with types and JavaScript, and the .ts aliases", () => {
    const denoJson = JSON.parse(readFileSync(join(ROOT, "deno.json"), "utf8"));
    const pkg = packageJson() as unknown as {
      name: string;
      version: string;
      type: string;
      exports: Record<string, { types: string; default: string }>;
    };
    assert.equal(pkg.name, NAME);
    assert.equal(pkg.name, denoJson.name);
    assert.equal(pkg.version, denoJson.version);
    assert.equal("private" in pkg, false);
    assert.equal(pkg.type, "module");
    for (const [entry, source] of Object.entries(denoJson.exports as Record<string, string>)) {
      const base = source.replace(/\.ts$/, "");
      assert.deepEqual(pkg.exports[entry], { types: `${base}.d.ts`, default: `${base}.js` });
    }
    assert.deepEqual(pkg.exports["./preload.ts"], pkg.exports["./preload"]);
  });
});

describe("npm package", { skip: onBun && "run once, under the Deno runner" }, () => {
  before(() => {
    work = mkdtempSync(join(tmpdir(), "cloudpickle-npm-"));
    project = join(work, "project");
    const built = join(work, "package");
    const tarball = run(process.platform === "win32" ? "node.exe" : join(BIN, "node"), [
      join(ROOT, "scripts", "build_npm.mjs"),
      "--out",
      built,
      "--pack",
      work,
    ], { cwd: ROOT }).trim().split("\n").pop()!;
    mkdirSync(join(project, "lib"), { recursive: true });
    mkdirSync(join(project, "out"));
    writeFileSync(
      join(project, "package.json"),
      JSON.stringify({ name: "consumer", private: true, type: "module" }),
    );
    run("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", tarball]);
    writeFileSync(join(project, "lib", "shapes.mjs"), SHAPES);
    writeFileSync(join(project, "produce.mjs"), PRODUCE);
    writeFileSync(join(project, "consume.mjs"), CONSUME);
    writeFileSync(join(project, "worker.mjs"), WORKER);
    writeFileSync(join(project, "worker_main.mjs"), WORKER_MAIN);
    writeFileSync(join(project, "consumer.ts"), CONSUMER_TS);
    writeFileSync(join(project, "pool.mjs"), POOL);
  });

  after(() => {
    if (work && !process.env.KEEP_NPM_PROJECT) rmSync(work, { recursive: true, force: true });
  });

  it("the package ships JavaScript and declarations for every deno.json entry", () => {
    const installed = join(project, "node_modules", ...NAME.split("/"));
    const pkg = JSON.parse(readFileSync(join(installed, "package.json"), "utf8"));
    const denoJson = JSON.parse(readFileSync(join(ROOT, "deno.json"), "utf8"));
    assert.equal(pkg.private, undefined);
    assert.equal(pkg.version, denoJson.version);
    assert.deepEqual(pkg.dependencies, { meriyah: "7.4.2" });
    for (const entry of Object.keys(denoJson.exports)) {
      const target = pkg.exports[entry];
      assert.ok(target, `the package exports ${entry}`);
      for (const f of [target.types, target.default]) {
        assert.ok(readFileSync(join(installed, f), "utf8").length > 0, `${entry}: ${f}`);
      }
    }
    const shipped = readdirSync(installed, { recursive: true }) as string[];
    assert.ok(!shipped.some((f) => f.endsWith(".ts") && !f.endsWith(".d.ts")), "no .ts source");
  });

  it("Deno, Bun (preload by package path) and Node pickle a closure and classes", () => {
    const fromDeno = lastJson(deno("run", "-A", "produce.mjs"));
    assert.equal(fromDeno.runtime, "deno");
    assert.equal(fromDeno.here, 10);
    const viaFlag = lastJson(bun("--preload", `${NAME}/preload`, "produce.mjs"));
    assert.equal(viaFlag.here, 15);
    writeFileSync(join(project, "bunfig.toml"), `preload = ["${NAME}/preload"]\n`);
    try {
      assert.equal(lastJson(bun("produce.mjs")).here, 15);
    } finally {
      rmSync(join(project, "bunfig.toml"));
    }
    assert.equal(lastJson(node("produce.mjs")).here, 20);
    assert.deepEqual(readdirSync(join(project, "out")).sort(), ["bun.pkl", "deno.pkl", "node.pkl"]);
  });

  it("every runtime loads every runtime's pickle and runs it", () => {
    const expected = (scale: number) => ({
      value: 3 * scale,
      count: 1,
      point: true,
      twice: 42,
      local: "Local",
    });
    const all = { bun: expected(3), deno: expected(2), node: expected(4) };
    assert.deepEqual(lastJson(deno("run", "-A", "consume.mjs")), all);
    assert.deepEqual(lastJson(bun("consume.mjs")), all);
    assert.deepEqual(lastJson(node("consume.mjs")), all);
  });

  it("Deno imports it by an npm: specifier too", () => {
    writeFileSync(
      join(project, "npm_specifier.mjs"),
      `import { dumpsSync, loadsSync } from "npm:${NAME}";
const base = 40;
console.log(JSON.stringify(loadsSync(dumpsSync((x) => x + base))(2)));
`,
    );
    assert.equal(lastJson(deno("run", "-A", "npm_specifier.mjs")), 42);
  });

  it("a Bun Worker started with the preload by package path pickles a closure", () => {
    assert.deepEqual(lastJson(bun("worker_main.mjs")), { worker: 10 });
  });

  it("without the preload, Bun names the package path of the preload in its error", () => {
    const r = spawnSync(join(BIN, "bun"), ["produce.mjs"], { cwd: project, encoding: "utf8" });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /PicklingError: .*@cloudpickle\/cloudpickle\/preload/);
  });

  it("./pool runs from the package: threads of each runtime, subprocesses of each from each", () => {
    const env = {
      ...process.env,
      PATH: `${BIN}${process.platform === "win32" ? ";" : ":"}${process.env.PATH}`,
    };
    const pool = (cmd: string, ...args: string[]) =>
      lastJson(run(join(BIN, cmd), [...args, "pool.mjs"], { env }));
    const expected = (runtime: string) => ({
      runtime,
      thread: [7, 14, 21],
      threadRuntime: runtime,
      deno: "deno7",
      bun: "bun7",
      node: "node7",
    });
    assert.deepEqual(pool("node"), expected("node"));
    assert.deepEqual(pool("deno", "run", "-A"), expected("deno"));
    assert.deepEqual(pool("bun", "--preload", `${NAME}/preload`), expected("bun"));
  });

  it("a TypeScript consumer type-checks against the shipped declarations (tsc, deno check)", () => {
    node(
      join(ROOT, "node_modules", "typescript", "bin", "tsc"),
      "--noEmit",
      "--strict",
      "--target",
      "ES2022",
      "--module",
      "NodeNext",
      "--moduleResolution",
      "NodeNext",
      "--lib",
      "ES2024,DOM",
      "consumer.ts",
    );
    deno("check", "--quiet", "consumer.ts");
  });

  it("the dis CLI runs from the package under Node", () => {
    const out = node(
      join(project, "node_modules", ...NAME.split("/"), "dis.js"),
      join(project, "out", "node.pkl"),
    );
    assert.match(out, /^\s*0: HEADER version \d+/);
    assert.match(out, /MODULE_TABLE \[0\] "\.\/lib\/shapes\.mjs"/);
    assert.match(out, /SCOPE 2 variables \[calls, scale\]/);
  });
});
