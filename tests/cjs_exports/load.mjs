// Loads what make.mjs pickled where the package is installed too, and pickles it again.
import lib from "umd-lib";
import { readFileSync } from "node:fs";
const { dumps, loads } = await import(process.env.CP_MOD);
const input = JSON.parse(readFileSync(process.argv[2], "utf8"));
const v = {};
for (const [k, b64] of Object.entries(input)) {
  v[k] = await loads(new Uint8Array(Buffer.from(b64, "base64")));
}
const again = await loads(await dumps(v));
console.log(JSON.stringify({
  sizes: Object.fromEntries(
    Object.entries(input).map(([k, b]) => [k, Buffer.from(b, "base64").length]),
  ),
  lib: v.lib === lib,
  chunk: v.chunk === lib.chunk,
  total: v.total([1, 2, 3]),
  momentProto: Object.getPrototypeOf(v.moment) === lib.moment.prototype,
  format: v.moment.format("/"),
  again: again.lib === lib && again.total([4]) === 5 && again.moment.format(".") === "2020.01.02",
}));
