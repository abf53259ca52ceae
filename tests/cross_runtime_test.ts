// Pickles made in one runtime load and run in the other: code travels as source.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const deno = `${root}node_modules/.bin/deno`;
const bun = `${root}node_modules/.bin/bun`;
const produce = `${root}tests/cross/produce.ts`;
const consume = `${root}tests/cross/consume.ts`;
const classesProduce = `${root}tests/cross/classes_produce.ts`;
const classesConsume = `${root}tests/cross/classes_consume.ts`;
const privateProduce = `${root}tests/cross/private_produce.ts`;
const privateConsume = `${root}tests/cross/private_consume.ts`;

function run(cmd: string, args: string[], input?: string): string {
  const r = spawnSync(cmd, args, { cwd: root, input, encoding: "utf8", timeout: 60_000 });
  assert.equal(r.status, 0, `${cmd} ${args.join(" ")} failed:\n${r.stderr}`);
  return r.stdout;
}

const runtimes = {
  deno: (script: string, args: string[] = [], input?: string) =>
    run(deno, ["run", "-A", script, ...args], input),
  // With the package's preload, as a Bun program that wants automatic capture runs.
  bun: (script: string, args: string[] = [], input?: string) =>
    run(bun, ["--preload", `${root}preload.ts`, script, ...args], input),
};

const expected = {
  scaled: 21,
  inc: [12, 13],
  get: 13,
  fact: 720,
  gen: [0, 3, 6],
};

describe("pickles cross runtimes", () => {
  for (const [from, to] of [["deno", "bun"], ["bun", "deno"]] as const) {
    it(`a fidelity "structured" pickle of ${from} loads in ${to} without the option`, () => {
      const pickle = runtimes[from](`${root}tests/cross/structured_produce.ts`);
      const out = JSON.parse(runtimes[to](`${root}tests/cross/structured_consume.ts`, [], pickle));
      assert.deepEqual(out, {
        header: true,
        keys: ["id", "at", "label", "meta"],
        labels: ["row 0", "row 1", "row 2"],
        at: [1_705_320_000_000, 1_705_320_000_001, 1_705_320_000_002],
        symbols: 0,
        hidden: false,
        sharedMeta: true,
        cycle: true,
        norm1: 7,
        scaled: 40,
        holes: [true, false, 3],
      });
    });
  }

  for (const [from, to] of [["deno", "bun"], ["bun", "deno"]] as const) {
    it(`closures pickled by ${from} run in ${to}`, () => {
      const pickle = runtimes[from](produce, ["portable"]);
      const out = JSON.parse(runtimes[to](consume, [], pickle));
      assert.deepEqual(out, { producedBy: from, ...expected });
    });
  }

  for (const [from, to] of [["deno", "bun"], ["bun", "deno"]] as const) {
    it(`one class pickled twice by ${from} loads as one class in ${to}, updated`, () => {
      const pickles = runtimes[from](classesProduce);
      const out = JSON.parse(runtimes[to](classesConsume, [], pickles));
      assert.deepEqual(out, {
        sameClass: true,
        crossInstanceof: true,
        countAfterFirst: 1,
        countAfterSecond: 6,
        sums: [3, 1],
        addedMethodOnOldInstance: 3,
      });
    });
  }

  for (const [from, to] of [["deno", "deno"], ["deno", "bun"], ["bun", "deno"]] as const) {
    it(`an instance with private fields pickled by ${from} keeps its state in ${to}`, () => {
      const pickle = runtimes[from](privateProduce);
      const out = JSON.parse(runtimes[to](privateConsume, [], pickle));
      assert.deepEqual(out, {
        shared: true,
        owner: "ada",
        balance: 150,
        history: "+100 +50!",
        interest: 7.5,
        afterDeposit: 151,
        ownKeys: ["owner"],
        nextId: 3,
      });
    });
  }

  it("the Deno REPL: no inspector use (it would panic), closure() works", () => {
    const script = [
      `const m = await import(${JSON.stringify(`${root}mod.ts`)});`,
      "let q = 3;",
      "try { await m.dumps(((z) => () => z)(q)); } catch (e) { console.log('refused:', e.message); }",
      "console.log('closure:', m.loadsSync(m.dumpsSync(m.closure({ q }, () => q + 1)))());",
      "",
    ].join("\n");
    const r = spawnSync(deno, ["repl", "-A"], {
      cwd: root,
      input: script,
      encoding: "utf8",
      timeout: 60_000,
    });
    const out = `${r.stdout}\n${r.stderr}`;
    assert.doesNotMatch(out, /panicked/);
    assert.match(out, /refused: .*REPL/);
    assert.match(out, /closure: 4/);
  });

  it("closures captured automatically in Deno run in Bun", () => {
    const pickle = runtimes.deno(produce, ["automatic"]);
    const out = JSON.parse(runtimes.bun(consume, [], pickle));
    assert.deepEqual(out, { producedBy: "deno", ...expected });
  });
});
