import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { dumps, dumpsSync, loads, PicklingError } from "../mod.ts";
import { expectPicklingError, roundTripAsync, runFixtures } from "./helpers.ts";
import { binaryFixtures } from "./fixtures/binary.ts";

describe("binary data round-trips (sync, async, stream)", () => {
  runFixtures(binaryFixtures);
});

describe("Blob and File (async forms only)", () => {
  async function bytesOf(b: Blob): Promise<number[]> {
    return [...new Uint8Array(await b.arrayBuffer())];
  }

  it("Blob keeps type, size and bytes", async () => {
    const input = new Blob([new Uint8Array([1, 2, 3]), "é"], { type: "application/x-test" });
    const r = await roundTripAsync(input);
    for (const out of [r.async, r.stream]) {
      assert.ok(out instanceof Blob, "is a Blob");
      assert.ok(!(out instanceof File), "is not a File");
      assert.equal(out.type, "application/x-test");
      assert.equal(out.size, 5);
      assert.deepEqual(await bytesOf(out), [1, 2, 3, 0xc3, 0xa9]);
    }
  });

  it("empty Blob", async () => {
    const out = await loads(await dumps(new Blob([])));
    assert.ok(out instanceof Blob);
    assert.equal(out.size, 0);
    assert.equal(out.type, "");
  });

  it("File keeps name, lastModified, type and bytes", async () => {
    const input = new File(["hello"], "greeting.txt", {
      type: "text/plain",
      lastModified: 1_700_000_000_123,
    });
    const r = await roundTripAsync({ f: input, again: input });
    for (const o of [r.async, r.stream]) {
      const { f, again } = o as { f: File; again: File };
      assert.ok(f instanceof File, "is a File");
      assert.equal(f.name, "greeting.txt");
      assert.equal(f.lastModified, 1_700_000_000_123);
      assert.equal(f.type, input.type);
      assert.equal(await f.text(), "hello");
      assert.equal(again, f, "shared File stays shared");
    }
  });

  it("dumpsSync of a Blob throws PicklingError mentioning the async form", () => {
    const e = expectPicklingError(() => dumpsSync({ b: new Blob(["x"]) }), "root.b");
    assert.match(e.message, /async|\bdumps\b|\bawait\b/i);
  });

  it("dumpsSync of a File throws PicklingError", () => {
    expectPicklingError(() => dumpsSync([new File(["x"], "x")]), "root[0]");
  });

  it("PicklingError is thrown, not a generic error, for a Blob nested deep", () => {
    try {
      dumpsSync({ a: [{ b: new Blob([]) }] });
      assert.fail("expected an error");
    } catch (e) {
      assert.ok(e instanceof PicklingError);
      assert.equal(e.path, "root.a[0].b");
    }
  });
});

describe("Promise (async forms only)", () => {
  it("dumps of a resolved promise loads as a Promise resolving to an equal value", async () => {
    const input = { p: Promise.resolve({ x: [1, 2] }) };
    const r = await roundTripAsync(input);
    for (const o of [r.async, r.stream]) {
      const p = (o as { p: unknown }).p;
      assert.ok(p instanceof Promise, "loads as a Promise");
      assert.deepEqual(await p, { x: [1, 2] });
    }
  });
});
