// Pickles the package's values in a fresh process; the first call of the process is the
// one under test (argv[2]: "sync" or "async").
import lib from "umd-lib";
const { dumps, dumpsSync } = await import(process.env.CP_MOD);
const pickle = process.argv[2] === "sync" ? dumpsSync : dumps;
const out = {};
out.lib = (await pickle(lib)).toBase64();
out.chunk = (await pickle(lib.chunk)).toBase64();
const total = (xs) => lib.sum(xs) + lib.chunk(xs, 2).length;
out.total = (await pickle(total)).toBase64();
out.moment = (await pickle(lib.moment("2020-01-02"))).toBase64();
console.log(JSON.stringify(out));
