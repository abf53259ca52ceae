// Code travels on: a pickle loaded in one process is pickled again there and sent on, through
// chains of processes of both runtimes, with and without the means of automatic capture
// (Deno's --allow-sys, Bun's preload), in the sync and async forms. Every hop loads, runs,
// and gives back the very bytes it received when nothing changed.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const deno = `${root}node_modules/.bin/deno`;
const bun = `${root}node_modules/.bin/bun`;
const start = `${root}tests/chain/start.ts`;
const hop = `${root}tests/chain/hop.ts`;
const factoryStart = `${root}tests/chain/factory_start.ts`;
const factoryHop = `${root}tests/chain/factory_hop.ts`;

function run(cmd: string, args: string[], input?: string): string {
  const r = spawnSync(cmd, args, { cwd: root, input, encoding: "utf8", timeout: 60_000 });
  assert.equal(r.status, 0, `${cmd} ${args.join(" ")} failed:\n${r.stderr}`);
  return r.stdout.trim();
}

/** How a process of the chain runs: its runtime, and whether it can capture automatically. */
type Step = "deno" | "deno-plain" | "bun" | "bun-plain";

function runStep(step: Step, script: string, args: string[], input?: string): string {
  switch (step) {
    case "deno":
      return run(deno, ["run", "-A", script, ...args], input);
    case "deno-plain": // no permissions at all: no inspector
      return run(deno, ["run", script, ...args], input);
    case "bun":
      return run(bun, ["--preload", `${root}preload.ts`, script, ...args], input);
    case "bun-plain": // no preload: nothing instrumented
      return run(bun, [script, ...args], input);
  }
}

interface HopOut {
  runtime: string;
  fixpoint: boolean;
  hops: number;
  get: number;
  fib: number;
  fact: number;
  shared: boolean;
  classOfInstances: boolean;
  describe: string;
  interest: number;
  freshInterest: number;
  opened: number;
  next: string;
}

function chain(first: "deno" | "bun", steps: Step[], form: "sync" | "async"): HopOut[] {
  let pickle = runStep(first, start, []);
  const outs: HopOut[] = [];
  for (const step of steps) {
    const out = JSON.parse(runStep(step, hop, [form], pickle)) as HopOut;
    outs.push(out);
    pickle = out.next;
  }
  return outs;
}

function checkChain(outs: HopOut[], steps: Step[]): void {
  outs.forEach((out, i) => {
    const where = `hop ${i + 1} (${steps[i]})`;
    assert.equal(out.runtime, steps[i].replace("-plain", ""), where);
    assert.equal(out.fixpoint, true, `${where}: re-pickling changed the bytes`);
    assert.equal(out.hops, i + 1, `${where}: the counter's scope did not travel`);
    assert.equal(out.get, i + 1, `${where}: inc and get no longer share their scope`);
    assert.equal(out.fib, 55, where);
    assert.equal(out.fact, 720, where);
    assert.equal(out.shared, true, where);
    assert.equal(out.classOfInstances, true, where);
    assert.equal(out.describe, `ada: ${101 + i} EUR`, where);
    assert.equal(out.interest, 100, where);
    assert.equal(out.freshInterest, 1, where);
    // Two accounts opened at the start, one more at each hop.
    assert.equal(out.opened, 3 + i, where);
  });
}

const CHAINS: [first: "deno" | "bun", steps: Step[]][] = [
  ["deno", ["bun-plain", "deno-plain", "bun", "deno"]],
  ["bun", ["deno-plain", "bun-plain", "deno", "bun"]],
  ["deno", ["deno-plain", "deno", "deno-plain"]],
  ["bun", ["bun-plain", "bun", "bun-plain"]],
];

const host = typeof (globalThis as { Bun?: unknown }).Bun === "object" ? "bun" : "deno";

describe("chains of processes", () => {
  // Every chain crosses both runtimes; each test runner runs the chains that start in its own.
  for (const [first, steps] of CHAINS.filter(([first]) => first === host)) {
    for (const form of ["async", "sync"] as const) {
      it(`${first} → ${steps.join(" → ")} (${form})`, () => {
        checkChain(chain(first, steps, form), steps);
      });
    }
  }
});

describe("closures that loaded code makes travel on", () => {
  // Factories pickled once; every hop calls them and sends on what they made, to processes
  // that may read no closure scope of their own (Deno without --allow-sys, Bun without the
  // preload): the loader knows the scopes of what loaded code creates.
  const chains: [first: "deno" | "bun", steps: Step[]][] = [
    ["deno", ["bun-plain", "deno-plain", "bun", "deno"]],
    ["bun", ["deno-plain", "bun-plain", "deno", "bun"]],
  ];
  for (const [first, steps] of chains.filter(([first]) => first === host)) {
    it(`${first} → ${steps.join(" → ")}`, () => {
      let pickle = runStep(first, factoryStart, []);
      steps.forEach((step, i) => {
        const out = JSON.parse(runStep(step, factoryHop, [], pickle)) as {
          runtime: string;
          fixpoint: boolean;
          earlier: number[][];
          next: string;
        };
        const where = `hop ${i + 1} (${step})`;
        assert.equal(out.runtime, step.replace("-plain", ""), where);
        assert.equal(out.fixpoint, true, `${where}: re-pickling changed the bytes`);
        // Made at hop h (0-based): a counter from 10h, counted once there and once per hop
        // since; an adder of h + 1 + base; a tripler.
        assert.deepEqual(
          out.earlier,
          Array.from({ length: i }, (_, h) => [10 * h + 1 + (i - h) + 100, h + 1 + 1 + 100, 6]),
          where,
        );
        pickle = out.next;
      });
    });
  }
});

describe("a Worker in the chain", () => {
  it("a Worker loads what the program loaded, runs it, and sends it back, twice", async () => {
    const { dumps, loads } = await import("../mod.ts");
    // Pickled by a separate process of the same runtime, loaded here: this process never
    // defined these functions, so they travel by value in both directions.
    const first = Uint8Array.fromBase64(runStep(host, start, []));
    const v = await loads<{ counter: { inc(): number; get(): number } }>(first);
    const worker = new Worker(new URL("./chain/worker.ts", import.meta.url).href, {
      type: "module",
    });
    const ask = (bytes: Uint8Array) =>
      new Promise<{ fixpoint: boolean; hops: number; next: Uint8Array; error?: string }>(
        (resolve) => {
          worker.onmessage = (e) => resolve(e.data);
          worker.postMessage(bytes);
        },
      );
    try {
      v.counter.inc();
      const r1 = await ask(await dumps(v));
      assert.equal(r1.error, undefined, r1.error);
      assert.equal(r1.fixpoint, true);
      assert.equal(r1.hops, 2);
      const back = await loads<typeof v>(r1.next);
      assert.equal(back.counter.get(), 2);
      assert.equal(back.counter.inc(), 3);
      const r2 = await ask(await dumps(back));
      assert.equal(r2.error, undefined, r2.error);
      assert.equal(r2.hops, 4);
      assert.equal((await loads<typeof v>(r2.next)).counter.get(), 4);
      // The value loaded first is untouched by what the copies did.
      assert.equal(v.counter.get(), 1);
    } finally {
      worker.terminate();
    }
  });
});
