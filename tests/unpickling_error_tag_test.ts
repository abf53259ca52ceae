// UnpicklingError.tag: the name of the tag whose value was being decoded when a load
// failed (for debugging), beside the byte offset; never in the message.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { FORMAT_VERSION, loads, loadsSync, UnpicklingError } from "../mod.ts";
import { concat, expectUnpicklingError, MAGIC, varint, withHeader } from "./helpers.ts";

const MAP = 0x79;
const ARRAY = 0x76;
const VIEW = 0x81;
const REGEXP = 0x7c;
const STR8 = 0x6b;
const REDUCE = 0x89;
const UNDEFINED = 0x60;
const RESERVED = 0xff;
/** A short string of one Latin-1 character. */
const char = (c: string) => [0x41, c.charCodeAt(0)];

/** A pickle of `body`, and the offset of the body's first byte. */
function pickle(body: number[]): { bytes: Uint8Array; start: number } {
  const b = new Uint8Array(body);
  const bytes = withHeader(b, FORMAT_VERSION, 0);
  return { bytes, start: bytes.length - b.length };
}

/** Loads `bytes`, which must fail, and returns the UnpicklingError. */
function failure(bytes: Uint8Array): UnpicklingError {
  const e = expectUnpicklingError(() => loadsSync(bytes), bytes);
  assert.ok(e.tag === undefined || !e.message.includes(e.tag), e.message);
  return e;
}

describe("UnpicklingError.tag", () => {
  it("a reserved byte as a Map entry's value names the map, at that byte", () => {
    const { bytes, start } = pickle([MAP, 1, ...char("k"), RESERVED]);
    const e = failure(bytes);
    assert.equal(e.tag, "MAP");
    assert.equal(e.offset, start + 4);
    assert.doesNotMatch(e.message, /MAP|0x|ff/i);
  });

  it("a truncated string as a Map entry's key names the map", () => {
    const { bytes, start } = pickle([MAP, 1, STR8, 10, 0x61]);
    const e = failure(bytes);
    assert.equal(e.tag, "MAP");
    assert.ok(e.offset > start + 2 && e.offset <= bytes.length, String(e.offset));
  });

  it("a failure inside a value's own operands names that value, not its container", () => {
    // An invalid regular expression inside a Map entry.
    const re = pickle([MAP, 1, ...char("k"), REGEXP, ...char("("), 0x40, 0]);
    const e = failure(re.bytes);
    assert.equal(e.tag, "REGEXP");
    assert.equal(e.offset, re.start + 4);
    // A view over a string, read after the view's operand (which is a value of its own).
    const view = pickle([ARRAY, 1, VIEW, 1, 0, ...char("x"), 0, 1]);
    const v = failure(view.bytes);
    assert.equal(v.tag, "VIEW");
    assert.equal(v.offset, view.start + 2);
  });

  it("after an inner container is done, its parent's tag is named again", () => {
    // [new Map(), <reserved>]: the map finished, the array is being filled.
    const { bytes, start } = pickle([ARRAY, 2, MAP, 0, RESERVED]);
    const e = failure(bytes);
    assert.equal(e.tag, "ARRAY");
    assert.equal(e.offset, start + 4);
  });

  it("a reduce call that fails once its operands are read names the reduce call", () => {
    // [reduce(1, [], undefined)]: its callable is no function.
    const { bytes, start } = pickle([ARRAY, 1, REDUCE, 0, 1, ARRAY, 0, UNDEFINED]);
    const e = failure(bytes);
    assert.equal(e.tag, "REDUCE");
    assert.equal(e.offset, start + 2);
  });

  it("outside any value (the header, bytes after the value) there is no tag", () => {
    assert.equal(
      failure(concat(MAGIC, new Uint8Array([FORMAT_VERSION + 1, 0]), varint(0))).tag,
      undefined,
    );
    assert.equal(failure(pickle([ARRAY, 0, 0]).bytes).tag, undefined);
  });

  it("the async loads reports the same tag and offset", async () => {
    const { bytes, start } = pickle([MAP, 1, ...char("k"), RESERVED]);
    await assert.rejects(loads(bytes), (e: unknown) => {
      assert.ok(e instanceof UnpicklingError);
      assert.equal(e.tag, "MAP");
      assert.equal(e.offset, start + 4);
      return true;
    });
  });

  it("the constructor takes a tag (undefined by default)", () => {
    assert.equal(new UnpicklingError("x", 3).tag, undefined);
    const e = new UnpicklingError("x", 3, { tag: "SET", cause: 1 });
    assert.equal(e.tag, "SET");
    assert.equal(e.cause, 1);
    assert.equal(e.message, "x (at byte 3)");
  });
});
