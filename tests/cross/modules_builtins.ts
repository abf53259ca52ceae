// Built-in modules by reference across processes. "produce" prints a base64 pickle of
// namespaces and default exports of node: modules, bare and captured by a closure;
// "consume" loads one from stdin and prints, as JSON, whether each loaded value is this
// process's own module object and what the closure returns.
import * as path from "node:path";
import * as fsNamespace from "node:fs";
import crypto from "node:crypto";
import fs from "node:fs";
import { dumps, loads } from "../../mod.ts";
import { readStdinText } from "./stdin.ts";

interface Shipped {
  path: typeof path;
  fsNamespace: typeof fsNamespace;
  crypto: typeof crypto;
  fs: typeof fs;
  closure: () => { join: string; hash: string; root: boolean };
  captured: () => object[];
}

const mode = (globalThis as { process?: { argv: string[] } }).process!.argv.at(-1);
if (mode === "produce") {
  const value: Shipped = {
    path,
    fsNamespace,
    crypto,
    fs,
    closure: () => ({
      join: path.join("a", "b"),
      hash: crypto.createHash("sha256").update("x").digest("hex").slice(0, 8),
      root: fs.existsSync("/"),
    }),
    captured: () => [path, crypto, fs],
  };
  console.log((await dumps(value)).toBase64());
} else {
  const v = await loads<Shipped>(Uint8Array.fromBase64((await readStdinText()).trim()));
  const ownPath = await import("node:path");
  const ownCrypto = (await import("node:crypto")).default;
  console.log(JSON.stringify({
    path: v.path === path && v.path === ownPath,
    fsNamespace: v.fsNamespace === fsNamespace,
    crypto: v.crypto === crypto && v.crypto === ownCrypto,
    fs: v.fs === fs,
    result: v.closure(),
    captured: v.captured().map((m, i) => m === [path, crypto, fs][i]),
  }));
}
