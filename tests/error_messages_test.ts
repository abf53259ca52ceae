// Every failure speaks one grammar: what could not be done ("cannot ..."), then why, then the
// remedy for the runtime the user is on, and never a name of the wire format (a tag's name
// such as FUNCTION or PROTOTYPES, a hex tag code). Wrong arguments to the API are TypeErrors;
// problems with values are PickleErrors: PicklingError with the value's path, UnpicklingError
// with the byte offset. One table of failing cases checks class, place and grammar.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { dump, PickleError, PicklingError, UnpicklingError } from "../mod.ts";
import * as T from "../lib/format/tags.ts";
import { TAG_NAMES as DECODED_TAG_NAMES } from "../lib/pickle/decode_table.ts";
import { collector, runJSON } from "./helpers.ts";
import { API, PICKLING, type Row } from "./error_messages/rows.ts";
import { emptyDir, LOADING } from "./error_messages/loading.ts";

/** Names of the wire format's tags (their values are tag bytes), which messages never show. */
const TAG_NAMES = Object.entries(T)
  .filter(([name, v]) => typeof v === "number" && v >= T.SHORT_STRING && /^[A-Z0-9_]+$/.test(name))
  .map(([name]) => name);
const TAG_NAME = new RegExp(`\\b(${TAG_NAMES.join("|")})\\b`);
const HEX = /\b0x[0-9a-f]+\b/i;

/** Why `message` breaks the grammar, or "" when it keeps it. */
function grammarProblem(message: string): string {
  if (!/^cannot [a-z]/.test(message)) return "does not start with what could not be done";
  if (!/^cannot [^:]+: \S/.test(message)) return "does not say why after a colon";
  const tag = TAG_NAME.exec(message);
  if (tag !== null) return `names the tag ${tag[1]}`;
  const hex = HEX.exec(message);
  if (hex !== null) return `shows the code ${hex[0]}`;
  return "";
}

async function failure(run: () => unknown): Promise<unknown> {
  try {
    await run();
  } catch (e) {
    return e;
  }
  assert.fail("expected an error, got a value");
}

function checkRow(row: Row, e: unknown): void {
  const expected = row.kind === "TypeError"
    ? TypeError
    : row.kind === "PicklingError"
    ? PicklingError
    : UnpicklingError;
  assert.ok(e instanceof expected, `${row.name}: a ${row.kind}, got ${String(e)}`);
  if (row.kind === "TypeError") {
    assert.ok(!(e instanceof PickleError), `${row.name}: a TypeError, not a PickleError`);
  }
  if (e instanceof UnpicklingError && e.tag !== undefined) {
    // The tag it failed in is a field for debugging, named as the format names it.
    assert.ok(DECODED_TAG_NAMES.includes(e.tag), `${row.name}: tag ${e.tag}`);
  }
  const message = (e as Error).message;
  if (row.path !== undefined) assert.equal((e as PicklingError).path, row.path, message);
  if (row.offset !== undefined) {
    const at = (e as UnpicklingError).offset;
    if (typeof row.offset === "number") assert.equal(at, row.offset, message);
    else assert.ok(row.offset(at), `${row.name}: offset ${at}: ${message}`);
  }
  if (row.says !== undefined) assert.match(message, row.says);
  const problem = grammarProblem(message);
  assert.equal(problem, "", `${row.name}: the message ${problem}: ${message}`);
}

for (
  const [group, rows] of [["pickling", PICKLING], ["loading", LOADING], [
    "API misuse",
    API,
  ]] as const
) {
  describe(`error messages: ${group}`, () => {
    for (const row of rows) {
      it(row.name, async () => checkRow(row, await failure(row.run)));
    }
  });
}

describe("error messages: the grammar itself", () => {
  it("the tag names and codes it looks for are the format's", () => {
    assert.ok(TAG_NAMES.includes("FUNCTION") && TAG_NAMES.includes("PROTOTYPES"));
    assert.match(grammarProblem("cannot load the pickle: unknown PROTOTYPES entry"), /tag/);
    assert.match(grammarProblem("cannot load the pickle: unknown tag 0x93"), /code/);
    assert.match(grammarProblem("truncated pickle"), /what could not be done/);
    assert.equal(grammarProblem("cannot load the pickle: it is truncated; pass it all"), "");
  });

  it("a dump to a stream refuses as dumps does", async () => {
    const { sink } = collector();
    const e = await failure(() => dump({ w: new WeakRef({}) }, sink));
    assert.ok(e instanceof PicklingError);
    assert.equal(e.path, "root.w");
  });

  it("an unreadable closure names the remedy for the runtime (Bun without the preload)", () => {
    const out = runJSON<Record<string, string>>("bun", ["tests/instrumented/unreadable.mjs"]);
    for (const form of ["closureSync", "closureAsync"]) {
      const message = out[form].replace(/^PicklingError: /, "");
      assert.equal(grammarProblem(message), "", message);
      assert.match(message, /bun --preload/);
    }
  });

  it("an unreadable closure names the remedy for the runtime (Deno without --allow-sys)", () => {
    const out = runJSON<Record<string, string>>("deno", [
      "run",
      "--allow-read",
      "--allow-env",
      "tests/instrumented/unreadable.mjs",
    ]);
    for (const form of ["closureSync", "closureAsync"]) {
      const message = out[form].replace(/^PicklingError: /, "");
      assert.equal(grammarProblem(message), "", message);
      assert.match(message, /--allow-sys/);
    }
  });

  it("cleans up", () => {
    rmSync(emptyDir, { recursive: true, force: true });
  });
});
