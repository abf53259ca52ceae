// Buffers and views given another prototype (a class's, a plain object's): they keep their
// internal slots, so they pickle as what they are, with their bytes, lengths and prototype;
// nothing is read through the foreign prototype (which may define getters of the same names).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { types } from "node:util";
import { dumps, dumpsSync, loads, loadsSync } from "../mod.ts";

class Order {
  id = 1;
  total(): number {
    return this.id * 10;
  }
}

const abLength = Object.getOwnPropertyDescriptor(ArrayBuffer.prototype, "byteLength")!.get!;
const sabLength = Object.getOwnPropertyDescriptor(SharedArrayBuffer.prototype, "byteLength")!
  .get!;
const TYPED = Object.getPrototypeOf(Uint8Array.prototype);
const typedBuffer = Object.getOwnPropertyDescriptor(TYPED, "buffer")!.get!;
const typedOffset = Object.getOwnPropertyDescriptor(TYPED, "byteOffset")!.get!;
const typedLength = Object.getOwnPropertyDescriptor(TYPED, "length")!.get!;
const typedName = Object.getOwnPropertyDescriptor(TYPED, Symbol.toStringTag)!.get!;
const dvBuffer = Object.getOwnPropertyDescriptor(DataView.prototype, "buffer")!.get!;
const dvLength = Object.getOwnPropertyDescriptor(DataView.prototype, "byteLength")!.get!;
const dvOffset = Object.getOwnPropertyDescriptor(DataView.prototype, "byteOffset")!.get!;

const bytes = (b: ArrayBufferLike, offset = 0, length?: number) =>
  Array.from(new Uint8Array(b, offset, length));

/** A prototype whose getters and methods must never be used by the pickler. */
function trap(): { proto: object; reads: string[] } {
  const reads: string[] = [];
  const proto: Record<string, unknown> = {};
  for (
    const name of [
      "byteLength",
      "byteOffset",
      "buffer",
      "length",
      "resizable",
      "growable",
      "maxByteLength",
      "detached",
      "BYTES_PER_ELEMENT",
    ]
  ) {
    Object.defineProperty(proto, name, {
      get() {
        reads.push(name);
        return 3;
      },
      enumerable: false,
      configurable: true,
    });
  }
  return { proto, reads };
}

describe("buffers and views with another prototype", () => {
  for (const form of ["sync", "async"] as const) {
    const roundTrip = form === "sync"
      ? (v: unknown) => loadsSync(dumpsSync(v))
      : async (v: unknown) => await loads(await dumps(v));

    it(`an ArrayBuffer given a class's prototype keeps its bytes and the class (${form})`, async () => {
      const ab = new Uint8Array([1, 2, 3, 250]).buffer;
      Object.setPrototypeOf(ab, Order.prototype);
      const out = await roundTrip([new Order(), ab, ab]) as [Order, ArrayBuffer, ArrayBuffer];
      assert.ok(types.isArrayBuffer(out[1]));
      assert.equal(Object.getPrototypeOf(out[1]), Order.prototype);
      assert.equal(out[1], out[2], "one buffer, referenced twice");
      assert.equal(abLength.call(out[1]), 4);
      assert.deepEqual(bytes(out[1]), [1, 2, 3, 250]);
      assert.equal((out[1] as unknown as Order).total(), NaN);
    });

    it(`a resizable ArrayBuffer and a growable SharedArrayBuffer keep their maximum (${form})`, async () => {
      const ab = new ArrayBuffer(3, { maxByteLength: 16 });
      new Uint8Array(ab).set([7, 8, 9]);
      const sab = new SharedArrayBuffer(2, { maxByteLength: 8 } as never);
      new Uint8Array(sab).set([5, 6]);
      const { proto } = trap();
      Object.setPrototypeOf(ab, proto);
      Object.setPrototypeOf(sab, proto);
      const out = await roundTrip({ ab, sab, proto }) as Record<string, ArrayBuffer>;
      assert.equal(Object.getPrototypeOf(out.ab), out.proto);
      assert.equal(Object.getPrototypeOf(out.sab), out.proto);
      assert.ok(types.isArrayBuffer(out.ab) && types.isSharedArrayBuffer(out.sab));
      assert.deepEqual(bytes(out.ab), [7, 8, 9]);
      assert.deepEqual(bytes(out.sab), [5, 6]);
      ArrayBuffer.prototype.resize.call(out.ab, 16);
      assert.equal(abLength.call(out.ab), 16, "still resizable to the same maximum");
      if ("grow" in SharedArrayBuffer.prototype) {
        (SharedArrayBuffer.prototype as unknown as { grow(n: number): void }).grow.call(out.sab, 8);
        assert.equal(sabLength.call(out.sab), 8);
      }
    });

    it(`typed arrays and DataViews given another prototype keep kind, window and bytes (${form})`, async () => {
      const shared = new Uint8Array([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]).buffer;
      const f64 = new Float64Array([1.5, -2.25]);
      const u16 = new Uint16Array(shared, 2, 3);
      const dv = new DataView(shared, 4, 8);
      const { proto, reads } = trap();
      for (const v of [f64, u16, dv]) Object.setPrototypeOf(v, proto);
      Object.setPrototypeOf(shared, Order.prototype);
      const out = await roundTrip([f64, u16, dv, proto]) as [object, object, object, object];
      assert.deepEqual(reads, [], "no getter of the foreign prototype was called");
      const [f, u, d, p] = out;
      for (const v of [f, u, d]) assert.equal(Object.getPrototypeOf(v), p);
      assert.equal(typedName.call(f), "Float64Array");
      assert.deepEqual(
        Array.from(new Float64Array(typedBuffer.call(f) as ArrayBuffer)),
        [1.5, -2.25],
      );
      assert.equal(typedName.call(u), "Uint16Array");
      assert.equal(typedOffset.call(u), 2);
      assert.equal(typedLength.call(u), 3);
      assert.ok(types.isDataView(d));
      assert.equal(dvOffset.call(d), 4);
      assert.equal(dvLength.call(d), 8);
      const buf = typedBuffer.call(u) as ArrayBuffer;
      assert.equal(dvBuffer.call(d), buf, "the two views still share one buffer");
      assert.equal(Object.getPrototypeOf(buf), Order.prototype);
      assert.deepEqual(bytes(buf), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
    });
  }

  it("the buffer under a view keeps its own properties and integrity", () => {
    const ab = new ArrayBuffer(4);
    Object.assign(ab, { tag: "under a view" });
    Object.preventExtensions(ab);
    const out = loadsSync(dumpsSync([new Uint8Array(ab, 1, 2), ab])) as [Uint8Array, ArrayBuffer];
    assert.equal(out[0].buffer, out[1]);
    assert.equal((out[1] as unknown as { tag: string }).tag, "under a view");
    assert.equal(Object.isExtensible(out[1]), false);
    assert.equal(out[0].byteOffset, 1);
    assert.equal(out[0].length, 2);
  });

  it("a reparented view in a Deno and a Bun process loads back here with its bytes", () => {
    const root = fileURLToPath(new URL("..", import.meta.url));
    const script = `
      import { dumpsSync, loadsSync } from "${root}mod.ts";
      class Tag {}
      const input = Uint8Array.fromBase64(process.argv.at(-1));
      const [u8, ab] = loadsSync(input);
      // prove the types there, then send them back with one more byte each
      const n = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(Uint8Array.prototype), "length").get.call(u8);
      const grown = new Uint8Array(n + 1); grown.set(new Uint8Array(Object.getOwnPropertyDescriptor(Object.getPrototypeOf(Uint8Array.prototype), "buffer").get.call(u8)));
      grown[n] = 99;
      Object.setPrototypeOf(grown, Object.getPrototypeOf(u8));
      process.stdout.write(dumpsSync([grown, ab]).toBase64());
    `;
    const u8 = new Uint8Array([4, 5, 6]);
    const ab = new Uint8Array([1]).buffer;
    Object.setPrototypeOf(u8, Order.prototype);
    Object.setPrototypeOf(ab, Order.prototype);
    const payload = dumpsSync([u8, ab]).toBase64();
    for (
      const cmd of [
        ["deno", "eval", "--ext=ts", script, payload],
        ["bun", "-e", script, payload],
      ]
    ) {
      const r = spawnSync(`${root}node_modules/.bin/${cmd[0]}`, cmd.slice(1), {
        encoding: "utf8",
        timeout: 60_000,
      });
      assert.equal(r.status, 0, `${cmd[0]}: ${r.stderr}`);
      const [grown, back] = loadsSync(Uint8Array.fromBase64(r.stdout.trim())) as [object, object];
      assert.equal(Object.getPrototypeOf(grown), Order.prototype, cmd[0]);
      assert.deepEqual(bytes(typedBuffer.call(grown) as ArrayBuffer), [4, 5, 6, 99]);
      assert.equal(Object.getPrototypeOf(back), Order.prototype);
      assert.deepEqual(bytes(back as ArrayBuffer), [1]);
    }
  });
});
