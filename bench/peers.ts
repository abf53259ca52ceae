/**
 * Peer adapters: our library plus the serializers we compare against.
 *
 * A peer says, per case, whether it can represent the value at all
 * (`supports`) and, if so, which implementation it uses (`impl`): either an
 * encode/decode codec or a round-trip-only function (structuredClone).
 *
 * @module
 */

import * as v8 from "node:v8";
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { isNativeAccelerationEnabled as msgpackrNative, pack, Packr, unpack } from "msgpackr";
import {
  decode as cborDecode,
  encode as cborEncode,
  Encoder,
  isNativeAccelerationEnabled as cborNative,
} from "cbor-x";
import { deserialize as serovalDeserialize, serialize } from "seroval";
import * as devalue from "devalue";
import serializeJavascript from "serialize-javascript";
import type { BenchCase, Feature } from "./cases.ts";

/** Output of an encoder: bytes, or a string for text-based peers. */
export type Encoded = Uint8Array | string;

/** An encode/decode pair. */
export interface Codec {
  readonly kind: "codec";
  encode(value: unknown): Encoded;
  decode(encoded: Encoded): unknown;
  /** Short note shown in the table (e.g. which mode is used). */
  readonly note?: string;
}

/** A peer that can only do a full round trip (no byte representation). */
export interface RoundTrip {
  readonly kind: "roundtrip";
  roundtrip(value: unknown): unknown;
  readonly note?: string;
}

/** Implementation a peer uses for one case. */
export type Impl = Codec | RoundTrip;

/** A serializer under comparison. */
export interface Peer {
  /** Name printed in the table. */
  readonly name: string;
  /** True for the library under test. */
  readonly ours?: boolean;
  /** True for the node:v8 baseline that ratios are computed against. */
  readonly baseline?: boolean;
  /** `true` if the peer can represent the case, else the reason it cannot. */
  supports(c: BenchCase): true | string;
  /** The implementation used for the case (only called if supported). */
  impl(c: BenchCase): Impl;
}

/** Signature of the functions we need from ../mod.ts. */
export interface OurModule {
  /** `options` is passed only where a target measures an opt-in mode (`{ fidelity }`). */
  dumpsSync(value: unknown, options?: Record<string, unknown>): Uint8Array;
  loadsSync(bytes: Uint8Array): unknown;
}

function lacks(
  c: BenchCase,
  unsupported: readonly Feature[],
  who: string,
): true | string {
  const missing = unsupported.filter((f) => c.features.has(f));
  return missing.length === 0 ? true : `${who} cannot represent ${missing.join("/")}`;
}

function asBytes(e: Encoded): Uint8Array {
  if (typeof e === "string") throw new TypeError("expected bytes");
  return e;
}

function asText(e: Encoded): string {
  if (typeof e !== "string") throw new TypeError("expected string");
  return e;
}

// seroval's deserialize is `(0, eval)(source)`. Engines cache eval
// compilations by source text, so decoding the *same* string over and over
// would measure a cache hit, not a parse. A unique trailing comment per call
// defeats the cache (a real receiver never sees the same payload twice).
let evalNonce = 0;
function serovalDecode(e: Encoded): unknown {
  return serovalDeserialize(`${asText(e)}\n//${evalNonce++}`);
}

/**
 * serialize-javascript: the value as JavaScript source (functions as their source text); decoded
 * as its README says, by evaluating `(` + source + `)` (indirect eval, global scope). It is the
 * code-shipping peer of the function targets, which hand it new source on every message; on
 * repeated bytes the engine's eval cache would flatter it.
 */
export const serializeJavascriptCodec: Codec = {
  kind: "codec",
  encode: (v) => serializeJavascript(v),
  decode: (e) => (0, eval)(`(${asText(e)})`),
  note: "JS source; decode=eval",
};

/** Which optional native string extractors msgpackr / cbor-x are using. */
export function nativeStatus(): string {
  const onOff = (b: boolean): string => (b ? "on" : "off");
  return `msgpackr native extract ${onOff(msgpackrNative)}, ` +
    `cbor-x native extract ${onOff(cborNative)} (see bench/env.ts)`;
}

/** Adapter for our library (dumpsSync/loadsSync). */
export function oursPeer(mod: OurModule): Peer {
  const codec: Codec = {
    kind: "codec",
    encode: (v) => mod.dumpsSync(v),
    decode: (e) => mod.loadsSync(asBytes(e)),
  };
  return {
    name: "cloudpickle (ours)",
    ours: true,
    supports: () => true,
    impl: () => codec,
  };
}

/** All peers except ours, in table order (v8 first: it is the baseline). */
export function peerList(): Peer[] {
  const v8Codec: Codec = {
    kind: "codec",
    encode: (v) => v8.serialize(v),
    decode: (e) => v8.deserialize(asBytes(e)),
  };
  const jsonCodec: Codec = {
    kind: "codec",
    encode: (v) => JSON.stringify(v),
    decode: (e) => JSON.parse(asText(e)),
  };
  const packrSC = new Packr({ structuredClone: true });
  const msgpackPlain: Codec = {
    kind: "codec",
    encode: (v) => pack(v),
    decode: (e) => unpack(asBytes(e)),
    note: "pack/unpack",
  };
  const msgpackSC: Codec = {
    kind: "codec",
    encode: (v) => packrSC.pack(v),
    decode: (e) => packrSC.unpack(asBytes(e)),
    note: "Packr{structuredClone}",
  };
  const cborSCEncoder = new Encoder({ structuredClone: true });
  const cborPlain: Codec = {
    kind: "codec",
    encode: (v) => cborEncode(v),
    decode: (e) => cborDecode(asBytes(e)),
    note: "encode/decode",
  };
  const cborSC: Codec = {
    kind: "codec",
    encode: (v) => cborSCEncoder.encode(v),
    decode: (e) => cborSCEncoder.decode(asBytes(e)),
    note: "Encoder{structuredClone}",
  };
  const serovalCodec: Codec = {
    kind: "codec",
    encode: (v) => serialize(v),
    decode: serovalDecode,
    note: "JS source; decode=eval (cache-busted)",
  };
  const devalueCodec: Codec = {
    kind: "codec",
    encode: (v) => devalue.stringify(v),
    decode: (e) => devalue.parse(asText(e)),
  };
  const clone: RoundTrip = {
    kind: "roundtrip",
    roundtrip: (v) => structuredClone(v),
    note: "round trip only",
  };

  const needsGraph = (c: BenchCase): boolean =>
    c.features.has("cycle") || c.features.has("shared") ||
    c.features.has("map") || c.features.has("set");

  return [
    {
      name: "node:v8",
      baseline: true,
      supports: () => true,
      impl: () => v8Codec,
    },
    {
      name: "JSON",
      supports: (c) =>
        lacks(
          c,
          [
            "date",
            "map",
            "set",
            "cycle",
            "shared",
            "bigint",
            "typedarray",
            "undefined",
          ],
          "JSON",
        ),
      impl: () => jsonCodec,
    },
    {
      name: "structuredClone",
      supports: () => true,
      impl: () => clone,
    },
    {
      name: "msgpackr",
      supports: () => true,
      impl: (c) => (needsGraph(c) ? msgpackSC : msgpackPlain),
    },
    {
      // The same library keeping shared references and cycles, on every case: the closest
      // peer to what ours always does (identity kept through a Map memo in JavaScript).
      name: "msgpackr+identity",
      supports: () => true,
      impl: () => msgpackSC,
    },
    {
      name: "cbor-x",
      supports: () => true,
      impl: (c) => (needsGraph(c) ? cborSC : cborPlain),
    },
    {
      name: "seroval",
      supports: () => true,
      impl: () => serovalCodec,
    },
    {
      name: "devalue",
      supports: () => true,
      impl: () => devalueCodec,
    },
  ];
}

/**
 * Short fingerprint of the library sources (mod.ts + lib/**), so a table can
 * be tied to the code it measured while lib/ is still changing: sha256 prefix
 * of the sorted files' paths and contents, plus the newest modification time.
 */
export function libFingerprint(): string {
  const root = fileURLToPath(new URL("..", import.meta.url));
  const files: string[] = [join(root, "mod.ts")];
  const walk = (dir: string): void => {
    let entries: string[];
    try {
      entries = readdirSync(dir);
    } catch {
      return;
    }
    for (const name of entries) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith(".ts")) files.push(path);
    }
  };
  walk(join(root, "lib"));
  files.sort();
  const hash = createHash("sha256");
  let newest = 0;
  for (const f of files) {
    try {
      hash.update(f.slice(root.length));
      hash.update(readFileSync(f));
      newest = Math.max(newest, statSync(f).mtimeMs);
    } catch {
      // a file vanished mid-walk: ignore
    }
  }
  const when = newest > 0 ? new Date(newest).toISOString().replace(/\.\d+Z$/, "Z") : "?";
  return `${hash.digest("hex").slice(0, 12)} (${files.length} files, newest ${when})`;
}

/**
 * URL of the module measured as "ours": `override` (env BENCH_MOD: a path relative to the working
 * directory, an absolute path or a URL) or this checkout's mod.ts.
 */
export function ourModuleHref(override?: string): string {
  return override
    ? new URL(override, `file://${process.cwd()}/`).href
    : new URL("../mod.ts", import.meta.url).href;
}

/**
 * Try to load our library from ../mod.ts (or from `override`, a path relative
 * to the working directory or a URL; run.ts passes env BENCH_MOD). Returns the module, or a string
 * explaining why it was skipped.
 */
export async function loadOurs(
  override?: string,
): Promise<OurModule | string> {
  const spec = ourModuleHref(override);
  let mod: Record<string, unknown>;
  try {
    mod = (await import(spec)) as Record<string, unknown>;
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    return `import ${override ?? "../mod.ts"} failed: ${msg.split("\n")[0]}`;
  }
  const { dumpsSync, loadsSync } = mod;
  if (typeof dumpsSync !== "function" || typeof loadsSync !== "function") {
    return `${override ?? "../mod.ts"} does not export dumpsSync/loadsSync`;
  }
  return {
    dumpsSync: dumpsSync as OurModule["dumpsSync"],
    loadsSync: loadsSync as OurModule["loadsSync"],
  };
}
