// Loads the pickles given on stdin ({ name: [base64, args] }), pickles each loaded function
// again and loads that (a second hop), calls it, and prints { name: JSON of the result }.
// Argument: the library's entry. Async results are awaited; iterators are spread.
import { readFileSync } from "node:fs";

const { dumps, loads } = await import(process.argv[2]);
const input = JSON.parse(readFileSync(0, "utf8"));
const out = {};
for (const [name, [b64, args]] of Object.entries(input)) {
  try {
    const first = await loads(new Uint8Array(Buffer.from(b64, "base64")));
    const fn = await loads(await dumps(first));
    let r = fn(...args);
    if (r !== null && typeof r === "object" && typeof r.then === "function") r = await r;
    if (r !== null && typeof r === "object" && typeof r[Symbol.asyncIterator] === "function") {
      const all = [];
      for await (const v of r) all.push(v);
      r = all;
    } else if (r !== null && typeof r === "object" && typeof r.next === "function") r = [...r];
    out[name] = JSON.stringify(r, (_, v) => typeof v === "bigint" ? `${v}n` : v);
  } catch (e) {
    out[name] = `ERROR ${e?.name}: ${e?.message}`;
  }
}
console.log(JSON.stringify(out));
