// Runs a battery of cases (tests/battery/*_cases.ts): each case through dumps/loads and
// dumpsSync/loadsSync in this process (hop 1), then all of them at once through a subprocess
// of the other runtime (and, if asked, a Worker of this one), which loads, describes, probes
// and pickles them again (hop 2), and back here (hop 3). At every hop the copy must have the original's fingerprint and probe
// results; data copies must also be graph-equal to the original (tests/equal.ts), the other
// runtime must pickle data to the very bytes this one wrote, what comes back must pickle to
// the bytes it came in (a fixpoint, code included), and every value structuredClone accepts
// must pickle.

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { Buffer } from "node:buffer";
import { fileURLToPath } from "node:url";
import { dumps, dumpsSync, loads, loadsSync, PicklingError, UnpicklingError } from "../../mod.ts";
import { graphDiff } from "../equal.ts";
import { streamRoundTrip } from "../helpers.ts";
import { fingerprint } from "./fingerprint.ts";
import type { Case } from "./case.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));
const onDeno = typeof (globalThis as { Deno?: unknown }).Deno === "object";

/** The other runtime's command line for a script of the repository. */
export function otherRuntime(script: string, args: string[]): [string, string[], string] {
  return onDeno
    ? [`${root}node_modules/.bin/bun`, ["--preload", `${root}preload.ts`, script, ...args], "Bun"]
    : [`${root}node_modules/.bin/deno`, ["run", "-A", script, ...args], "Deno"];
}

function firstDifference(a: string, b: string): string | undefined {
  if (a === b) return undefined;
  const x = a.split("\n");
  const y = b.split("\n");
  const i = x.findIndex((l, j) => l !== y[j]);
  return `line ${i}:\n  original: ${x[i]?.slice(0, 300)}\n  copy:     ${y[i]?.slice(0, 300)}`;
}

function json(v: unknown): string {
  return JSON.stringify(v, (_k, x) => typeof x === "bigint" ? `${x}n` : x);
}

async function probeOf(c: Case, v: unknown): Promise<string> {
  return c.probe ? json(await c.probe(v)) : "null";
}

interface Far {
  fp?: string;
  probe?: unknown;
  pickle?: string;
  error?: string;
}

/** Checks one copy against the original's fingerprint and probe (and graph, for data). */
async function checkCopy(
  c: Case,
  copy: unknown,
  original: unknown,
  fp: string,
  hop: string,
): Promise<void> {
  const d = firstDifference(fp, fingerprint(copy));
  if (d) assert.fail(`${hop}: fingerprint differs at ${d}`);
  if (!c.codeLike) {
    const g = graphDiff(copy, original);
    if (g) assert.fail(`${hop}: ${g}`);
  }
  assert.equal(await probeOf(c, copy), await probeOf(c, c.make()), `${hop}: probe`);
}

/** Loading `bytes` here is refused with an UnpicklingError that says `c.notHere`. */
async function refusedHere(c: Case, bytes: Uint8Array): Promise<void> {
  await assert.rejects(loads(bytes), (e: unknown) => {
    assert.ok(e instanceof UnpicklingError, `UnpicklingError, got ${e}`);
    assert.ok(e.message.includes(c.notHere!), e.message);
    return true;
  });
}

/** One original of a case, pickled for one trip. */
interface Trip {
  v: unknown;
  fp: string;
  bytes: Uint8Array;
}

/** Where the far side of a trip runs, and what it answered. */
interface FarSide {
  name: string;
  answers: Record<string, Far>;
  failure: string;
}

/** Runs the far side in a subprocess of the other runtime. */
function subprocessSide(which: string, sent: { name: string; pickle: string }[]): FarSide {
  const [cmd, args, name] = otherRuntime(`${root}tests/battery/hop.ts`, [which]);
  const r = spawnSync(cmd, args, {
    cwd: root,
    input: JSON.stringify({ cases: sent }),
    encoding: "utf8",
    maxBuffer: 1 << 30,
    timeout: 120_000,
  });
  if (r.status !== 0) {
    return { name, answers: {}, failure: `${cmd} exited with ${r.status}:\n${r.stderr}` };
  }
  return { name, answers: JSON.parse(r.stdout), failure: "" };
}

/** Runs the far side in a Worker of this runtime (with the preload, on Bun). */
async function workerSide(
  which: string,
  sent: { name: string; pickle: string }[],
): Promise<FarSide> {
  const name = "a Worker";
  const options: Record<string, unknown> = { type: "module" };
  if (!onDeno) options.preload = [`${root}preload.ts`];
  const w = new Worker(new URL("./worker.ts", import.meta.url).href, options as WorkerOptions);
  try {
    const answers = await new Promise<Record<string, Far>>((resolve, reject) => {
      w.onmessage = (e) => resolve(e.data);
      w.onerror = (e) => {
        e.preventDefault?.();
        reject(new Error(String(e.message ?? e)));
      };
      w.postMessage({ which, cases: sent });
    });
    return { name, answers, failure: "" };
  } catch (e) {
    return { name, answers: {}, failure: `the Worker failed: ${e}` };
  } finally {
    w.terminate();
  }
}

/** Checks what a far side made of one case, and what comes back from it. */
async function checkFar(c: Case, trip: Trip, side: FarSide): Promise<void> {
  if (side.failure) assert.fail(side.failure);
  const r = side.answers[c.name];
  assert.ok(r, `no answer from ${side.name}`);
  if (r.error) assert.fail(`${side.name} failed: ${r.error}`);
  const d = firstDifference(trip.fp, r.fp!);
  if (d) assert.fail(`${side.name}: fingerprint differs at ${d}`);
  assert.equal(json(r.probe), await probeOf(c, c.make()), `${side.name}: probe`);
  const back = Buffer.from(r.pickle!, "base64");
  if (c.notHere) {
    await refusedHere(c, back);
    return;
  }
  const backCopy = await loads(back);
  const again = await dumps(backCopy);
  await checkCopy(c, backCopy, trip.v, trip.fp, `back from ${side.name}`);
  // Chains of hops reach a byte fixpoint, code included.
  assert.deepEqual(again, new Uint8Array(back), "pickled again here: the same bytes");
  if (!c.codeLike) {
    assert.deepEqual(new Uint8Array(back), trip.bytes, `${side.name} pickles it to the same bytes`);
  }
}

function tripOf(v: unknown, bytes: Uint8Array): Trip {
  return { v, fp: fingerprint(v), bytes };
}

/**
 * Registers the tests of one battery. `which` names it for tests/battery/far.ts; `withWorker`
 * adds a trip through a Worker of this runtime (Deno type-checks the Worker's modules when it
 * starts under `deno test`: about 3 s).
 */
export function runBattery(
  title: string,
  which: "data" | "code",
  cases: Case[],
  { withWorker = false } = {},
): void {
  describe(title, () => {
    // One original per case and trip: here, through the other runtime, through a Worker. A
    // class loaded in the process that defined it is that class itself (the class tracker),
    // so running the code of one trip's copy must not touch another trip's original.
    const here = new Map<string, Trip & { sync?: Uint8Array }>();
    const viaProcess = new Map<string, Trip>();
    const viaWorker = new Map<string, Trip>();
    let processSide: FarSide = { name: "", answers: {}, failure: "not run" };
    let workerSideAnswer: FarSide = { name: "", answers: {}, failure: "not run" };
    const dumpFailures = new Map<string, unknown>();

    before(async () => {
      const toProcess: { name: string; pickle: string }[] = [];
      const toWorker: { name: string; pickle: string }[] = [];
      for (const c of cases) {
        if (c.refused) continue;
        try {
          const v = c.make();
          const bytes = await dumps(v);
          const sync = c.asyncOnly ? undefined : dumpsSync(v);
          here.set(c.name, { ...tripOf(v, bytes), sync });
          const p = c.make();
          viaProcess.set(c.name, tripOf(p, await dumps(p)));
          if (withWorker) {
            const w = c.make();
            viaWorker.set(c.name, tripOf(w, await dumps(w)));
          }
        } catch (e) {
          dumpFailures.set(c.name, e);
          continue;
        }
        const b64 = (t: Trip) => Buffer.from(t.bytes).toString("base64");
        toProcess.push({ name: c.name, pickle: b64(viaProcess.get(c.name)!) });
        if (withWorker) toWorker.push({ name: c.name, pickle: b64(viaWorker.get(c.name)!) });
      }
      processSide = subprocessSide(which, toProcess);
      if (withWorker) workerSideAnswer = await workerSide(which, toWorker);
    });
    after(() => {
      here.clear();
      viaProcess.clear();
      viaWorker.clear();
    });

    for (const c of cases) {
      if (c.refused) {
        const why = c.refusedReason ?? "as structuredClone refuses it";
        it(`${c.name}: refused with a PicklingError (${why})`, async () => {
          if (!c.refusedReason) assert.throws(() => structuredClone(c.make()));
          for (const dump of [() => dumpsSync(c.make()), () => dumps(c.make())]) {
            await assert.rejects(async () => await dump(), (e: unknown) => {
              assert.ok(e instanceof PicklingError, `PicklingError, got ${e}`);
              assert.equal(e.path, c.refused);
              return true;
            });
          }
        });
        continue;
      }
      it(`${c.name}: in this process`, async () => {
        if (dumpFailures.has(c.name)) throw dumpFailures.get(c.name);
        const { v, fp, bytes, sync } = here.get(c.name)!;
        if (c.notHere) {
          await refusedHere(c, bytes);
          return;
        }
        if (c.asyncOnly) {
          assert.throws(() => dumpsSync(c.make()), PicklingError);
        } else {
          assert.deepEqual(sync, bytes, "dumpsSync writes the bytes dumps writes");
          const copy = loadsSync(sync!);
          const d = firstDifference(fp, fingerprint(copy));
          if (d) assert.fail(`dumpsSync/loadsSync: fingerprint differs at ${d}`);
        }
        await checkCopy(c, await loads(bytes), v, fp, "dumps/loads");
        if (!c.codeLike) {
          // dump/load over a web stream, twice in one stream.
          const [a, b] = await streamRoundTrip([v, v]);
          await checkCopy(c, a, v, fp, "dump/load");
          await checkCopy(c, b, v, fp, "dump/load (second pickle of the stream)");
        }
      });
      it(`${c.name}: through the other runtime and back`, async () => {
        if (dumpFailures.has(c.name)) throw dumpFailures.get(c.name);
        await checkFar(c, viaProcess.get(c.name)!, processSide);
      });
      if (!withWorker) continue;
      it(`${c.name}: through a Worker and back`, async () => {
        if (dumpFailures.has(c.name)) throw dumpFailures.get(c.name);
        await checkFar(c, viaWorker.get(c.name)!, workerSideAnswer);
      });
    }
  });
}
