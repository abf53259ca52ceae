// Every failure speaks one grammar: what could not be done ("cannot ..."), then why, then the
// remedy for the runtime the user is on, and never a name of the wire format (a tag's name
// such as FUNCTION or PROTOTYPES, a hex tag code). Wrong arguments to the API are TypeErrors;
// problems with values are PickleErrors: PicklingError with the value's path, UnpicklingError
// with the byte offset. One table of failing cases checks class, place and grammar.
//
// PENDING_GRAMMAR names the rows whose message is raised in a file being rewritten elsewhere
// (the walk, the build, the code and runtime adapters): their class and place are checked,
// their grammar once those files speak it.

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  closure,
  dump,
  dumps,
  dumpsSync,
  FORMAT_VERSION,
  load,
  loads,
  loadsSync,
  PickleError,
  Pickler,
  PicklingError,
  reduce,
  registerModule,
  Unpickler,
  UnpicklingError,
} from "../mod.ts";
import * as T from "../lib/format/tags.ts";
import * as shapes from "./modules/shapes.ts";
import {
  collector,
  concat,
  nestedArray,
  runJSON,
  streamOf,
  varint,
  withHeader,
} from "./helpers.ts";

type Kind = "TypeError" | "PicklingError" | "UnpicklingError";

interface Row {
  /** What is tried, in words. */
  name: string;
  /** Throws (or rejects) with the error under test. */
  run: () => unknown;
  kind: Kind;
  /** PicklingError: the value's path. */
  path?: string;
  /** UnpicklingError: the byte offset, or a check of it. */
  offset?: number | ((n: number) => boolean);
  /** Words the "why" or the remedy must hold (the remedy, where there is one). */
  says?: RegExp;
}

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

const KEY = new Uint8Array(32).fill(7);
const OTHER_KEY = new Uint8Array(32).fill(9);
const plain = () => dumpsSync({ a: [1, 2, 3], s: "text" });
const withByte = (p: Uint8Array, at: number, b: number) => {
  const q = p.slice();
  q[at] = b;
  return q;
};
const body = (...bytes: (number | Uint8Array)[]) =>
  withHeader(
    concat(...bytes.map((b) => typeof b === "number" ? new Uint8Array([b]) : b)),
    FORMAT_VERSION,
    0,
  );
function* gen() {
  yield 1;
}
const emptyDir = mkdtempSync(join(tmpdir(), "cloudpickle-messages-"));

const PICKLING: Row[] = [
  {
    name: "a WeakMap",
    run: () => dumpsSync({ a: [new WeakMap()] }),
    kind: "PicklingError",
    path: "root.a[0]",
  },
  {
    name: "a WeakRef",
    run: () => dumpsSync({ r: new WeakRef({}) }),
    kind: "PicklingError",
    path: "root.r",
  },
  {
    name: "a generator object",
    run: () => dumpsSync([gen()]),
    kind: "PicklingError",
    path: "root[0]",
  },
  {
    name: "a Proxy",
    run: () => dumpsSync({ p: new Proxy({}, {}) }),
    kind: "PicklingError",
    path: "root.p",
  },
  {
    name: "a Promise in the sync form",
    run: () => dumpsSync({ p: Promise.resolve(1) }),
    kind: "PicklingError",
    path: "root.p",
    says: /dumps/,
  },
  {
    name: "a native function not reachable by name",
    run: () => dumpsSync({ f: Object.getOwnPropertyDescriptor(Map.prototype, "size")!.get }),
    kind: "PicklingError",
    path: "root.f",
  },
  {
    name: "a built-in with internal state",
    run: () => dumpsSync({ t: new TextEncoder() }),
    kind: "PicklingError",
    path: "root.t",
  },
  {
    name: "a WeakMap under a symbol key",
    run: () => dumpsSync({ [Symbol("k")]: new WeakMap() }),
    kind: "PicklingError",
    path: "root[Symbol(k)]",
  },
  {
    name: "a reduce result that is not an array",
    run: () => dumpsSync({ x: { [reduce]: () => 42 } }),
    kind: "PicklingError",
    path: "root.x",
  },
  {
    name: "a reduce result whose callable is not a function",
    run: () => dumpsSync({ x: { [reduce]: () => [3, []] } }),
    kind: "PicklingError",
    path: "root.x",
  },
  {
    name: "a reduce method that throws",
    run: () =>
      dumpsSync({
        x: {
          [reduce]: () => {
            throw new Error("no");
          },
        },
      }),
    kind: "PicklingError",
    path: "root.x",
  },
  {
    name: "a resource: an open timer",
    run: () => {
      const t = setTimeout(() => {}, 1e6);
      try {
        return dumpsSync({ t });
      } finally {
        clearTimeout(t);
      }
    },
    kind: "PicklingError",
    path: "root.t",
    says: /pickle the data it gives/,
  },
  {
    name: "a view out of the bounds of its shrunk buffer",
    run: () => {
      const buffer = new ArrayBuffer(8, { maxByteLength: 16 });
      const v = new Uint8Array(buffer, 4, 4);
      buffer.resize(2);
      return dumpsSync({ v });
    },
    kind: "PicklingError",
    path: "root.v",
    says: /resize the buffer back/,
  },
  {
    name: "a signing key in the sync form",
    run: () => dumpsSync(1, { signingKey: KEY }),
    kind: "TypeError",
    says: /use dumps or dump/,
  },
  {
    name: "an empty signing key",
    run: () => dumps(1, { signingKey: new Uint8Array(0) }),
    kind: "TypeError",
    says: /give the key's bytes/,
  },
  {
    name: "a signing key that is a string",
    run: () => dumps(1, { signingKey: "secret" as never }),
    kind: "TypeError",
    says: /give a Uint8Array or an HMAC CryptoKey/,
  },
  {
    name: "several signing keys to sign with",
    run: () => dumps(1, { signingKey: [KEY, OTHER_KEY] as never }),
    kind: "TypeError",
    says: /give the key to sign with/,
  },
  {
    name: "dump to something that is not a stream",
    run: () => dump(1, {} as never),
    kind: "TypeError",
    says: /to an object: .*give a WritableStream/,
  },
  {
    name: "closure() with captures that are not an object",
    run: () => closure(3 as never, () => 1),
    kind: "TypeError",
  },
];

const truncated = () => plain().subarray(0, plain().length - 3);
const signed = () => dumps({ a: 1 }, { signingKey: KEY });

const LOADING: Row[] = [
  {
    name: "a truncated pickle",
    run: () => loadsSync(truncated()),
    kind: "UnpicklingError",
    offset: (n) => n === truncated().length,
    says: /truncated.*pass every byte/,
  },
  {
    name: "an empty input",
    run: () => loadsSync(new Uint8Array(0)),
    kind: "UnpicklingError",
    offset: 0,
    says: /truncated/,
  },
  {
    name: "bytes that are not a pickle",
    run: () => loadsSync(new TextEncoder().encode("hello, world")),
    kind: "UnpicklingError",
    offset: 0,
    says: /not a pickle/,
  },
  {
    name: "a pickle of another format version",
    run: () => loadsSync(withByte(plain(), 4, FORMAT_VERSION + 1)),
    kind: "UnpicklingError",
    offset: 4,
    says: /version .*dumped it/,
  },
  {
    name: "unknown header flags",
    run: () => loadsSync(withByte(plain(), 5, 0x40)),
    kind: "UnpicklingError",
    offset: 5,
    says: /flags/,
  },
  {
    name: "bytes after the pickle",
    run: () => loadsSync(concat(plain(), new Uint8Array([0]))),
    kind: "UnpicklingError",
    offset: (n) => n === plain().length,
    says: /unexpected bytes/,
  },
  {
    name: "a claimed length beyond the input",
    run: () => loadsSync(body(T.STR16, varint(1000))),
    kind: "UnpicklingError",
    offset: 8,
    says: /runs past/,
  },
  {
    name: "a number longer than 8 bytes",
    run: () => loadsSync(body(T.INT_POS, new Uint8Array(9).fill(0x80), 1)),
    kind: "UnpicklingError",
    says: /over 8 bytes/,
  },
  {
    name: "a string that is not UTF-8",
    run: () => loadsSync(body(T.STR8, 2, 0xff, 0xfe)),
    kind: "UnpicklingError",
    offset: 9,
    says: /UTF-8/,
  },
  {
    name: "an unknown tag",
    run: () => loadsSync(body(0xf0)),
    kind: "UnpicklingError",
    offset: 7,
  },
  {
    name: "a reference to an unknown memo id",
    run: () => loadsSync(body(T.REF, 5)),
    kind: "UnpicklingError",
    offset: 7,
  },
  {
    name: "a signature that does not match",
    run: async () => loads(await signed(), { signingKey: OTHER_KEY }),
    kind: "UnpicklingError",
    says: /signature does not match.*key that signed it/,
  },
  {
    name: "an unsigned pickle loaded with a key",
    run: () => loads(plain(), { signingKey: KEY }),
    kind: "UnpicklingError",
    offset: 5,
    says: /not signed.*signingKey/,
  },
  {
    name: "code in a data-only load",
    run: () => loadsSync(dumpsSync(() => 1), { allowCode: false }),
    kind: "UnpicklingError",
    offset: 5,
    says: /allowCode: true/,
  },
  {
    name: "code in a data-only load (async)",
    run: async () => loads(await dumps(() => 1), { allowCode: false }),
    kind: "UnpicklingError",
    offset: 5,
    says: /allowCode: true/,
  },
  {
    name: "a built-in the allow-list does not admit",
    run: () => loadsSync(dumpsSync(Math.max), { allow: { globals: ["Math.min"] } }),
    kind: "UnpicklingError",
    says: /admit it with LoadOptions\.allow\.globals/,
  },
  {
    name: "a module the allow-list does not admit",
    run: async () => loads(await dumps(shapes.area), { allow: { modules: [] } }),
    kind: "UnpicklingError",
    says: /admit it with LoadOptions\.allow\.modules/,
  },
  {
    name: "an allow function that throws",
    run: () =>
      loadsSync(dumpsSync(Math.max), {
        allow: () => {
          throw new Error("no");
        },
      }),
    kind: "UnpicklingError",
    says: /return true or false/,
  },
  {
    name: "nesting deeper than maxDepth",
    run: () => loadsSync(dumpsSync(nestedArray(50)), { maxDepth: 10 }),
    kind: "UnpicklingError",
    says: /maxDepth/,
  },
  {
    name: "more objects than maxObjects",
    run: () => loadsSync(dumpsSync(Array.from({ length: 20 }, () => new Map())), { maxObjects: 5 }),
    kind: "UnpicklingError",
    says: /maxObjects/,
  },
  {
    name: "regular expressions over maxRegExpCost",
    run: () => loadsSync(dumpsSync(/\p{L}\p{N}/u), { maxRegExpCost: 0 }),
    kind: "UnpicklingError",
    says: /raise LoadOptions\.maxRegExpCost/,
  },
  {
    name: "a URL host over maxUrlHostLength",
    run: () => loadsSync(dumpsSync(new URL("https://example.com/")), { maxUrlHostLength: 3 }),
    kind: "UnpicklingError",
    says: /raise LoadOptions\.maxUrlHostLength/,
  },
  {
    name: "a stream pickle over maxBytes",
    run: () => load(streamOf([plain()]), { maxBytes: 4 }),
    kind: "UnpicklingError",
    offset: 0,
    says: /raise LoadOptions\.maxBytes/,
  },
  {
    name: "a stream that ends inside a pickle",
    run: () => load(streamOf([truncated()])),
    kind: "UnpicklingError",
    says: /ended inside a pickle/,
  },
  {
    name: "a stream that ends before a pickle",
    run: () => load(streamOf([])),
    kind: "UnpicklingError",
    offset: 0,
    says: /ended before a pickle/,
  },
  {
    name: "a stream of strings",
    run: () => load(streamOf(["text" as never])),
    kind: "UnpicklingError",
    offset: 0,
    says: /stream of bytes/,
  },
  {
    name: "a missing module",
    run: async () => loads(await dumps(shapes.area), { moduleRoot: emptyDir }),
    kind: "UnpicklingError",
    says: /shapes\.ts.*moduleRoot/,
  },
  {
    name: "a missing module in the sync form",
    run: () => loadsSync(dumpsSync(shapes.area), { moduleRoot: emptyDir }),
    kind: "UnpicklingError",
    says: /use loads/,
  },
  {
    name: "a module whose importModule returns a promise in the sync form",
    run: () =>
      loadsSync(dumpsSync(shapes.area), {
        moduleRoot: emptyDir,
        importModule: () => Promise.resolve(shapes),
      }),
    kind: "UnpicklingError",
    says: /use loads/,
  },
  {
    name: "a missing export",
    run: async () => loads(await dumps(shapes.area), { importModule: () => ({}) }),
    kind: "UnpicklingError",
  },
  {
    name: "a rejected promise at the root",
    run: async () =>
      loads(await dumps(Promise.reject(new Error("x")).catch((e) => Promise.reject(e)))),
    kind: "UnpicklingError",
    offset: 0,
    says: /loadsSync/,
  },
];

const API: Row[] = [
  {
    name: "loads of a string",
    run: () => loads("pickle" as never),
    kind: "TypeError",
    says: /give a Uint8Array/,
  },
  {
    name: "loadsSync of a number",
    run: () => loadsSync(3 as never),
    kind: "TypeError",
    says: /give a Uint8Array/,
  },
  {
    name: "Unpickler.loadsSync of null",
    run: () => new Unpickler().loadsSync(null as never),
    kind: "TypeError",
    says: /give a Uint8Array/,
  },
  {
    name: "load from something that is not a stream",
    run: () => load(plain() as never),
    kind: "TypeError",
    says: /from a Uint8Array: .*give a ReadableStream/,
  },
  {
    name: "a signing key in loadsSync",
    run: () => loadsSync(plain(), { signingKey: KEY }),
    kind: "TypeError",
    says: /use loads or load/,
  },
  {
    name: "an empty list of signing keys",
    run: () => loads(plain(), { signingKey: [] as never }),
    kind: "TypeError",
    says: /give at least one key/,
  },
  {
    name: "a verifying key that is a number",
    run: async () => loads(await signed(), { signingKey: [KEY, 5] as never }),
    kind: "TypeError",
    says: /signingKey\[1\]/,
  },
  {
    name: "a negative maxRegExpCost",
    run: () => loadsSync(plain(), { maxRegExpCost: -1 }),
    kind: "TypeError",
    says: /Infinity turns the limit off/,
  },
  {
    name: "a maxBytes that is a string",
    run: () => load(streamOf([plain()]), { maxBytes: "1" as never }),
    kind: "TypeError",
    says: /maxBytes = "1".*Infinity turns the limit off/,
  },
  {
    name: "a fractional maxDepth",
    run: () => loadsSync(plain(), { maxDepth: 1.5 }),
    kind: "TypeError",
    says: /whole number/,
  },
  {
    name: "a maxObjects of zero",
    run: () => loadsSync(plain(), { maxObjects: 0 }),
    kind: "TypeError",
    says: /whole number/,
  },
  {
    name: "an allow option that is a number",
    run: () => loadsSync(plain(), { allow: 3 as never }),
    kind: "TypeError",
    says: /give \{ modules, globals \}/,
  },
  {
    name: "an allow-list of numbers",
    run: () => loadsSync(plain(), { allow: { globals: [1] as never } }),
    kind: "TypeError",
    says: /list names as strings/,
  },
  {
    name: "buffers that are not buffers",
    run: () => loadsSync(plain(), { buffers: ["x"] as never }),
    kind: "TypeError",
    says: /bufferCallback/,
  },
  {
    name: "a Pickler with a signing key in the sync form",
    run: () => new Pickler({ signingKey: KEY }).dumpsSync(1),
    kind: "TypeError",
    says: /use dumps or dump/,
  },
  {
    name: "registerModule with a name that is not a URL",
    run: () => registerModule("not a url", {}),
    kind: "TypeError",
  },
];

/**
 * Rows whose message (or class) is raised in a file being rewritten in parallel: the row's
 * name, the file that raises it, and what is still off. Their class and place are checked
 * all the same; their grammar and class once the file speaks it.
 */
export const PENDING_GRAMMAR: ReadonlyMap<string, string> = new Map([
  ["a WeakMap", "lib/values/kinds.ts: 'a WeakMap cannot be pickled: ...' (no 'cannot' first)"],
  ["a WeakRef", "lib/values/kinds.ts: 'a WeakRef cannot be pickled' (no why)"],
  ["a generator object", "lib/values/kinds.ts: 'a generator object cannot be pickled: ...'"],
  ["a WeakMap under a symbol key", "lib/values/kinds.ts (as 'a WeakMap')"],
  ["a Proxy", "lib/pickle/walk_data.ts, pickler.ts: 'a Proxy cannot be pickled: ...'"],
  ["a Promise in the sync form", "lib/pickle/walk_data.ts: 'a Promise can only be pickled by ...'"],
  ["a reduce result that is not an array", "lib/pickle/walk_data.ts: 'a reducer must return ...'"],
  [
    "a reduce result whose callable is not a function",
    "lib/pickle/walk_data.ts: 'a reducer's callable must be a function'",
  ],
  ["a reduce method that throws", "lib/pickle/pickler.ts: 'the object's [reduce]() method threw'"],
  [
    "closure() with captures that are not an object",
    "lib/code/captures.ts: 'closure(captures, fn): captures is not an object'",
  ],
  ["an unknown tag", "lib/pickle/build_data.ts: 'unknown tag 0xf0' (a hex tag code)"],
  ["a reference to an unknown memo id", "lib/pickle/build_data.ts: 'reference to unknown memo id'"],
  ["nesting deeper than maxDepth", "lib/pickle/build_data.ts: 'nesting deeper than 10 levels ...'"],
  [
    "more objects than maxObjects",
    "lib/pickle/build_data.ts: 'more than 5 objects of the kinds ...'",
  ],
  ["a missing export", "lib/pickle/unpickler.ts: 'module ... has no export ...'"],
  [
    "registerModule with a name that is not a URL",
    "lib/runtime/modules.ts: a PickleError, not a TypeError: 'registerModule: ... is not a URL'",
  ],
]);

async function failure(run: () => unknown): Promise<unknown> {
  try {
    await run();
  } catch (e) {
    return e;
  }
  assert.fail("expected an error, got a value");
}

function checkRow(row: Row, e: unknown): void {
  const pending = PENDING_GRAMMAR.get(row.name);
  const expected = row.kind === "TypeError"
    ? TypeError
    : row.kind === "PicklingError"
    ? PicklingError
    : UnpicklingError;
  if (pending === undefined || !pending.includes("not a TypeError")) {
    assert.ok(e instanceof expected, `${row.name}: a ${row.kind}, got ${String(e)}`);
    if (row.kind === "TypeError") {
      assert.ok(!(e instanceof PickleError), `${row.name}: a TypeError, not a PickleError`);
    }
  }
  const message = (e as Error).message;
  if (row.path !== undefined) assert.equal((e as PicklingError).path, row.path, message);
  if (row.offset !== undefined) {
    const at = (e as UnpicklingError).offset;
    if (typeof row.offset === "number") assert.equal(at, row.offset, message);
    else assert.ok(row.offset(at), `${row.name}: offset ${at}: ${message}`);
  }
  if (row.says !== undefined) assert.match(message, row.says);
  if (pending !== undefined) return;
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

  it("every pending row is a row of the table", () => {
    const names = new Set([...PICKLING, ...LOADING, ...API].map((r) => r.name));
    for (const name of PENDING_GRAMMAR.keys()) assert.ok(names.has(name), name);
  });

  it("a dump to a stream refuses as dumps does", async () => {
    const { sink } = collector();
    const e = await failure(() => dump({ w: new WeakSet() }, sink));
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
