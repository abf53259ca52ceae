// Attacks on signed pickles, one test per attack: unusable keys, bytes changed while a signed
// load awaits, keys changed in place, rotated keys between processes.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { dumps, load, loads, UnpicklingError } from "../mod.ts";
import * as shapes from "./modules/shapes.ts";
import { streamOf } from "./helpers.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const RUNTIMES = {
  deno: [`${root}node_modules/.bin/deno`, "run", "-A"],
  bun: [`${root}node_modules/.bin/bun`],
} as const;

describe("unusable signing keys are TypeErrors naming the problem", () => {
  const v = { ok: 1 };
  async function refused(key: unknown, pattern: RegExp): Promise<void> {
    const good = await dumps(v, { signingKey: new Uint8Array(32).fill(1) });
    await assert.rejects(
      dumps(v, { signingKey: key as never }),
      (e) =>
        e instanceof TypeError && /^cannot sign the pickle: /.test(e.message) &&
        pattern.test(e.message),
    );
    await assert.rejects(
      loads(good, { signingKey: key as never }),
      (e) =>
        e instanceof TypeError && /^cannot verify the pickle: /.test(e.message) &&
        pattern.test(e.message),
    );
  }

  it("signing with an empty key", () => refused(new Uint8Array(0), /signingKey is empty/));

  it("signing with a string as the key", () => refused("secret", /is a string, not key bytes/));

  it("signing with a plain object as the key", () =>
    refused(
      { type: "secret" },
      /is an object, not key bytes; give a Uint8Array or an HMAC CryptoKey/,
    ));

  it("signing with an AES-GCM CryptoKey", async () => {
    const aes = await crypto.subtle.generateKey({ name: "AES-GCM", length: 128 }, false, [
      "encrypt",
    ]);
    await refused(aes, /CryptoKey for AES-GCM.*HMAC-SHA-256/);
  });

  it("signing with an HMAC key over SHA-512", async () => {
    const hmac512 = await crypto.subtle.importKey(
      "raw",
      new Uint8Array(32).fill(1),
      { name: "HMAC", hash: "SHA-512" },
      false,
      ["sign", "verify"],
    );
    await refused(hmac512, /HMAC key over SHA-512/);
  });

  it("signing and verifying with a CryptoKey that lacks the usage", async () => {
    const raw = new Uint8Array(32).fill(1);
    const import1 = (usage: KeyUsage) =>
      crypto.subtle.importKey("raw", raw, { name: "HMAC", hash: "SHA-256" }, false, [usage]);
    const signOnly = await import1("sign");
    const verifyOnly = await import1("verify");
    const signed = await dumps(v, { signingKey: signOnly });
    await assert.rejects(
      loads(signed, { signingKey: signOnly }),
      (e) => e instanceof TypeError && /without the 'verify' usage/.test(e.message),
    );
    assert.deepEqual(await loads(signed, { signingKey: verifyOnly }), v);
    await assert.rejects(
      dumps(v, { signingKey: verifyOnly }),
      (e) => e instanceof TypeError && /without the 'sign' usage/.test(e.message),
    );
  });

  it("verifying with an empty list of keys", async () => {
    const signed = await dumps(v, { signingKey: new Uint8Array(32).fill(1) });
    await assert.rejects(
      loads(signed, { signingKey: [] }),
      (e) => e instanceof TypeError && /empty array/.test(e.message),
    );
  });

  it("signing with a list of keys (dumps signs with one)", async () => {
    await assert.rejects(
      dumps(v, { signingKey: [new Uint8Array(32)] as never }),
      (e) => e instanceof TypeError && /one key/.test(e.message),
    );
  });

  it("a bad key among several names its place in the list", async () => {
    const key = new Uint8Array(32).fill(1);
    const signed = await dumps(v, { signingKey: key });
    await assert.rejects(
      loads(signed, { signingKey: [key, "old"] as never }),
      (e) => e instanceof TypeError && /signingKey\[1\]/.test(e.message),
    );
  });
});

describe("signing", () => {
  const SHORT_STRING = 0x40;
  const encoder = new TextEncoder();
  /** Overwrites, in place, the short string `from` in `bytes` with `to` (same length). */
  function rewrite(bytes: Uint8Array, from: string, to: string): void {
    const needle = [SHORT_STRING + from.length, ...encoder.encode(from)];
    for (let i = 0; i + needle.length <= bytes.length; i++) {
      if (needle.every((b, j) => bytes[i + j] === b)) {
        bytes.set(encoder.encode(to), i + 1);
        return;
      }
    }
    throw new Error(`'${from}' not found in the pickle`);
  }

  it("a key changed in place does not keep verifying with its old bytes", async () => {
    const key = crypto.getRandomValues(new Uint8Array(32));
    const signed = await dumps({ role: "user" }, { signingKey: key });
    assert.deepEqual(await loads(signed, { signingKey: key }), { role: "user" });
    key[0] ^= 0xff;
    await assert.rejects(loads(signed, { signingKey: key }), /signature does not match/);
    const resigned = await dumps({ role: "user" }, { signingKey: key });
    assert.deepEqual(await loads(resigned, { signingKey: key }), { role: "user" });
    key[0] ^= 0xff;
    assert.deepEqual(await loads(signed, { signingKey: key }), { role: "user" });
    await assert.rejects(loads(resigned, { signingKey: key }), /signature does not match/);
  });

  it("two arrays with the same key bytes verify alike", async () => {
    const a = crypto.getRandomValues(new Uint8Array(32));
    const signed = await dumps([1], { signingKey: a });
    assert.deepEqual(await loads(signed, { signingKey: a.slice() }), [1]);
  });

  it("rotation: several keys accept a pickle signed with any of them, and no other", async () => {
    const oldKey = crypto.getRandomValues(new Uint8Array(32));
    const newKey = await crypto.subtle.importKey(
      "raw",
      crypto.getRandomValues(new Uint8Array(32)),
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["sign", "verify"],
    );
    const other = crypto.getRandomValues(new Uint8Array(32));
    const keys = [newKey, oldKey];
    assert.deepEqual(
      await loads(await dumps("old", { signingKey: oldKey }), { signingKey: keys }),
      "old",
    );
    assert.deepEqual(
      await loads(await dumps("new", { signingKey: newKey }), { signingKey: keys }),
      "new",
    );
    await assert.rejects(
      loads(await dumps("other", { signingKey: other }), { signingKey: keys }),
      (e) => e instanceof UnpicklingError && /signature does not match/.test(e.message),
    );
    // Streams take the same keys.
    const stream = streamOf([await dumps("s", { signingKey: oldKey })]);
    assert.equal(await load(stream, { signingKey: keys }), "s");
  });

  it("bytes changed while module imports are awaited do not load as signed", async () => {
    const key = crypto.getRandomValues(new Uint8Array(32));
    const bytes = await dumps({ role: "user!", area: shapes.area }, { signingKey: key });
    let asked = 0;
    const got = await loads<{ role: string; area: unknown }>(bytes, {
      signingKey: key,
      importModule: () => {
        asked++;
        rewrite(bytes, "user!", "admin");
        return shapes;
      },
    });
    assert.equal(asked, 1);
    assert.equal(got.role, "user!");
    assert.equal(got.area, shapes.area);
    // The caller's bytes were changed: loaded again, they are refused.
    await assert.rejects(loads(bytes, { signingKey: key }), /signature does not match/);
  });

  it("bytes changed by a microtask while the signature is checked do not load as signed", async () => {
    const key = crypto.getRandomValues(new Uint8Array(32));
    const bytes = await dumps({ role: "user!" }, { signingKey: key });
    const loading = loads<{ role: string }>(bytes, { signingKey: key });
    queueMicrotask(() => rewrite(bytes, "user!", "admin"));
    await Promise.resolve();
    assert.deepEqual(await loading, { role: "user!" });
  });

  it("an unsigned pickle changed during its module imports loads as it was when loads began", async () => {
    const bytes = await dumps({ role: "user!", area: shapes.area });
    const got = await loads<{ role: string }>(bytes, {
      importModule: () => {
        rewrite(bytes, "user!", "admin");
        return shapes;
      },
    });
    assert.equal(got.role, "user!");
  });

  it("signing and verifying with globalThis.crypto deleted", async () => {
    const key = crypto.getRandomValues(new Uint8Array(32));
    const d = Object.getOwnPropertyDescriptor(globalThis, "crypto")!;
    delete (globalThis as { crypto?: unknown }).crypto;
    try {
      const signed = await dumps({ n: 1 }, { signingKey: key });
      assert.deepEqual(await loads(signed, { signingKey: key }), { n: 1 });
    } finally {
      Object.defineProperty(globalThis, "crypto", d);
    }
  });

  it("a signed ArrayBuffer changed during the load does not load as signed", async () => {
    const key = crypto.getRandomValues(new Uint8Array(32));
    const signed = await dumps({ role: "user!" }, { signingKey: key });
    const buffer = signed.slice().buffer;
    const loading = loads<{ role: string }>(buffer, { signingKey: key });
    rewrite(new Uint8Array(buffer), "user!", "admin");
    assert.deepEqual(await loading, { role: "user!" });
  });
});

describe("signed pickles between processes", () => {
  const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  const oldKey = hex(crypto.getRandomValues(new Uint8Array(32)));
  const newKey = hex(crypto.getRandomValues(new Uint8Array(32)));
  const otherKey = hex(crypto.getRandomValues(new Uint8Array(32)));

  function child(runtime: keyof typeof RUNTIMES, args: string[], input?: string): string {
    const [cmd, ...pre] = RUNTIMES[runtime];
    const r = spawnSync(cmd, [...pre, `${root}tests/hostile/signed_child.ts`, ...args], {
      cwd: root,
      encoding: "utf8",
      input,
      timeout: 60_000,
    });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout.trim().split("\n").pop()!;
  }

  for (const [from, to] of [["deno", "bun"], ["bun", "deno"]] as const) {
    it(`rotated keys: signed by ${from} with the old key, verified by ${to} from shared memory`, () => {
      const signed = child(from, ["produce", oldKey]);
      assert.deepEqual(JSON.parse(child(to, ["consume", `${newKey},${oldKey}`], signed)), {
        role: "user!",
        at: 0,
        tags: ["a"],
      });
      const forged = child(from, ["produce", otherKey]);
      const refused = JSON.parse(child(to, ["consume", `${newKey},${oldKey}`], forged));
      assert.equal(refused.error, "UnpicklingError");
      assert.match(refused.message, /signature does not match/);
    });
  }
});
