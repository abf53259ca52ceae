// Loads a pickle of modules_produce.ts from stdin (base64), runs what it holds, and prints
// what it found as JSON; a failed load prints the error instead.
import { existsSync } from "node:fs";
import { readStdinText } from "./stdin.ts";
import { loads } from "../../mod.ts";

type Shapes = typeof import("../modules/shapes.ts");
interface Loaded {
  area: Shapes["area"];
  viaHidden: Shapes["viaHidden"];
  Model: Shapes["Model"];
  fromJSON?: Shapes["Model"]["fromJSON"];
  m: InstanceType<Shapes["Model"]>;
  ns?: Shapes;
  parse?: (s: string) => { type: string };
  readFileSync?: unknown;
}

const bytes = Uint8Array.fromBase64((await readStdinText()).trim());
let v: Loaded;
try {
  v = await loads<Loaded>(bytes);
} catch (e) {
  console.log(JSON.stringify({ error: (e as Error).name, message: (e as Error).message }));
  (globalThis as { process?: { exit(code: number): void } }).process!.exit(0);
  throw e;
}
const here = new URL("../modules/shapes.ts", import.meta.url);
const local: Shapes | undefined = existsSync(here) ? await import(here.href) : undefined;
console.log(JSON.stringify({
  area: v.area(2, 3),
  viaHidden: v.viaHidden(1),
  fromJSON: (v.fromJSON ?? v.Model.fromJSON)('{"size":5}').doubled(),
  instanceOfLoaded: v.m instanceof v.Model,
  doubled: v.m.doubled(),
  sameAsLocal: local === undefined ? null : v.area === local.area && v.Model === local.Model,
  nsIsLocal: v.ns === undefined ? null : v.ns === local,
  parse: v.parse === undefined ? null : v.parse("1 + 1").type,
  readFileSync: v.readFileSync === undefined ? null : typeof v.readFileSync,
}));
