// The failing cases of error_messages_test.ts for loading: truncated, corrupt, wrong version,
// bad signature, code refused, limits exceeded, missing modules.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { dumps, dumpsSync, FORMAT_VERSION, load, loads, loadsSync } from "../../mod.ts";
import * as T from "../../lib/format/tags.ts";
import * as shapes from "../modules/shapes.ts";
import { concat, nestedArray, streamOf, varint } from "../helpers.ts";
import { body, KEY, OTHER_KEY, plain, type Row, signed, withByte } from "./rows.ts";

export const emptyDir = mkdtempSync(join(tmpdir(), "cloudpickle-messages-"));
const truncated = () => plain().subarray(0, plain().length - 3);

/** Failures of loading: truncated, corrupt, refused, over a limit, missing modules. */
export const LOADING: Row[] = [
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
    // (Under a root of its own: the namespace importModule gives is kept for later loads
    // under the same root, and this empty one must not stand for shapes.ts in other files.)
    run: async () =>
      loads(await dumps(shapes.area), { moduleRoot: emptyDir, importModule: () => ({}) }),
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
