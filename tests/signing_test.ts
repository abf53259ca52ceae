// Signing (HMAC-SHA-256): signed pickles verify and load, tampered or unsigned ones are
// refused, in every form (bytes, streams, Pickler/Unpickler).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { dump, dumps, dumpsSync, load, loads, loadsSync, Pickler, Unpickler } from "../mod.ts";
import {
  collector,
  expectUnpicklingErrorAsync,
  parseHeader,
  streamOf,
  streamRoundTrip,
} from "./helpers.ts";
import { assertGraphEqual } from "./equal.ts";
import { sampleValue } from "./fixtures/all.ts";

async function hmacKey(bytes: Uint8Array): Promise<CryptoKey> {
  return await crypto.subtle.importKey(
    "raw",
    bytes as Uint8Array<ArrayBuffer>,
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign", "verify"],
  );
}

const KEY_BYTES = new Uint8Array(32).map((_, i) => i * 7 + 1);
const OTHER_KEY_BYTES = new Uint8Array(32).map((_, i) => i * 7 + 2);

describe("signing (HMAC-SHA-256)", () => {
  it("sign and verify with a Uint8Array key", async () => {
    const v = sampleValue();
    const data = await dumps(v, { signingKey: KEY_BYTES });
    assertGraphEqual(await loads(data, { signingKey: KEY_BYTES }), v);
  });

  it("sign and verify with a CryptoKey", async () => {
    const key = await hmacKey(KEY_BYTES);
    const data = await dumps({ a: [1, 2] }, { signingKey: key });
    assert.deepEqual(await loads(data, { signingKey: key }), { a: [1, 2] });
  });

  it("a CryptoKey and the same raw bytes are interchangeable", async () => {
    const key = await hmacKey(KEY_BYTES);
    const data = await dumps("x", { signingKey: KEY_BYTES });
    assert.equal(await loads(data, { signingKey: key }), "x");
  });

  it("the header length counts body plus a 32-byte trailer", async () => {
    const v = { some: "value", n: [1, 2, 3] };
    const plain = await dumps(v);
    const signed = await dumps(v, { signingKey: KEY_BYTES });
    const hp = parseHeader(plain);
    const hs = parseHeader(signed);
    assert.equal(hs.length, hp.length + 32);
    assert.equal(hs.bodyStart + hs.length, signed.length);
    assert.notEqual(hs.flags, hp.flags, "flags mark the pickle as signed");
  });

  it("a wrong key is refused", async () => {
    const data = await dumps({ a: 1 }, { signingKey: KEY_BYTES });
    await expectUnpicklingErrorAsync(() => loads(data, { signingKey: OTHER_KEY_BYTES }), data);
    const other = await hmacKey(OTHER_KEY_BYTES);
    await expectUnpicklingErrorAsync(() => loads(data, { signingKey: other }), data);
  });

  it("every tampered byte is refused", async () => {
    const data = await dumps({ a: [1, "two", 3n], b: new Map([[1, 2]]) }, {
      signingKey: KEY_BYTES,
    });
    for (let i = 0; i < data.length; i++) {
      for (const mask of [0x01, 0x80]) {
        const bad = data.slice();
        bad[i] ^= mask;
        await expectUnpicklingErrorAsync(() => loads(bad, { signingKey: KEY_BYTES }), bad);
      }
    }
  });

  it("every truncation of a signed pickle is refused", async () => {
    const data = await dumps([1, 2, 3], { signingKey: KEY_BYTES });
    for (let n = 0; n < data.length; n++) {
      const cut = data.slice(0, n);
      await expectUnpicklingErrorAsync(() => loads(cut, { signingKey: KEY_BYTES }), cut);
    }
  });

  it("a key given for an unsigned pickle is refused", async () => {
    const data = await dumps({ a: 1 });
    await expectUnpicklingErrorAsync(() => loads(data, { signingKey: KEY_BYTES }), data);
  });

  it("sync forms with a signing key throw a TypeError, pointing to the async form", () => {
    assert.throws(
      () => dumpsSync(1, { signingKey: KEY_BYTES }),
      (e) => e instanceof TypeError && /use dumps or dump/.test(e.message),
    );
    const data = dumpsSync(1);
    assert.throws(
      () => loadsSync(data, { signingKey: KEY_BYTES }),
      (e) => e instanceof TypeError && /use loads or load/.test(e.message),
    );
  });

  it("Pickler/Unpickler with a signing key", async () => {
    const p = new Pickler({ signingKey: KEY_BYTES });
    const u = new Unpickler({ signingKey: KEY_BYTES });
    const data = await p.dumps({ z: 1 });
    assert.deepEqual(await u.loads(data), { z: 1 });
    assert.throws(() => p.dumpsSync({ z: 1 }), TypeError);
    assert.throws(() => u.loadsSync(data), TypeError);
  });

  it("signed pickles through dump/load streams", async () => {
    const values = [{ a: 1 }, "b", [3]];
    const out = await streamRoundTrip(values, { signingKey: KEY_BYTES }, {
      signingKey: KEY_BYTES,
    });
    assert.deepEqual(out, values);
  });

  it("a tampered signed pickle in a stream is refused", async () => {
    const { sink, bytes } = collector();
    await dump({ a: "payload" }, sink, { signingKey: KEY_BYTES });
    const data = bytes();
    data[data.length - 40] ^= 0x10;
    await expectUnpicklingErrorAsync(() => load(streamOf([data]), { signingKey: KEY_BYTES }));
  });
});
