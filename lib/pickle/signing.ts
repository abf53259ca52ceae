/**
 * HMAC-SHA-256 signatures over whole pickles (WebCrypto, so only the async forms sign).
 *
 * Keys given as bytes are imported once per distinct key: the cache is keyed by the key's
 * bytes, so a key array changed in place is imported again rather than verifying with the
 * bytes it held before. A key that cannot sign or verify is a {@linkcode PickleError} naming
 * the problem, never a WebCrypto `DOMException` or `TypeError`.
 *
 * @module
 */

import { MAC_BYTES } from "../format/tags.ts";
import { PicklingError, UnpicklingError } from "../errors.ts";
import { typeName } from "../values/inspect.ts";

/** One signing key: raw key bytes, or an HMAC-SHA-256 CryptoKey. */
export type SigningKey = CryptoKey | Uint8Array;

// Taken at library load, so that a changed global cannot stand in for them later.
const CryptoKeyClass = (globalThis as { CryptoKey?: abstract new () => CryptoKey }).CryptoKey;
const subtle = crypto.subtle;
const sign = subtle.sign.bind(subtle);
const verify = subtle.verify.bind(subtle);
const importKey = subtle.importKey.bind(subtle);
const fromCharCode = String.fromCharCode;
const isArray = Array.isArray;

/** Imported keys by their bytes (as a string); the oldest go first past CACHE_MAX. */
const imported = new Map<string, Promise<CryptoKey>>();
const CACHE_MAX = 64;

function bytesKey(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 4096) {
    s += fromCharCode.apply(null, bytes.subarray(i, i + 4096) as unknown as number[]);
  }
  return s;
}

/**
 * Why `key` cannot `usage` ("sign" or "verify") pickles, or undefined when it can.
 * `which` names the key in the message ("signingKey", "signingKey[1]").
 */
function keyProblem(key: unknown, usage: "sign" | "verify", which: string): string | undefined {
  if (key instanceof Uint8Array) {
    return key.length === 0 ? `${which} is empty; give the key's bytes (32 or more)` : undefined;
  }
  if (CryptoKeyClass === undefined || !(key instanceof CryptoKeyClass)) {
    return `${which} is ${typeName(key)}, not key bytes; give a Uint8Array or an HMAC CryptoKey`;
  }
  let algorithm: { name?: unknown; hash?: { name?: unknown } };
  let usages: readonly string[];
  try {
    algorithm = key.algorithm as typeof algorithm;
    usages = key.usages;
  } catch {
    return `${which} is not a usable CryptoKey; give a Uint8Array or an HMAC CryptoKey`;
  }
  if (algorithm.name !== "HMAC") {
    return `${which} is a CryptoKey for ${
      String(algorithm.name)
    }, and pickles are signed with HMAC-SHA-256; import the key as { name: "HMAC", hash: "SHA-256" }`;
  }
  if (algorithm.hash?.name !== "SHA-256") {
    return `${which} is an HMAC key over ${
      String(algorithm.hash?.name)
    }, and pickles are signed with HMAC-SHA-256; import the key with hash "SHA-256"`;
  }
  if (!usages.includes(usage)) {
    return `${which} is a CryptoKey without the '${usage}' usage (it has ${
      usages.length === 0 ? "none" : usages.map((u) => `'${u}'`).join(", ")
    }); import it with the usage ["${usage}"]`;
  }
  return undefined;
}

function hmacKey(key: SigningKey): Promise<CryptoKey> {
  if (!(key instanceof Uint8Array)) return Promise.resolve(key);
  const id = bytesKey(key);
  let k = imported.get(id);
  if (k === undefined) {
    k = importKey("raw", key.slice(), { name: "HMAC", hash: "SHA-256" }, false, [
      "sign",
      "verify",
    ]);
    k.catch(() => imported.delete(id));
    if (imported.size >= CACHE_MAX) imported.delete(imported.keys().next().value!);
    imported.set(id, k);
  }
  return k;
}

/** Throws a TypeError unless `key` is one key that can sign. */
export function checkSigningKey(key: unknown): asserts key is SigningKey {
  const problem = isArray(key)
    ? "signingKey of dumps is an array, and a pickle is signed with one key (several keys " +
      "are for loading, to rotate keys); give the key to sign with"
    : keyProblem(key, "sign", "signingKey");
  if (problem !== undefined) throw new TypeError(`cannot sign the pickle: ${problem}`);
}

/** The keys to verify with, checked: one key or a non-empty array of keys. */
export function verifyingKeys(key: unknown): readonly SigningKey[] {
  const keys: readonly unknown[] = isArray(key) ? key : [key];
  if (keys.length === 0) {
    throw new TypeError(
      "cannot verify the pickle: signingKey is an empty array; give at least one key",
    );
  }
  for (let i = 0; i < keys.length; i++) {
    const problem = keyProblem(keys[i], "verify", isArray(key) ? `signingKey[${i}]` : "signingKey");
    if (problem !== undefined) throw new TypeError(`cannot verify the pickle: ${problem}`);
  }
  return keys as readonly SigningKey[];
}

/** Returns `bytes` followed by their MAC (`key` checked by {@linkcode checkSigningKey}). */
export async function appendMac(bytes: Uint8Array, key: SigningKey): Promise<Uint8Array> {
  let mac: Uint8Array;
  try {
    mac = new Uint8Array(await sign("HMAC", await hmacKey(key), bytes as Uint8Array<ArrayBuffer>));
  } catch (e) {
    throw new PicklingError(`cannot sign the pickle with signingKey: ${errorText(e)}`, "root", {
      cause: e,
    });
  }
  const out = new Uint8Array(bytes.length + MAC_BYTES);
  out.set(bytes);
  out.set(mac, bytes.length);
  return out;
}

/**
 * True when the last MAC_BYTES of `pickle` are the MAC of the bytes before them under one
 * of `keys`. `pickle` must be the loader's private copy: it is read again after the await.
 */
export async function verifyMac(
  pickle: Uint8Array<ArrayBuffer>,
  keys: readonly SigningKey[],
): Promise<boolean> {
  const end = pickle.length - MAC_BYTES;
  const mac = pickle.subarray(end);
  const body = pickle.subarray(0, end);
  for (let i = 0; i < keys.length; i++) {
    try {
      if (await verify("HMAC", await hmacKey(keys[i]), mac, body)) return true;
    } catch (e) {
      throw new UnpicklingError(
        `cannot verify the pickle with signingKey${keys.length > 1 ? `[${i}]` : ""}: ${
          errorText(e)
        }`,
        0,
        { cause: e },
      );
    }
  }
  return false;
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
