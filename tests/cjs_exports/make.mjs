// Pickles the package's values in a fresh process; the first call of the process is the
// one under test (argv[2]: "sync" or "async").
import lib from "umd-lib";
const { dumps, dumpsSync } = await import(process.env.CP_MOD);
const pickle = process.argv[2] === "sync" ? dumpsSync : dumps;
const out = {};
out.lib = Buffer.from(await pickle(lib)).toString("base64");
out.chunk = Buffer.from(await pickle(lib.chunk)).toString("base64");
const total = (xs) => lib.sum(xs) + lib.chunk(xs, 2).length;
out.total = Buffer.from(await pickle(total)).toString("base64");
out.moment = Buffer.from(await pickle(lib.moment("2020-01-02"))).toString("base64");
console.log(JSON.stringify(out));
