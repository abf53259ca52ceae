// The structured-clone battery (tests/battery/data_cases.ts): every data value the Web
// Platform Tests' structured-clone battery exercises, and the cases where structuredClone
// loses information, round-trip exactly in this process, through the other runtime and back.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { dumps, dumpsSync, loads, loadsSync } from "../mod.ts";
import { expectPicklingError } from "./helpers.ts";
import { DATA_CASES } from "./battery/data_cases.ts";
import { runBattery } from "./battery/harness.ts";

runBattery("structured-clone battery", "data", DATA_CASES);

const V8 = typeof (globalThis as { Bun?: unknown }).Bun === "undefined";

describe("the battery's refusals and documented exceptions", () => {
  it("an arguments object is refused with a remedy, not with a word about native code", () => {
    const args = (function (..._a: unknown[]) {
      return arguments;
    })(1, 2);
    const e = expectPicklingError(() => dumpsSync({ args }), "root.args.callee<get>");
    assert.match(e.message, /arguments object/);
    assert.match(e.message, /Array\.from\(arguments\)/);
  });

  it("V8: its accessor of an error's stack, copied onto a plain object, is refused", {
    skip: !V8,
  }, () => {
    const o = {};
    Object.defineProperty(o, "stack", Object.getOwnPropertyDescriptor(new Error("e"), "stack")!);
    const err = expectPicklingError(() => dumpsSync([o]), "root[0].stack<get>");
    assert.match(err.message, /stack as a string/);
  });

  it("a Proxy of a function is refused as a Proxy", () => {
    const e = expectPicklingError(() => dumpsSync({ p: new Proxy(() => 1, {}) }), "root.p");
    assert.match(e.message, /Proxy/);
  });

  it("named properties of typed arrays are not recorded (README), symbols are", () => {
    const s = Symbol.for("kept");
    const ta = Object.assign(new Uint8Array([1, 2]), { named: 1, [s]: 2 });
    const out = loadsSync<Uint8Array & Record<string | symbol, unknown>>(dumpsSync(ta));
    assert.deepEqual([...out], [1, 2]);
    assert.equal(out[s], 2);
    assert.equal(Object.hasOwn(out, "named"), false);
  });

  it("a Blob's MIME type comes back as written, also where Bun rewrites known types", async () => {
    for (const type of ["text/plain", "application/json", "application/javascript", "image/png"]) {
      // Bun makes "text/plain;charset=utf-8" of "text/plain", but keeps "TEXT/PLAIN" lowercased.
      const blob = new Blob(["x"], { type: type.toUpperCase() });
      const file = new File(["y"], "f", { type: type.toUpperCase() });
      assert.equal(blob.type, type);
      const [b, f] = await loads<[Blob, File]>(await dumps([blob, file]));
      assert.equal(b.type, type);
      assert.equal(f.type, type);
      assert.equal(await b.text(), "x");
      assert.equal(await f.text(), "y");
    }
    const bunStyle = "text/plain;charset=utf-8";
    assert.equal((await loads<Blob>(await dumps(new Blob([], { type: bunStyle })))).type, bunStyle);
  });
});
