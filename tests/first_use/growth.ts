// Per-pickle work before and after the process loads many modules (tests/first_use_test.ts):
// the inspector commands a dumps sends, the module-table work it does and its bytes, for a
// closure pickled again, a closure pickled for the first time, and the sync form. Prints one
// JSON line: {before, after}.
import { dumps, dumpsSync, loads, ready } from "../../mod.ts";
import { inspectorActivity } from "../../lib/runtime/inspector/session.ts";
import { moduleTableWork } from "../../lib/runtime/modules/table.ts";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const MODULES = 150;
let n = 1;
const again = () => n++;
const fresh1 = () => n + 10;
const fresh2 = () => n + 20;

const calls = (): number => Object.values(inspectorActivity().calls).reduce((a, b) => a + b, 0);

async function cost(value: unknown, sync = false) {
  const c = calls();
  const w = moduleTableWork();
  const bytes = sync ? dumpsSync(value) : await dumps(value);
  const w2 = moduleTableWork();
  return {
    calls: calls() - c,
    modules: w2.modules - w.modules,
    keys: w2.keys - w.keys,
    bytes: Array.from(bytes).join(","),
  };
}

async function round(fresh: () => number) {
  // Let the module sources' one relisting a turn after a change pass.
  for (let i = 0; i < 3; i++) {
    await dumps(again);
    await new Promise((r) => setTimeout(r, 5));
  }
  return {
    again: await cost(again),
    fresh: await cost(fresh),
    sync: await cost(again, true),
  };
}

await ready();
const before = await round(fresh1);

const dir = mkdtempSync(join(tmpdir(), "cp-growth-"));
try {
  for (let i = 0; i < MODULES; i++) {
    writeFileSync(
      join(dir, `m${i}.js`),
      `export function f${i}(x) { return x + ${i}; }\n` +
        `export class C${i} { static make() { return new C${i}(); } }\n` +
        `export const data${i} = { k: ${i}, g: () => ${i} };\n`,
    );
  }
  const mods: Record<string, (x: number) => number>[] = [];
  for (let i = 0; i < MODULES; i++) {
    mods.push(await import(pathToFileURL(join(dir, `m${i}.js`)).href));
  }
  await ready();
  // One of them, by reference: the table knows them.
  const f7 = await loads<(x: number) => number>(await dumps(mods[7].f7));
  if (f7 !== mods[7].f7) throw new Error("an export of a loaded module was not found by reference");
  const after = await round(fresh2);
  console.log(JSON.stringify({ before, after }));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
