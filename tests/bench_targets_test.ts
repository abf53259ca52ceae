// The payloads and the fresh-source timing of the speed-target bench (bench/targets.ts).
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as v8 from "node:v8";
import { dumpsSync, loadsSync } from "../mod.ts";
import {
  checkInstances,
  classInstances,
  freshFunctions,
  FUNCTIONS_PER_MESSAGE,
  records10,
  stringMix,
} from "../bench/target_cases.ts";
import { timeFresh } from "../bench/fresh.ts";
import { type Codec, serializeJavascriptCodec } from "../bench/peers.ts";

describe("bench target payloads", () => {
  test("function messages never repeat a source text, and check() runs the functions", () => {
    const a = freshFunctions();
    const b = freshFunctions();
    const sources = [...a.value, ...b.value].map((f) => f.toString());
    assert.equal(a.value.length, FUNCTIONS_PER_MESSAGE);
    assert.equal(new Set(sources).size, 2 * FUNCTIONS_PER_MESSAGE);
    assert.equal(a.check(a.value), null);
    assert.match(a.check(b.value) ?? "", /wrong result/);
    assert.match(a.check([]) ?? "", /not an array/);
    // a round trip through the library keeps them running
    assert.equal(a.check(loadsSync(dumpsSync(a.value))), null);
  });

  test("class instances: ours keeps the method, node:v8 is reported as losing it", () => {
    const items = classInstances(50);
    assert.equal(checkInstances(items, loadsSync(dumpsSync(items))), null);
    assert.match(checkInstances(items, v8.deserialize(v8.serialize(items))) ?? "", /prototype/);
  });

  test("records have 10 fields; strings are 40 long and 10k short, half non-ASCII", () => {
    const recs = records10(100);
    assert.equal(recs.length, 100);
    for (const r of recs) assert.equal(Object.keys(r).length, 10);
    const strs = stringMix();
    assert.equal(strs.length, 10_040);
    assert.ok(strs.slice(0, 40).every((s) => s.length >= 2_000));
    assert.ok(strs.slice(40).every((s) => s.length >= 5 && s.length <= 60));
    // deno-lint-ignore no-control-regex
    const nonAscii = strs.filter((s) => /[^\x00-\x7f]/.test(s)).length;
    assert.equal(nonAscii, 5_020);
  });
});

describe("fresh-source timing", () => {
  test("times encode and decode of new messages, warm or new encodes", () => {
    const [warm, fresh] = timeFresh(
      [
        { codec: serializeJavascriptCodec, warmEncode: true },
        { codec: serializeJavascriptCodec, warmEncode: false },
      ],
      freshFunctions,
      10,
    );
    for (const r of [warm, fresh]) {
      assert.equal(r.error, undefined);
      assert.ok(r.encode && r.encode.msPerOp > 0 && r.encode.batches >= 5);
      assert.ok(r.decode && r.decode.msPerOp > 0 && r.decode.batches >= 5);
      assert.ok(r.size !== undefined && r.size > 1000);
    }
  });

  test("a codec that decodes wrongly is reported, not timed", () => {
    const wrong: Codec = { ...serializeJavascriptCodec, decode: () => [] };
    const [r] = timeFresh([{ codec: wrong, warmEncode: false }], freshFunctions, 5);
    assert.match(r.error ?? "", /decoded message is wrong/);
    assert.equal(r.encode, undefined);
  });
});
