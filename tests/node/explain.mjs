// explain on Node, from the npm build: reasons read through node:inspector (the entry
// module's export told apart from its local function), captured variables with their bytes,
// and the report's text printed the same from its JSON.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { formatExplanation } from "../../dist/npm/explain.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

describe("node: explain", () => {
  it("reports why each function travels, and what its captures take", () => {
    const r = spawnSync(process.execPath, ["tests/node/fixtures/explain_entry.mjs"], {
      cwd: ROOT,
      encoding: "utf8",
      timeout: 60_000,
    });
    assert.equal(r.status, 0, r.stderr);
    const { report, text, results } = JSON.parse(r.stdout);
    assert.deepEqual(results, [2, 4, 3, 9]);
    assert.match(report.runtime, /^Node \d+/);
    assert.equal(formatExplanation(report), text);
    const [exported, local, task, max] = report.root.children;
    const entry = "./tests/node/fixtures/explain_entry.mjs";
    assert.equal(exported.reason, "entry-module");
    assert.match(exported.why, new RegExp(`^exported by ${entry.replaceAll(".", "\\.")}`));
    assert.equal(local.reason, "not-exported");
    assert.match(local.why, /the entry module, which does not export it/);
    assert.equal(task.travel, "value");
    const [bigNode] = task.children;
    assert.equal(bigNode.name, "big");
    assert.equal(bigNode.value, "Array(5000)");
    assert.ok(bigNode.bytes >= 5000 * 9, String(bigNode.bytes));
    assert.equal(max.reason, "builtin");
    assert.equal(report.largest[0].path, "root.task<captured big>");
  });
});
