// dump and load over streams: framing, chunking, several pickles on one stream.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { dump, load, loadsSync } from "../mod.ts";
import {
  chunked,
  collector,
  concat,
  expectUnpicklingErrorAsync,
  prng,
  streamOf,
  streamRoundTrip,
} from "./helpers.ts";
import { assertGraphEqual } from "./equal.ts";
import { sampleValue } from "./fixtures/all.ts";

describe("streams", () => {
  const values = [{ first: 1 }, "second", [3, new Map([[3, 3]])], sampleValue(), null];

  async function bytesOfDumps(vs: unknown[]): Promise<{ all: Uint8Array; ends: number[] }> {
    const { sink, bytes } = collector();
    const ends: number[] = [];
    let total = 0;
    for (const v of vs) {
      const { sink: s1, bytes: b1 } = collector();
      await dump(v, s1);
      total += b1().length;
      ends.push(total);
      await dump(v, sink);
    }
    await sink.close();
    return { all: bytes(), ends };
  }

  async function readRest(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
    const parts: Uint8Array[] = [];
    const reader = stream.getReader();
    for (;;) {
      const r = await reader.read();
      if (r.done) break;
      parts.push(r.value);
    }
    return concat(...parts);
  }

  it("several dump() calls into one TransformStream, load() reads them one at a time", async () => {
    const out = await streamRoundTrip(values);
    assert.equal(out.length, values.length);
    for (let i = 0; i < values.length; i++) assertGraphEqual(out[i], values[i], `value ${i}`);
  });

  it("dump() writes a pickle loadsSync can read and does not close the sink", async () => {
    const { sink, bytes } = collector();
    await dump({ a: 1 }, sink);
    const w = sink.getWriter();
    await w.write(new Uint8Array([]));
    w.releaseLock();
    assert.deepEqual(loadsSync(bytes()), { a: 1 });
  });

  it("bytes of dump() can be re-chunked into 1-byte chunks", async () => {
    const { all } = await bytesOfDumps(values);
    const stream = streamOf(chunked(all, () => 1));
    for (let i = 0; i < values.length; i++) {
      assertGraphEqual(await load(stream), values[i], `value ${i}`);
    }
    assert.equal((await readRest(stream)).length, 0);
  });

  it("bytes re-chunked at random sizes (many seeds)", async () => {
    const { all } = await bytesOfDumps(values);
    for (let seed = 1; seed <= 25; seed++) {
      const rand = prng(seed);
      const max = [2, 7, 33, 200, 5000][seed % 5];
      const stream = streamOf(chunked(all, () => 1 + Math.floor(rand() * max)));
      for (let i = 0; i < values.length; i++) {
        assertGraphEqual(await load(stream), values[i], `seed ${seed} value ${i}`);
      }
    }
  });

  it("one chunk holding all pickles", async () => {
    const { all } = await bytesOfDumps(values);
    const stream = streamOf([all]);
    for (let i = 0; i < values.length; i++) assertGraphEqual(await load(stream), values[i]);
  });

  it("load() consumes exactly one pickle; the rest stays for the next calls", async () => {
    const { all } = await bytesOfDumps(values);
    for (const chunkSize of [1, 3, 64, all.length]) {
      const stream = streamOf(chunked(all, () => chunkSize));
      for (let i = 0; i < values.length; i++) {
        assertGraphEqual(await load(stream), values[i], `chunk size ${chunkSize}, value ${i}`);
      }
      // every byte belonged to one of the pickles: nothing is left, the lock is released
      assert.equal((await readRest(stream)).length, 0);
    }
  });

  it("stream ending mid-pickle throws UnpicklingError (every cut)", async () => {
    const { sink, bytes } = collector();
    await dump({ a: [1, "two"], b: 3n }, sink);
    const data = bytes();
    for (let n = 1; n < data.length; n++) {
      await expectUnpicklingErrorAsync(() => load(streamOf([data.slice(0, n)])));
      await expectUnpicklingErrorAsync(() => load(streamOf(chunked(data.slice(0, n), () => 1))));
    }
  });

  it("second pickle cut short after a complete first one", async () => {
    const { all, ends } = await bytesOfDumps(values.slice(0, 2));
    const stream = streamOf([all.slice(0, ends[0] + 3)]);
    assertGraphEqual(await load(stream), values[0]);
    await expectUnpicklingErrorAsync(() => load(stream));
  });

  it("a large value streams through a TransformStream", async () => {
    const big = { bytes: new Uint8Array(3 << 20).fill(5), text: "x".repeat(1 << 20) };
    const [out] = await streamRoundTrip([big]);
    assertGraphEqual(out, big);
  });

  it("streamed Blob and Promise (async-only values)", async () => {
    const v = { b: new Blob(["hey"]), p: Promise.resolve(4) };
    const [out] = await streamRoundTrip([v]) as Array<{ b: Blob; p: Promise<number> }>;
    assert.equal(await out.b.text(), "hey");
    assert.equal(await out.p, 4);
  });
});
