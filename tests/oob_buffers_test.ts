// Out-of-band buffers: bufferCallback on dumping, LoadOptions.buffers on loading.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { dump, dumpsSync, load, loads, loadsSync } from "../mod.ts";
import {
  collector,
  expectUnpicklingError,
  expectUnpicklingErrorAsync,
  streamOf,
} from "./helpers.ts";

describe("out-of-band buffers", () => {
  function collect(ret: unknown = false) {
    const bufs: ArrayBuffer[] = [];
    const cb = (b: ArrayBuffer) => {
      bufs.push(b);
      return ret;
    };
    return { bufs, cb };
  }

  it("falsy return keeps buffers out of band", async () => {
    const big = new Uint8Array(100_000).fill(7);
    const { bufs, cb } = collect(false);
    const data = dumpsSync({ a: big }, { bufferCallback: cb });
    assert.equal(bufs.length, 1);
    assert.ok(bufs[0] instanceof ArrayBuffer);
    assert.equal(bufs[0].byteLength, 100_000);
    assert.ok(data.length < 1000, `pickle is small (${data.length} bytes)`);
    const supplied = bufs.map((b) => b.slice(0));
    const out = loadsSync(data, { buffers: supplied }) as { a: Uint8Array };
    assert.ok(out.a instanceof Uint8Array);
    assert.equal(out.a.buffer, supplied[0], ".buffer is the supplied ArrayBuffer");
    assert.equal(out.a.length, 100_000);
    assert.equal(out.a[99_999], 7);
    const outAsync = await loads(data, { buffers: supplied.map((b) => b.slice(0)) }) as {
      a: Uint8Array;
    };
    assert.equal(outAsync.a[0], 7);
  });

  it("truthy return writes buffers in band", () => {
    const big = new Uint8Array(50_000).fill(1);
    const { bufs, cb } = collect(true);
    const data = dumpsSync([big], { bufferCallback: cb });
    assert.equal(bufs.length, 1);
    assert.ok(data.length > 50_000);
    const out = loadsSync(data) as Uint8Array[];
    assert.equal(out[0][49_999], 1);
  });

  it("mixed in-band and out-of-band keep order, views over one buffer share it", () => {
    const b1 = new Uint8Array([1, 1, 1, 1]).buffer;
    const b2 = new Uint8Array([2, 2]).buffer;
    const b3 = new Uint8Array([3, 3, 3]).buffer;
    let n = 0;
    const seen: ArrayBuffer[] = [];
    const data = dumpsSync(
      {
        x: new Uint8Array(b1),
        y: new Uint8Array(b2),
        z: new DataView(b3),
        x2: new Int8Array(b1, 1),
      },
      {
        bufferCallback: (b) => {
          seen.push(b);
          return n++ === 1; // second buffer in band
        },
      },
    );
    assert.equal(seen.length, 3, "each distinct buffer reported once");
    const oob = seen.filter((_, i) => i !== 1).map((b) => b.slice(0));
    const out = loadsSync(data, { buffers: oob }) as {
      x: Uint8Array;
      y: Uint8Array;
      z: DataView;
      x2: Int8Array;
    };
    const byContent = (b: ArrayBuffer) => new Uint8Array(b)[0];
    assert.deepEqual([...out.x], [1, 1, 1, 1]);
    assert.deepEqual([...out.y], [2, 2]);
    assert.equal(out.z.getUint8(2), 3);
    assert.equal(out.x.buffer, out.x2.buffer);
    for (const b of oob) {
      const which = byContent(b);
      const view = which === 1 ? out.x : which === 3 ? out.z : undefined;
      if (view) assert.equal(view.buffer, b);
    }
  });

  it("buffers may be given as ArrayBufferViews", () => {
    const { bufs, cb } = collect(false);
    const data = dumpsSync(new Uint16Array([1, 2, 3]), { bufferCallback: cb });
    const out = loadsSync(data, { buffers: bufs.map((b) => new Uint8Array(b.slice(0))) });
    assert.ok(out instanceof Uint16Array);
    assert.deepEqual([...out], [1, 2, 3]);
  });

  it("buffers may be any iterable", () => {
    const { bufs, cb } = collect(false);
    const data = dumpsSync([new Uint8Array([9])], { bufferCallback: cb });
    function* gen() {
      yield* bufs;
    }
    assert.deepEqual([...(loadsSync(data, { buffers: gen() }) as Uint8Array[])[0]], [9]);
  });

  it("out-of-band buffers through dump/load streams", async () => {
    const { bufs, cb } = collect(false);
    const { sink, bytes } = collector();
    await dump({ a: new Uint8Array([5, 6, 7]) }, sink, { bufferCallback: cb });
    assert.equal(bufs.length, 1);
    const supplied = bufs.map((b) => b.slice(0));
    const out = await load(streamOf([bytes()]), { buffers: supplied }) as { a: Uint8Array };
    assert.equal(out.a.buffer, supplied[0]);
    assert.deepEqual([...out.a], [5, 6, 7]);
  });

  it("missing buffers throw UnpicklingError", async () => {
    const { bufs, cb } = collect(false);
    const data = dumpsSync([new Uint8Array(8), new Uint8Array(8)], { bufferCallback: cb });
    assert.equal(bufs.length, 2);
    expectUnpicklingError(() => loadsSync(data));
    expectUnpicklingError(() => loadsSync(data, { buffers: [] }));
    expectUnpicklingError(() => loadsSync(data, { buffers: [bufs[0]] }));
    await expectUnpicklingErrorAsync(() => loads(data));
  });

  it("a resizable buffer written in band keeps its resizability", () => {
    const rab = new ArrayBuffer(4, { maxByteLength: 8 });
    const seen: ArrayBuffer[] = [];
    const data = dumpsSync({ rab }, {
      bufferCallback: (b) => {
        seen.push(b);
        return true;
      },
    });
    const out = loadsSync(data) as { rab: ArrayBuffer };
    assert.equal(out.rab.resizable, true);
    assert.equal(out.rab.maxByteLength, 8);
  });
});
