// Data-only loads refer to no code but what `LoadOptions.allow` names: built-ins and module
// exports by reference, asked of a list or a function; code by value stays refused. One test
// per attack, named for what it tries. Hand-made pickles follow lib/format/tags.ts.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { dumps, dumpsSync, loads, loadsSync, reduce, UnpicklingError } from "../mod.ts";
import { expectUnpicklingError, expectUnpicklingErrorAsync, varint } from "./helpers.ts";
import { add, Point, sum, Tally } from "./modules/data_only_tasks.ts";
import {
  assertPrototypesClean,
  bytes,
  DATA,
  HEAD,
  pickle,
  refusedAt,
  str,
} from "./data_only/craft.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const deno = `${root}node_modules/.bin/deno`;
const bun = `${root}node_modules/.bin/bun`;
const TASKS = "./tests/modules/data_only_tasks.ts";
const SIDE_EFFECT = "./tests/modules/data_only_side_effect.ts";

const GLOBAL = 0x88;
const EXPORT = 0x91;
const ARRAY = 0x76;
const FLAG_CODE = 1;
const FLAG_MODULES = 8;

/** A pickle whose module table names `specs`. */
const withModules = (specs: string[], ...parts: Uint8Array[]) =>
  pickle(FLAG_CODE | FLAG_MODULES, varint(specs.length), ...specs.map(str), ...parts);

describe("data only: allow-list of references", () => {
  it("a built-in named in allow.globals loads by reference and runs", () => {
    const p = dumpsSync({ fn: Math.max, args: [1, 5] });
    assert.throws(() => loadsSync(p, DATA), /code is not allowed/);
    const job = loadsSync<{ fn: typeof Math.max; args: number[] }>(p, {
      allowCode: false,
      allow: { globals: ["Math.max"] },
    });
    assert.equal(job.fn, Math.max);
    assert.equal(job.fn(...job.args), 5);
  });

  it("a built-in missing from allow.globals is refused, naming allow.globals", () => {
    const p = dumpsSync([JSON.parse]);
    refusedAt(
      () => loadsSync(p, { allowCode: false, allow: { globals: ["Math.max"] } }),
      HEAD + 2,
      /built-in 'JSON.parse': it is not allowed .*allow\.globals \('JSON\.parse'\)/,
    );
  });

  it("exports of a module in allow.modules load by reference: functions run, instances keep their classes", async () => {
    const v = { add, pt: new Point(1, -2), t: new Tally([["a", 1], ["b", 2]]) };
    const p = dumpsSync(v);
    const opts = { allowCode: false, allow: { modules: [TASKS] } };
    for (const out of [loadsSync<typeof v>(p, opts), await loads<typeof v>(p, opts)]) {
      assert.equal(out.add, add);
      assert.equal(out.add(2, 3), 5);
      assert.ok(out.pt instanceof Point);
      assert.equal(out.pt.norm1(), 3);
      assert.ok(out.t instanceof Tally && out.t instanceof Map);
      assert.equal(out.t.total(), 3);
    }
  });

  it("a module missing from allow.modules is refused before it is imported", async () => {
    const g = globalThis as { dataOnlySideEffect?: number };
    const p = withModules([SIDE_EFFECT], bytes(EXPORT, 0, 1), str("touch"));
    for (const allow of [{ modules: [TASKS] }, { globals: ["touch"] }, () => false]) {
      const e = await expectUnpicklingErrorAsync(() => loads(p, { allowCode: false, allow }));
      assert.equal(e.offset, HEAD + 1);
      assert.match(
        e.message,
        /module '\.\/tests\/modules\/data_only_side_effect\.ts': it is not allowed/,
      );
      assert.equal(g.dataOnlySideEffect, undefined, "the module was imported");
    }
    // Admitted, it is imported and its export runs (so the check above can fail).
    const out = await loads<() => string>(p, {
      allowCode: false,
      allow: { modules: [SIDE_EFFECT] },
    });
    assert.equal(out(), "touched");
    assert.equal(g.dataOnlySideEffect, 1);
  });

  it("code by value stays refused under an allow-list (a function, a class)", () => {
    const offset = (x: number) => x + 1;
    class Local {}
    for (const v of [offset, new Local(), { fn: add, code: offset }]) {
      assert.throws(
        () =>
          loadsSync(dumpsSync(v), {
            allowCode: false,
            allow: { modules: [TASKS], globals: ["Math.max"] },
          }),
        (e: unknown) =>
          e instanceof UnpicklingError &&
          /code is not allowed \(allowCode: false\)/.test(e.message),
      );
    }
  });

  it("a function re-parented onto an admitted built-in (PROTOTYPES) stays refused: code by value", () => {
    function reparented() {
      return 1;
    }
    Object.setPrototypeOf(reparented, Map.prototype);
    const p = dumpsSync(reparented);
    const opts = { allowCode: false, allow: { globals: ["Map", "Map.prototype"] } };
    refusedAt(() => loadsSync(p, opts), HEAD, /code is not allowed \(allowCode: false\)/);
    assertPrototypesClean();
  });

  it("a reduce call of a callable the allow-list does not admit is refused; an admitted one runs", () => {
    class Pair {
      [reduce]() {
        return [Array.of, [1, 2]] as const;
      }
    }
    const p = dumpsSync(new Pair());
    assert.throws(() => loadsSync(p, DATA), /code is not allowed/);
    // The callable is admitted only through a GLOBAL: here Math.max is, Array.of is not.
    assert.throws(
      () => loadsSync(p, { allowCode: false, allow: { globals: ["Math.max"] } }),
      /Array\.of/,
    );
    assert.deepEqual(loadsSync(p, { allowCode: false, allow: { globals: ["Array.of"] } }), [1, 2]);
  });

  it("a reduce call through a data object's callable (not a reference) is refused", () => {
    // REDUCE whose callable is an admitted global's property read through data cannot be
    // built: the callable must be exactly a value the allow-list admitted.
    const p = pickle(FLAG_CODE, bytes(0x89, 0), bytes(GLOBAL), str("Math"), bytes(ARRAY, 0, 0x60));
    assert.throws(
      () => loadsSync(p, { allowCode: false, allow: { globals: ["Math"] } }),
      UnpicklingError,
    );
  });

  it("the allow callback is asked about every reference, and its refusal or error stops the load", async () => {
    const p = dumpsSync({ add, max: Math.max });
    const seen: string[] = [];
    const out = await loads<{ add: typeof add }>(p, {
      allowCode: false,
      allow: (r) => {
        seen.push(`${r.kind} ${r.module} ${r.path}`);
        return true;
      },
    });
    assert.equal(out.add(1, 1), 2);
    assert.equal(seen.filter((s) => s === `import ${TASKS} `).length, 1, seen.join("; "));
    assert.ok(seen.includes(`export ${TASKS} add`));
    assert.ok(seen.includes("global  Math.max"));
    assert.throws(
      () => loadsSync(p, { allowCode: false, allow: (r) => r.kind !== "global" }),
      /built-in 'Math.max': it is not allowed/,
    );
    const boom = new Error("boom");
    const e = expectUnpicklingError(() =>
      loadsSync(p, {
        allowCode: false,
        allow: () => {
          throw boom;
        },
      })
    );
    assert.equal(e.cause, boom);
  });

  it("allow-lists given as one-shot iterables hold for the whole async load", async () => {
    const p = dumpsSync({ add, max: Math.max });
    function* modules() {
      yield TASKS;
    }
    function* globals() {
      yield "Math.max";
    }
    const out = await loads<{ add: typeof add; max: typeof Math.max }>(p, {
      allowCode: false,
      allow: { modules: modules(), globals: globals() },
    });
    assert.equal(out.add(1, 2), 3);
    assert.equal(out.max, Math.max);
  });

  it("an allow-list without allowCode still loads data only (allow implies allowCode: false)", () => {
    assert.throws(
      () => loadsSync(dumpsSync((x: number) => x), { allow: { globals: [] } }),
      /code is not allowed/,
    );
    assert.throws(() => loadsSync(dumpsSync(JSON.parse), { allow: {} }), /is not allowed/);
    // allowCode: true explicitly wins over the list.
    assert.equal(loadsSync(dumpsSync(JSON.parse), { allowCode: true, allow: {} }), JSON.parse);
  });

  it("a Worker runs only known functions, with out-of-band buffers transferred to it", async () => {
    const worker = new Worker(new URL("./data_only/job_worker.ts", import.meta.url), {
      type: "module",
    });
    const ask = (value: unknown) => {
      const buffers: ArrayBuffer[] = [];
      const bytes = dumpsSync(value, { bufferCallback: (b) => (buffers.push(b), false) });
      return new Promise<Record<string, unknown>>((resolve) => {
        worker.onmessage = (e) => resolve(e.data);
        worker.postMessage({ bytes, buffers }, buffers);
      });
    };
    try {
      assert.deepEqual(await ask({ fn: add, args: [20, 22] }), { result: 42 });
      // The bytes travel out of band (transferred), and the known function reads them.
      const bytes = new Uint8Array([3, 4, 5]);
      assert.deepEqual(await ask({ fn: sum, args: [bytes] }), { result: 12 });
      assert.equal(bytes.byteLength, 0, "the buffer was transferred");
      assert.deepEqual(await ask({ fn: Math.max, args: [7, 9] }), { result: 9 });
      const code = await ask({ fn: (a: number) => a * 2, args: [1] });
      assert.equal(code.error, "UnpicklingError");
      assert.match(code.message as string, /code is not allowed/);
      const unlisted = await ask({ fn: JSON.parse, args: ["1"] });
      assert.match(unlisted.message as string, /built-in 'JSON.parse': it is not allowed/);
    } finally {
      worker.terminate();
    }
  });

  it("a worker subprocess runs only known functions (both runtimes)", async () => {
    const known = Buffer.from(await dumps({ fn: add, args: [20, 22] })).toString("hex");
    const unknown = Buffer.from(await dumps({ fn: (a: number) => a, args: [1] })).toString("hex");
    const sideEffect = Buffer.from(withModules([SIDE_EFFECT], bytes(EXPORT, 0, 1), str("touch")))
      .toString("hex");
    const worker = `${root}tests/data_only/known_worker.ts`;
    for (const [cmd, args] of [[deno, ["run", "-A", worker]], [bun, [worker]]] as const) {
      const run = (input: string) => {
        const r = spawnSync(cmd, [...args], {
          cwd: root,
          input,
          encoding: "utf8",
          timeout: 60_000,
        });
        assert.equal(r.status, 0, r.stderr);
        return JSON.parse(r.stdout);
      };
      assert.deepEqual(run(known), { result: 42 });
      const refusedCode = run(unknown);
      assert.equal(refusedCode.error, "UnpicklingError");
      assert.match(refusedCode.message, /code is not allowed/);
      const refusedModule = run(sideEffect);
      assert.equal(refusedModule.error, "UnpicklingError");
      assert.equal(refusedModule.imported, 0);
    }
  });
});
