// Code typed in a REPL (`deno repl`, `bun repl`) is user code: its functions, classes and the
// global data they read are pickled by value, and load and run in other processes of either
// runtime. Closures over REPL variables cannot be read there (Deno: the REPL owns the
// inspector; Bun: its REPL runs no preload): the error says so and shows closure(). The REPLs
// are driven for real, through a pipe.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath, pathToFileURL } from "node:url";
import { dumpsSync, PicklingError } from "../mod.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const deno = `${root}node_modules/.bin/deno`;
const bun = `${root}node_modules/.bin/bun`;
const consume = `${root}tests/cross/globals_consume.ts`;
const modURL = pathToFileURL(`${root}mod.ts`).href;

type Runtime = "deno" | "bun";
const RUNTIMES: readonly Runtime[] = ["deno", "bun"];

const BUILTINS = [
  "Math.max",
  "JSON.parse",
  "setTimeout",
  "fetch",
  "structuredClone",
  "URL",
  "TextEncoder",
  "console.log",
];
const OWN_BUILTIN = { deno: "Deno.readTextFile", bun: "Bun.file" } as const;

/**
 * A REPL session, one statement per line: definitions typed before the library is imported
 * (as REPL users do), more after; then pickles printed as the JSON globals_consume.ts reads,
 * and the errors for a closure whose variable only a scope holds.
 */
function session(rt: Runtime): string {
  const builtins = [...BUILTINS, OWN_BUILTIN[rt]];
  return [
    "const k = 10;",
    "let cfg = { scale: 3 };",
    "var offset = 1;",
    "function f(x) { return x * cfg.scale + k + offset; }",
    "globalThis.helper = (x) => x + 100;",
    "const g = (x) => helper(f(x));",
    "class Point { constructor(x) { this.x = x; } norm() { return Math.abs(this.x) * k; } }",
    "const usePoint = (x) => new Point(x).norm();",
    `const m = await import(${JSON.stringify(modURL)});`,
    "const late = (x) => g(x) * 2;",
    "globalThis.lateHelper = (x) => late(x) + cfg.scale;",
    "const b64 = (b) => btoa(String.fromCharCode(...b));",
    "let total = 0;",
    "const add = (x) => (total += x);",
    "const get = () => total;",
    "const both = (x) => { add(x); return [get(), total]; };",
    "const out = {};",
    "out.f = { pickle: b64(m.dumpsSync(f)), args: [2] };",
    "out.g = { pickle: b64(await m.dumps(g)), args: [2] };",
    "out.usePoint = { pickle: b64(m.dumpsSync(usePoint)), args: [-2] };",
    "out.late = { pickle: b64(await m.dumps(late)), args: [2] };",
    "out.lateHelper = { pickle: b64(m.dumpsSync(lateHelper)), args: [2] };",
    "out.both = { pickle: b64(m.dumpsSync(both)), args: [5] };",
    "out.wrapped = { pickle: b64(m.dumpsSync(m.closure({ y: 5 }, () => y + 1))), args: [] };",
    `for (const p of ${JSON.stringify(builtins)}) ` +
    "out['builtin ' + p] = { pickle: b64(m.dumpsSync(eval(p))), builtin: p };",
    "console.log('PICKLES ' + JSON.stringify(out));",
    "const h = ((z) => () => z + 1)(5);",
    "try { m.dumpsSync(h); } catch (e) { console.log('REFUSED sync ' + e.name + ': ' + e.message); }",
    "try { await m.dumps(h); } catch (e) { console.log('REFUSED async ' + e.name + ': ' + e.message); }",
    "",
  ].join("\n");
}

function runRepl(rt: Runtime): string {
  const args = rt === "deno" ? ["repl", "-A", "--config", `${root}deno.json`] : ["repl"];
  const r = spawnSync(rt === "deno" ? deno : bun, args, {
    cwd: root,
    input: session(rt),
    encoding: "utf8",
    timeout: 60_000,
  });
  const out = `${r.stdout}\n${r.stderr}`;
  assert.doesNotMatch(out, /panicked|Uncaught/, out);
  return out;
}

function consumeIn(rt: Runtime, pickles: string): Record<string, unknown> {
  const args = rt === "deno" ? ["run", "-A", consume] : [consume];
  const r = spawnSync(rt === "deno" ? deno : bun, args, {
    cwd: root,
    input: pickles,
    encoding: "utf8",
    timeout: 60_000,
  });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

const decode = (b64: string) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
const sessions = new Map<Runtime, string>();
const sessionOf = (rt: Runtime) => {
  let out = sessions.get(rt);
  if (out === undefined) sessions.set(rt, out = runRepl(rt));
  return out;
};

function picklesOf(rt: Runtime): string {
  const line = sessionOf(rt).split("\n").find((l) => l.startsWith("PICKLES "));
  assert.ok(line, `no pickles printed by the ${rt} REPL:\n${sessionOf(rt)}`);
  return line.slice("PICKLES ".length);
}

const USER_RESULTS = {
  f: 17,
  g: 117,
  usePoint: 20,
  late: 234,
  lateHelper: 237,
  wrapped: 6,
  // Three functions over one top-level `let`: one variable after loading.
  both: [5, 5],
};

describe("code typed in a REPL", () => {
  for (const from of RUNTIMES) {
    it(`${from} repl: functions go by value with the globals they read`, () => {
      const entries = JSON.parse(picklesOf(from)) as Record<string, { pickle: string }>;
      const text = new TextDecoder().decode(decode(entries.f.pickle));
      // Source text and the REPL's data travel; no 10-byte reference to a global "f".
      assert.match(text, /cfg\.scale/);
      assert.ok(decode(entries.f.pickle).length > 40);
      for (const p of [...BUILTINS, OWN_BUILTIN[from]]) {
        assert.ok(decode(entries[`builtin ${p}`].pickle).length < 40, `${p} goes by path`);
      }
    });

    for (const to of RUNTIMES) {
      it(`${from} repl → ${to}: REPL functions, classes and data run; built-ins are ${to}'s`, () => {
        const out = consumeIn(to, picklesOf(from));
        for (const [name, want] of Object.entries(USER_RESULTS)) {
          assert.deepEqual(out[name], want, `${name}: ${JSON.stringify(out[name])}`);
        }
        for (const p of BUILTINS) assert.equal(out[`builtin ${p}`], true, p);
        const own = out[`builtin ${OWN_BUILTIN[from]}`];
        if (from === to) assert.equal(own, true);
        else {
          assert.match(
            (own as { error: string }).error,
            new RegExp(`UnpicklingError: .*'${OWN_BUILTIN[from].replace(".", "\\.")}'`),
          );
        }
      });
    }

    it(`${from} repl: a closure over a variable only its scope holds asks for closure()`, () => {
      const out = sessionOf(from);
      const why = from === "deno" ? /Deno REPL/ : /Bun's REPL runs no preload/;
      for (const form of ["sync", "async"]) {
        const line = out.split("\n").find((l) => l.startsWith(`REFUSED ${form} `));
        assert.ok(line, `the ${form} form did not refuse:\n${out}`);
        assert.match(line, /PicklingError: .*'z' could not be read/);
        assert.match(line, why);
        assert.match(line, /closure\(\{ z \}, fn\)/);
      }
    });
  }
});

describe("closures out of the reach of Bun's preload", () => {
  it("are refused with the preload and closure() named", { skip: !("Bun" in globalThis) }, () => {
    // Code made by eval is not instrumented (as code typed in Bun's REPL).
    const make = (0, eval)("(y) => () => y + 1") as (y: number) => () => number;
    assert.throws(() => dumpsSync(make(5)), (e: unknown) => {
      assert.ok(e instanceof PicklingError);
      assert.match(e.message, /'y' could not be read \(the preload did not instrument the code/);
      assert.match(e.message, /made by eval/);
      assert.match(e.message, /closure\(\{ y \}, fn\)/);
      return true;
    });
  });
});
