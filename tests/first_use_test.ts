// The first pickling calls of a fresh process, and pickles in a process that has loaded many
// modules, on each runtime: what they set up and what each pickle costs in work that could
// grow with what the process has loaded (inspector commands, module-table work), not time.
//
// - The first dumps/dumpsSync of closures the entry module defines builds no table of
//   built-ins and lists no modules (on Deno, listing turns the V8 debugger on: 40-60 ms);
//   the closures load and run.
// - No inspector session stays connected and no domain (Debugger) stays enabled after any
//   pickling call: a V8 debugger left on slows down every later eval.
// - After 150 more modules are loaded (and listed), pickling a closure again, a new closure,
//   and the sync form send as many inspector commands as before, do no module-table work,
//   and write the same bytes.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { runJSON } from "./helpers.ts";

interface State {
  activity: { sessions: number; enabled: string[]; calls: Record<string, number> };
  globals: boolean;
  work: { modules: number; keys: number; builtins: boolean };
}

interface First {
  afterFirst: State;
  ranFirst: number;
  afterSync: State;
  ranSync: number;
  afterReady: State;
  afterByRef: State;
  sameLoads: boolean;
}

interface Cost {
  calls: number;
  modules: number;
  keys: number;
  bytes: string;
}
type Round = Record<"again" | "fresh" | "sync", Cost>;

const FIRST = "tests/first_use/first_dumps.ts";
const GROWTH = "tests/first_use/growth.ts";
const LATER = "tests/first_use/later_import.ts";
const OTHER = "tests/first_use/other_module.ts";
const LIBRARY = "tests/first_use/library_export.ts";
const SAME_TEXT = "tests/first_use/same_text.ts";

interface Other {
  globals: boolean;
  ran: number;
  twiceByRef: boolean;
  builtinByRef: boolean;
}

function checkOther(r: Other, form: string): void {
  assert.equal(r.globals, false, `${form}: no table of built-ins for the program's closure`);
  assert.equal(r.ran, 42, `${form}: the loaded closure runs`);
  assert.equal(r.twiceByRef, true, `${form}: the module's export goes by reference`);
  assert.equal(r.builtinByRef, true, `${form}: a built-in goes by reference`);
}

interface Later {
  steps: Record<string, { byReference: boolean; runs: number; listings: number }>;
  evals: Record<string, number>;
  enabled: string[];
}

function checkLater(r: Later, v8: boolean): void {
  const expect: Record<string, [boolean, number]> = {
    "entry closure": [false, 12],
    "export of a module imported later": [true, 3],
    "export of another module imported later, sync": [true, -4],
    "export of a module imported a second later": [true, 7],
    "a loaded pickle's closure": [false, 12],
    "an eval'd function": [false, 100],
    "new Function": [false, 1.5],
    "an eval'd function, sync": [false, 200],
    "Math.max": [true, 1],
  };
  if (v8) expect["an eval'd closure"] = [false, 1000];
  assert.deepEqual(Object.keys(r.steps).sort(), Object.keys(expect).sort());
  for (const [name, [byReference, runs]] of Object.entries(expect)) {
    const s = r.steps[name];
    assert.equal(s.byReference, byReference, `${name}: by reference`);
    assert.equal(s.runs, runs, `${name}: the loaded copy runs`);
    // Only a module imported since the last listing is worth listing for (V8); Bun never lists.
    const lists = v8 && byReference && name.startsWith("export") ? 1 : 0;
    assert.equal(s.listings, lists, `${name}: module listings`);
  }
  assert.deepEqual(r.enabled, [], "no inspector domain left enabled");
  const before = r.evals.before;
  for (const [name, us] of Object.entries(r.evals)) {
    assert.ok(
      us <= Math.max(3 * before, 15),
      `eval after "${name}" as fast as before the library was used: ${us} µs vs ${before} µs`,
    );
  }
}

function idle(s: State, when: string): void {
  assert.equal(s.activity.sessions, 0, `no inspector session stays connected ${when}`);
  assert.deepEqual(s.activity.enabled, [], `no inspector domain stays enabled ${when}`);
}

function checkGrowth(r: { before: Round; after: Round }): void {
  for (const k of ["again", "fresh", "sync"] as const) {
    const { before, after } = { before: r.before[k], after: r.after[k] };
    assert.equal(after.calls, before.calls, `${k}: inspector commands per pickle`);
    assert.equal(before.modules, 0, `${k}: no module indexed by a pickle`);
    assert.equal(after.modules, 0, `${k}: no module indexed by a pickle, many loaded`);
    assert.equal(before.keys, 0, `${k}: no module list examined by a pickle`);
    assert.equal(after.keys, 0, `${k}: no module list examined by a pickle, many loaded`);
    assert.equal(after.bytes.length, before.bytes.length, `${k}: same pickle size`);
  }
  assert.equal(r.after.again.bytes, r.before.again.bytes, "same pickle of the same closure");
}

describe("a new closure per task", () => {
  it("on Deno: after a few hundred, no inspector command without captures, one scope read with", () => {
    const r = runJSON<{ calls: Record<string, number>; ran: number }>("deno", [
      "run",
      "-A",
      "tests/first_use/closure_per_task.ts",
    ]);
    assert.equal(r.ran, 350, "every loaded closure ran right");
    // Listing the modules once (a few commands) replaced locating each new function (three).
    assert.ok(r.calls.noCaptureSync <= 0.1, `sync, no event-loop turn: ${r.calls.noCaptureSync}`);
    assert.ok(r.calls.noCaptureAsync <= 0.1, `async: ${r.calls.noCaptureAsync}`);
    // Reading a closure's scope takes three commands; nothing more.
    assert.ok(r.calls.captureSync <= 3.1, `sync, with captures: ${r.calls.captureSync}`);
    assert.ok(r.calls.captureAsync <= 3.1, `async, with captures: ${r.calls.captureAsync}`);
  });
});

describe("the first pickling calls of a process", () => {
  it("on Deno: no module listing, no table of built-ins, no debugger left on", () => {
    const r = runJSON<First>("deno", ["run", "-A", FIRST]);
    assert.equal(r.ranFirst, 42);
    assert.equal(r.ranSync, 42);
    for (const [when, s] of [["after dumps", r.afterFirst], ["after dumpsSync", r.afterSync]]) {
      const st = s as State;
      idle(st, when as string);
      assert.equal(st.activity.calls["Debugger.enable"], undefined, `no listing ${when}`);
      assert.equal(st.globals, false, `no table of globals ${when}`);
      assert.equal(st.work.builtins, false, `no built-in module loaded ${when}`);
      assert.equal(st.work.modules, 0, `no module indexed ${when}`);
    }
    // ready() lists the modules: the debugger is on for the listing only.
    assert.equal(r.afterReady.activity.calls["Debugger.enable"], 1);
    assert.equal(r.afterReady.activity.calls["Debugger.disable"], 1);
    idle(r.afterReady, "after ready()");
    assert.ok(r.afterReady.work.modules > 0, "ready() indexed the listed modules");
    assert.equal(r.sameLoads, true, "a function of another module goes by reference");
    idle(r.afterByRef, "after a pickle by reference");
  });

  it("on Bun with the preload: no table of built-ins, no inspector", () => {
    const r = runJSON<First>("bun", ["--preload", "./preload.ts", FIRST]);
    assert.equal(r.ranFirst, 42);
    assert.equal(r.ranSync, 42);
    for (const s of [r.afterFirst, r.afterSync, r.afterReady]) {
      assert.equal(s.globals, false);
      assert.equal(s.work.builtins, false);
      assert.deepEqual(s.activity.calls, {});
      idle(s, "");
    }
    assert.equal(r.sameLoads, true, "a function of another module goes by reference");
  });
});

describe("a pickle's work does not grow with the modules the process has loaded", () => {
  it("on Deno", () => {
    const r = runJSON<{ before: Round; after: Round }>("deno", ["run", "-A", GROWTH]);
    checkGrowth(r);
    assert.ok(r.before.again.calls > 0, "the inspector reads the closure's scope");
  });

  it("on Bun with the preload", () => {
    checkGrowth(runJSON("bun", ["--preload", "./preload.ts", GROWTH]));
  });
});

describe("a long-lived process pickles exports of modules it imports later, and eval'd code", () => {
  it("on Deno", () => {
    checkLater(runJSON<Later>("deno", ["run", "-A", LATER]), true);
  });

  it("on Bun with the preload", () => {
    checkLater(runJSON<Later>("bun", ["--preload", "./preload.ts", LATER]), false);
  });
});

describe("the first pickle of a closure another module of the program made", () => {
  for (const form of ["async", "sync"]) {
    it(`on Deno (${form} first)`, () => {
      checkOther(runJSON<Other>("deno", ["run", "-A", OTHER, form]), form);
    });

    it(`on Bun with the preload (${form} first)`, () => {
      checkOther(runJSON<Other>("bun", ["--preload", "./preload.ts", OTHER, form]), form);
    });
  }
});

describe("the first pickle of closures over an import that cannot go by value", () => {
  const expected = { byRef: true, ran: [2, 4], same: true };
  for (const form of ["async", "sync"]) {
    it(`on Deno (${form})`, () => {
      assert.deepEqual(runJSON("deno", ["run", "-A", LIBRARY, form]), expected);
    });

    it(`on Bun with the preload (${form})`, () => {
      assert.deepEqual(runJSON("bun", ["--preload", "./preload.ts", LIBRARY, form]), expected);
    });
  }
});

describe("an export with the same source text as a function of the entry module", () => {
  const expected = { localByValue: true, exportByRef: true, sameFunction: true, sameClass: true };
  for (const form of ["async", "sync"]) {
    it(`on Deno (${form})`, () => {
      assert.deepEqual(runJSON("deno", ["run", "-A", SAME_TEXT, form]), expected);
    });

    it(`on Bun with the preload (${form})`, () => {
      assert.deepEqual(runJSON("bun", ["--preload", "./preload.ts", SAME_TEXT, form]), expected);
    });
  }
});
