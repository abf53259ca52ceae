// The pickler's bytes are typed Uint8Array<ArrayBuffer>: they transfer, hash and wrap without
// casts (a type check of tests/types/transfer.ts), and they really are over a plain
// ArrayBuffer that transfers.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { dumps, dumpsSync, loadsSync, Pickler } from "../mod.ts";

const ROOT = fileURLToPath(new URL("../", import.meta.url));

describe("npm types", () => {
  it("tests/types/transfer.ts type-checks: bytes go to postMessage, WebCrypto, Blob", () => {
    const r = spawnSync(
      `${ROOT}node_modules/.bin/deno`,
      ["check", "--quiet", "tests/types/transfer.ts"],
      { cwd: ROOT, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } },
    );
    assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
  });

  it("the bytes of every form are over a plain ArrayBuffer that transfers", async () => {
    const big = { list: Array.from({ length: 50_000 }, (_, i) => i * 1.5) };
    for (
      const bytes of [
        dumpsSync({ a: 1 }),
        dumpsSync(big),
        await dumps({ a: 1 }),
        await dumps(big),
        new Pickler().dumpsSync([1, 2]),
      ]
    ) {
      assert.ok(bytes.buffer instanceof ArrayBuffer);
      assert.ok(!(bytes.buffer instanceof (globalThis.SharedArrayBuffer ?? class {})));
      const expected = loadsSync(bytes);
      const moved = structuredClone(bytes, { transfer: [bytes.buffer] });
      assert.equal(bytes.byteLength, 0, "the transfer detached the original");
      assert.deepEqual(loadsSync(moved), expected);
    }
  });

  it("a pickle moves through a MessageChannel by transfer and loads there", async () => {
    const { port1, port2 } = new MessageChannel();
    try {
      const factor = 6;
      const bytes = dumpsSync({ mul: (x: number) => x * factor, n: 7 });
      const got = new Promise<Uint8Array>((resolve) => {
        port2.onmessage = (e) => resolve(e.data);
      });
      port1.postMessage(bytes, [bytes.buffer]);
      const { mul, n } = loadsSync<{ mul: (x: number) => number; n: number }>(await got);
      assert.equal(bytes.byteLength, 0);
      assert.equal(mul(n), 42);
    } finally {
      port1.close();
      port2.close();
    }
  });
});
