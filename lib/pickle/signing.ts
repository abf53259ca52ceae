/**
 * HMAC-SHA-256 signatures over whole pickles (WebCrypto, so only the async forms sign).
 *
 * @module
 */

import { MAC_BYTES } from "../format/tags.ts";

const keys = new WeakMap<Uint8Array, Promise<CryptoKey>>();

function hmacKey(key: CryptoKey | Uint8Array): Promise<CryptoKey> {
  if (!(key instanceof Uint8Array)) return Promise.resolve(key);
  let k = keys.get(key);
  if (k === undefined) {
    k = crypto.subtle.importKey(
      "raw",
      key.slice(),
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["sign", "verify"],
    );
    keys.set(key, k);
  }
  return k;
}

/** Returns `bytes` followed by their MAC. */
export async function appendMac(
  bytes: Uint8Array,
  key: CryptoKey | Uint8Array,
): Promise<Uint8Array> {
  const mac = new Uint8Array(
    await crypto.subtle.sign("HMAC", await hmacKey(key), bytes as Uint8Array<ArrayBuffer>),
  );
  const out = new Uint8Array(bytes.length + MAC_BYTES);
  out.set(bytes);
  out.set(mac, bytes.length);
  return out;
}

/** True when the last MAC_BYTES of `pickle` are the MAC of the bytes before them. */
export async function verifyMac(
  pickle: Uint8Array,
  key: CryptoKey | Uint8Array,
): Promise<boolean> {
  const end = pickle.length - MAC_BYTES;
  return await crypto.subtle.verify(
    "HMAC",
    await hmacKey(key),
    pickle.slice(end) as Uint8Array<ArrayBuffer>,
    pickle.subarray(0, end) as Uint8Array<ArrayBuffer>,
  );
}
