// Runs a battery of cases (tests/battery/*_cases.ts): each case through dumps/loads and
// dumpsSync/loadsSync in this process (hop 1), then all of them at once through a subprocess
// of the other runtime, which loads, describes, probes and pickles them again (hop 2), and
// back here (hop 3). At every hop the copy must have the original's fingerprint and probe
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
import { fingerprint } from "./fingerprint.ts";
import type { Case } from "./data_cases.ts";

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

/** Registers the tests of one battery. `which` names it for tests/battery/hop.ts. */
export function runBattery(title: string, which: "data" | "code", cases: Case[]): void {
  describe(title, () => {
    // Two originals per case: one for the hop in this process, one for the trip through
    // the other runtime. A class loaded in the process that defined it is that class itself
    // (the class tracker), so running the code of one copy must not touch the other trip's.
    const originals = new Map<
      string,
      {
        v: unknown;
        fp: string;
        bytes: Uint8Array;
        sync?: Uint8Array;
        far: unknown;
        farFp: string;
        farBytes: Uint8Array;
      }
    >();
    let far: Record<string, Far> = {};
    let farName = "";
    let farFailure = "";
    const dumpFailures = new Map<string, unknown>();

    before(async () => {
      const sent: { name: string; pickle: string }[] = [];
      for (const c of cases) {
        if (c.refused) continue;
        const v = c.make();
        const farV = c.make();
        let bytes: Uint8Array;
        let farBytes: Uint8Array;
        let sync: Uint8Array | undefined;
        try {
          bytes = await dumps(v);
          if (!c.asyncOnly) sync = dumpsSync(v);
          farBytes = await dumps(farV);
        } catch (e) {
          dumpFailures.set(c.name, e);
          continue;
        }
        originals.set(c.name, {
          v,
          fp: fingerprint(v),
          bytes,
          sync,
          far: farV,
          farFp: fingerprint(farV),
          farBytes,
        });
        sent.push({ name: c.name, pickle: Buffer.from(farBytes).toString("base64") });
      }
      const [cmd, args, name] = otherRuntime(`${root}tests/battery/hop.ts`, [which]);
      farName = name;
      const r = spawnSync(cmd, args, {
        cwd: root,
        input: JSON.stringify({ cases: sent }),
        encoding: "utf8",
        maxBuffer: 1 << 30,
        timeout: 120_000,
      });
      if (r.status !== 0) farFailure = `${cmd} exited with ${r.status}:\n${r.stderr}`;
      else far = JSON.parse(r.stdout);
    });
    after(() => originals.clear());

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
        const { v, fp, bytes, sync } = originals.get(c.name)!;
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
      });
      it(`${c.name}: through the other runtime and back`, async () => {
        if (dumpFailures.has(c.name)) throw dumpFailures.get(c.name);
        if (farFailure) assert.fail(farFailure);
        const { far: v, farFp: fp, farBytes: bytes } = originals.get(c.name)!;
        const r = far[c.name];
        assert.ok(r, `no answer from ${farName}`);
        if (r.error) assert.fail(`${farName} failed: ${r.error}`);
        const d = firstDifference(fp, r.fp!);
        if (d) assert.fail(`${farName}: fingerprint differs at ${d}`);
        assert.equal(json(r.probe), await probeOf(c, c.make()), `${farName}: probe`);
        const back = Buffer.from(r.pickle!, "base64");
        if (c.notHere) {
          await refusedHere(c, back);
          return;
        }
        const backCopy = await loads(back);
        const again = await dumps(backCopy);
        await checkCopy(c, backCopy, v, fp, `back from ${farName}`);
        // Chains of hops reach a byte fixpoint, code included.
        assert.deepEqual(again, new Uint8Array(back), "pickled again here: the same bytes");
        if (!c.codeLike) {
          assert.deepEqual(new Uint8Array(back), bytes, `${farName} pickles it to the same bytes`);
        }
      });
    }
  });
}
