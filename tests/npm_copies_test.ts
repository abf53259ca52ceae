// A package installed twice — next to the program and next to the library, same version — is
// one module to the program: what it pickles by reference from its copy loads back as that
// copy's export, not as the other copy's (which would be another function, and for a class
// another class that instanceof tells apart).
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "cloudpickle-copies-"));
after(() => rmSync(dir, { recursive: true, force: true }));

// The program's own copy of nanoid (the library's checkout has one too).
cpSync(join(root, "node_modules", "nanoid"), join(dir, "node_modules", "nanoid"), {
  recursive: true,
});
writeFileSync(join(dir, "package.json"), JSON.stringify({ type: "module" }));
writeFileSync(
  join(dir, "main.ts"),
  `import { nanoid, customAlphabet } from "nanoid";
import { dumps, dumpsSync, loads, loadsSync } from ${
    JSON.stringify(pathToFileURL(join(root, "mod.ts")).href)
  };
const [a, b] = await loads(await dumps([nanoid, customAlphabet]));
const [c] = loadsSync(dumpsSync([nanoid]));
console.log(JSON.stringify({
  copy: import.meta.resolve("nanoid"),
  same: [a === nanoid, b === customAlphabet, c === nanoid],
  byReference: !new TextDecoder().decode(await dumps(nanoid)).includes("crypto"),
}));
`,
);

function run(rt: "deno" | "bun"): { copy: string; same: boolean[]; byReference: boolean } {
  const bin = join(root, "node_modules", ".bin", rt);
  const args = rt === "deno"
    ? ["run", "-A", "--config", join(root, "deno.json"), "main.ts"]
    : ["--preload", join(root, "preload.ts"), "main.ts"];
  const r = spawnSync(bin, args, { cwd: dir, encoding: "utf8", timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

describe("a package installed twice", () => {
  for (const rt of ["deno", "bun"] as const) {
    it(`${rt}: exports by reference load as the program's copy`, () => {
      const out = run(rt);
      assert.ok(out.copy.startsWith(pathToFileURL(dir).href), out.copy);
      assert.equal(out.byReference, true);
      assert.deepEqual(out.same, [true, true, true]);
    });
  }
});
