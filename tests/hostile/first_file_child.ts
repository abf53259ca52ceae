// The first File this process pickles is pickled while globalThis.File is gone; later Files
// (with File back, and with it replaced) must pickle and load as ever. Prints one JSON line.
import { dumps, loads } from "../../mod.ts";

const RealFile = globalThis.File;
const file = new RealFile(["abc"], "a.txt", { type: "text/plain", lastModified: 7 });
const g = globalThis as Record<string, unknown>;
const out: Record<string, unknown> = {};
async function trip(label: string): Promise<void> {
  try {
    const f = await loads<File>(await dumps(file));
    out[label] = [f instanceof RealFile, f.name, f.type, f.lastModified, await f.text()];
  } catch (e) {
    out[label] = `${(e as Error).name}: ${(e as Error).message}`;
  }
}
delete g.File;
await trip("without File");
g.File = RealFile;
await trip("File back");
g.File = class Impostor {};
await trip("File replaced");
g.File = RealFile;
console.log(JSON.stringify(out));
