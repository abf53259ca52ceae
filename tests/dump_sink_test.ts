// dump() calls on one sink write one pickle after the other, in call order, however their
// dumps interleave; load() reads them back in that order.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { dump, load } from "../mod.ts";

describe("dump to one sink from several calls", () => {
  it("concurrent dump() calls on one stream do not collide, and load back in order", async () => {
    const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
    const values = ["first", { second: [2] }, Promise.resolve(3), new Blob(["4"]), 5];
    const writes = Promise.all(values.map((v) => dump(v, writable)));
    const out: unknown[] = [];
    for (let i = 0; i < values.length; i++) out.push(await load(readable));
    await writes;
    assert.equal(out[0], "first");
    assert.deepEqual(out[1], { second: [2] });
    assert.equal(await out[2], 3);
    assert.equal(await (out[3] as Blob).text(), "4");
    assert.equal(out[4], 5);
  });
});
