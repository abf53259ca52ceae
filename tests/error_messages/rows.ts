// The failing cases of error_messages_test.ts: pickling and API misuse (loading: loading.ts).
// Each row names what is tried, the error's class, and its path or offset.
import {
  closure,
  dump,
  dumps,
  dumpsSync,
  FORMAT_VERSION,
  load,
  loads,
  loadsSync,
  Pickler,
  reduce,
  registerModule,
  Unpickler,
} from "../../mod.ts";
import { concat, streamOf, withHeader } from "../helpers.ts";

export type Kind = "TypeError" | "PicklingError" | "UnpicklingError";

export interface Row {
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

export const KEY = new Uint8Array(32).fill(7);
export const OTHER_KEY = new Uint8Array(32).fill(9);
export const plain = () => dumpsSync({ a: [1, 2, 3], s: "text" });
export const signed = () => dumps({ a: 1 }, { signingKey: KEY });
export const withByte = (p: Uint8Array, at: number, b: number) => {
  const q = p.slice();
  q[at] = b;
  return q;
};
export const body = (...bytes: (number | Uint8Array)[]) =>
  withHeader(
    concat(...bytes.map((b) => typeof b === "number" ? new Uint8Array([b]) : b)),
    FORMAT_VERSION,
    0,
  );
function* gen() {
  yield 1;
}

/** Failures of pickling: refused values, reduce results, resources, signing keys, sinks. */
export const PICKLING: Row[] = [
  {
    name: "a WeakRef",
    run: () => dumpsSync({ a: [new WeakRef({})] }),
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
    name: "a WeakRef under a symbol key",
    run: () => dumpsSync({ [Symbol("k")]: new WeakRef({}) }),
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

/** Wrong arguments to the API: TypeErrors. */
export const API: Row[] = [
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
