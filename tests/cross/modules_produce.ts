// Pickles functions, classes and namespaces of modules, by reference ("ref") or with the
// fixture folder registered by value ("value"), and prints the pickle as base64.
import { dumps, registerPickleByValue } from "../../mod.ts";
import * as shapes from "../modules/shapes.ts";
import { parse } from "meriyah";
import { readFileSync } from "node:fs";

const mode = (globalThis as { process?: { argv: string[] } }).process!.argv.at(-1);
let value: unknown;
if (mode === "value") {
  registerPickleByValue(new URL("../modules/", import.meta.url));
  value = {
    area: shapes.area,
    viaHidden: shapes.viaHidden,
    Model: shapes.Model,
    m: new shapes.Model(4),
  };
} else {
  value = {
    area: shapes.area,
    viaHidden: shapes.viaHidden,
    Model: shapes.Model,
    fromJSON: shapes.Model.fromJSON,
    m: new shapes.Model(4),
    ns: shapes,
    parse,
    readFileSync,
  };
}
console.log((await dumps(value)).toBase64());
