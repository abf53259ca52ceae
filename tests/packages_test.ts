// Closures built inside packages: on Bun the preload instruments the ES modules of packages
// (with a transform cache on disk), so what they build pickles as it does on Deno; CommonJS
// packages cannot be instrumented and their closures are refused with the reason. The
// programs run in subprocesses of Bun (with the preload) and Deno; what they pickle is loaded
// and run here, where the packages cannot be imported (so it came by value).
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { loads, loadsSync } from "../mod.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const bun = `${root}node_modules/.bin/bun`;
const deno = `${root}node_modules/.bin/deno`;
const mod = `${root}mod.ts`;
const preload = `${root}preload.ts`;

type Run = { status: number | null; stdout: string; stderr: string };
function run(cmd: string, args: string[], cwd: string, env: Record<string, string> = {}): Run {
  const r = spawnSync(cmd, args, {
    cwd,
    encoding: "utf8",
    timeout: 120_000,
    env: { ...process.env, NO_COLOR: "1", ...env },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
function json(r: Run): Record<string, unknown> {
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split("\n").pop()!);
}
const bytes = (b64: unknown) => new Uint8Array(Buffer.from(b64 as string, "base64"));

interface Values {
  triple: (x: number) => number;
  composed: (x: number) => number;
  curried: (b: number) => (c: number) => number;
  evens: (from: number, to: number) => Iterable<number>;
  schema: {
    kind: string;
    shape: Record<string, unknown>;
    check(v: unknown, path?: string): { ok: boolean; value?: unknown; error?: string };
  };
}

/** The values the scenario built, loaded here: they run as they did there. */
function checkValues(v: Values): void {
  assert.equal(v.triple(4), 12);
  assert.equal(v.triple(2), 6);
  assert.equal(v.composed(2), 21);
  assert.equal(v.curried(2)(3), 6);
  assert.deepEqual([...v.evens(0, 7)], [0, 2, 4, 6]);
  assert.equal(typeof v.evens(0, 1)[Symbol.iterator], "function");
  assert.deepEqual(v.schema.check({ name: "ada", age: 36, x: 1 }), {
    ok: true,
    value: { name: "ada", age: 36 },
  });
  assert.deepEqual(v.schema.check({ name: "ada", age: -1 }), {
    ok: false,
    error: "age: expected >= 0",
  });
  assert.equal(v.schema.check({ name: 1 }).error, "name: expected string");
  assert.deepEqual(Object.keys(v.schema.shape), ["name", "age"]);
}

describe("closures built inside packages", () => {
  let dir = "";
  let cache = "";
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "cloudpickle-packages-"));
    cache = join(dir, "cache");
    mkdirSync(join(dir, "node_modules"));
    for (const p of ["esm-lib", "cjs-lib"]) {
      cpSync(`${root}tests/packages/${p}`, join(dir, "node_modules", p), { recursive: true });
    }
    for (const f of ["scenario.mjs", "workers.mjs", "pkg_worker.mjs", "byref.mjs"]) {
      cpSync(`${root}tests/packages/${f}`, join(dir, f));
    }
    writeFileSync(
      join(dir, "package.json"),
      JSON.stringify({ type: "module", dependencies: { "esm-lib": "*", "cjs-lib": "*" } }),
    );
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const onBun = (env: Record<string, string> = {}) =>
    run(bun, ["--preload", preload, "scenario.mjs", mod], dir, {
      CLOUDPICKLE_CACHE_DIR: cache,
      CLOUDPICKLE_INSTRUMENT_DEBUG: "1",
      ...env,
    });

  it("Bun with the preload: closures of an ES module package pickle by value", async () => {
    const out = json(onBun());
    assert.deepEqual(out.here, [12, 21, 6, [0, 2, 4, 6]]);
    checkValues(loadsSync<Values>(bytes(out.sync)));
    checkValues(await loads<Values>(bytes(out.async)));
  });

  it("Bun: exports go by reference; registerPickleByValue(pkg) pickles them by value", () => {
    const out = json(onBun());
    assert.equal(out.refSame, true);
    const ref = Buffer.from(bytes(out.refBytes)).toString("latin1");
    assert.match(ref, /esm-lib/);
    assert.doesNotMatch(ref, /x \* 2/);
    // Loaded here, where esm-lib cannot be imported: it came by value, with `created`.
    const { double, madeSoFar } = loadsSync<Record<string, (x?: number) => number>>(
      bytes(out.byValue),
    );
    assert.equal(double(4), 8);
    assert.equal(madeSoFar(), 1);
  });

  it("Bun: a package first imported by loads (an export by reference) is instrumented too", () => {
    const out = json(onBun());
    const r = spawnSync(bun, ["--preload", preload, "byref.mjs", mod], {
      cwd: dir,
      encoding: "utf8",
      input: out.memoizeRef as string,
      env: { ...process.env, CLOUDPICKLE_CACHE_DIR: cache },
    });
    assert.equal(r.status, 0, r.stderr);
    const inc = loadsSync<(x: number) => number>(bytes(r.stdout.trim()));
    assert.equal(inc(1), 2);
    assert.equal(inc(41), 42);
  });

  it("Bun: a closure built by a CommonJS package is refused, saying why and what to do", () => {
    const out = json(onBun());
    const msg = out.cjsError as string;
    assert.match(msg, /^PicklingError: cannot pickle function 'memoized'/);
    assert.match(msg, /from ES module code \(loaded here: cjs-lib\)/);
    assert.match(msg, /oven-sh\/bun#39786/);
    assert.match(msg, /pickle the closure on Deno/);
    assert.match(msg, /closure\(\{ cache, fn \}, fn\)/);
    assert.doesNotMatch(msg, /inspector/);
  });

  it("Deno: the same program pickles the same closures (CommonJS ones too)", async () => {
    const out = json(run(deno, ["run", "-A", "scenario.mjs", mod], dir));
    assert.deepEqual(out.here, [12, 21, 6, [0, 2, 4, 6]]);
    assert.equal(out.refSame, true);
    assert.equal(out.cjsError, null);
    checkValues(await loads<Values>(bytes(out.async)));
    const { double } = loadsSync<Record<string, (x: number) => number>>(bytes(out.byValue));
    assert.equal(double(5), 10);
  });

  it("the transform cache: filled once, then read; written whole; memory only when read-only", () => {
    rmSync(cache, { recursive: true, force: true });
    const cold = onBun();
    assert.equal(cold.status, 0, cold.stderr);
    assert.match(cold.stderr, /instrumented \S*esm-lib[\\/]index\.js [\d.]+ ms \(transformed\)/);
    const entries = readdirSync(cache);
    assert.equal(entries.length >= 2, true, entries.join());
    assert.deepEqual(entries.filter((e) => e.endsWith(".tmp")), []);
    const warm = onBun();
    assert.equal(warm.status, 0, warm.stderr);
    assert.match(warm.stderr, /instrumented \S*esm-lib[\\/]index\.js [\d.]+ ms \(cached\)/);
    assert.match(warm.stderr, /schema\.js [\d.]+ ms \(cached\)/);
    assert.doesNotMatch(warm.stderr, /esm-lib\S* [\d.]+ ms \(transformed\)/);
    assert.equal(warm.stdout, cold.stdout);
    // A folder that cannot be created (under a file): the transform is kept in memory.
    const blocked = join(dir, "package.json", "cache");
    const ro = onBun({ CLOUDPICKLE_CACHE_DIR: blocked });
    assert.equal(ro.status, 0, ro.stderr);
    assert.equal(ro.stdout, cold.stdout);
    // Off: no disk cache at all.
    assert.equal(onBun({ CLOUDPICKLE_CACHE_DIR: "off" }).stdout, cold.stdout);
  });
});

describe("package closures in Bun Workers", () => {
  it("four Workers with the preload fill a cold transform cache at once; their closures run here", () => {
    const dir = mkdtempSync(join(tmpdir(), "cloudpickle-workers-"));
    try {
      mkdirSync(join(dir, "node_modules"));
      cpSync(`${root}tests/packages/esm-lib`, join(dir, "node_modules", "esm-lib"), {
        recursive: true,
      });
      for (const f of ["workers.mjs", "pkg_worker.mjs"]) {
        cpSync(`${root}tests/packages/${f}`, join(dir, f));
      }
      writeFileSync(join(dir, "package.json"), JSON.stringify({ type: "module" }));
      const cache = join(dir, "cache");
      for (let round = 0; round < 2; round++) {
        const r = run(bun, ["workers.mjs", mod, preload], dir, { CLOUDPICKLE_CACHE_DIR: cache });
        assert.equal(r.status, 0, r.stderr);
        assert.deepEqual(JSON.parse(r.stdout), [101, 102, 103, 104]);
        const entries = readdirSync(cache);
        assert.equal(entries.length, 2, entries.join());
        assert.deepEqual(entries.filter((e) => e.endsWith(".tmp")), []);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("real npm packages (pure-rand, fast-check: ES module builds)", () => {
  const script = "tests/packages/real.mjs";
  let cache = "";
  before(() => {
    cache = mkdtempSync(join(tmpdir(), "cloudpickle-cache-"));
  });
  after(() => rmSync(cache, { recursive: true, force: true }));

  type Draw = (rng: unknown, max: number) => [number, unknown];
  // `uniformInt` is an export of the package: by reference, so the async loads imports it.
  async function checkClosure(b64: unknown): Promise<void> {
    const { draw, rng } = await loads<{ draw: Draw; rng: { next(): number } }>(bytes(b64));
    const [n, after] = draw(rng, 100);
    assert.equal(Number.isInteger(n) && n >= 0 && n <= 100, true);
    // purify: the generator given is not advanced, the clone is.
    assert.deepEqual(draw(rng, 100)[0], n);
    assert.notEqual(after, rng);
  }

  it("Bun with the preload: its closures by value, its exports by reference", async () => {
    const out = json(run(bun, ["--preload", "./preload.ts", script], root, {
      CLOUDPICKLE_CACHE_DIR: cache,
    }));
    assert.equal(out.here, true);
    assert.equal(out.refSame, true);
    assert.equal((out.refLength as number) < 80, true);
    await checkClosure(out.closure);
    const purify = loadsSync<(f: (r: unknown) => number) => Draw>(bytes(out.byValue));
    const once = purify((r) => (r as { next(): number }).next());
    const counter = { v: 0, clone: () => ({ next: () => 7 }) };
    assert.equal(once(counter, 0)[0], 7);
    // Its CommonJS build, loaded by `require`: instrumented too (Module._extensions).
    assert.equal(out.cjsError, null);
  });

  it("Deno: the same", async () => {
    const out = json(run(deno, ["run", "-A", script], root));
    assert.equal(out.here, true);
    assert.equal(out.refSame, true);
    assert.equal(out.cjsError, null);
    await checkClosure(out.closure);
  });

  /**
   * Runs `script dump` on Bun with the preload, then `script load` with its pickle in Bun and
   * in Deno: each must print the values the dumping side printed. Those values.
   */
  function dumpOnBunLoadEverywhere(script: string): Record<string, unknown> {
    const dumped = json(run(bun, ["--preload", "./preload.ts", script, "dump"], root, {
      CLOUDPICKLE_CACHE_DIR: cache,
    }));
    for (const [cmd, args] of [[bun, [script]], [deno, ["run", "-A", script]]] as const) {
      const r = spawnSync(cmd, [...args, "load"], {
        cwd: root,
        encoding: "utf8",
        input: dumped.bytes as string,
        env: { ...process.env, NO_COLOR: "1" },
      });
      assert.equal(r.status, 0, r.stderr);
      assert.deepEqual(JSON.parse(r.stdout), dumped.values, cmd);
    }
    return dumped.values as Record<string, unknown>;
  }

  it("msgpackr: a Packr pickled on Bun packs and unpacks in Bun and in Deno", () => {
    const values = dumpOnBunLoadEverywhere("tests/packages/msgpackr_packr.mjs");
    assert.equal(values.isPackr, true);
  });

  it("fast-check: an arbitrary pickled on Bun draws the same values in Bun and in Deno", () => {
    dumpOnBunLoadEverywhere("tests/packages/fast_check.mjs");
  });
});
