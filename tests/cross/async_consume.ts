// Reads {pickle, buffers} (base64 JSON, see async_produce.ts) from stdin, loads the pickle with
// its out-of-band buffers, runs what it holds and prints the results.
import { readStdinText } from "./stdin.ts";
import { loads } from "../../mod.ts";

type Inner = { add: (xs: number[]) => number; blob: Blob; shared: { bufB: Uint8Array } };
type Loaded = { run: () => Promise<Inner>; shared: { bufB: Uint8Array }; a: Promise<Uint8Array> };

const { pickle, buffers } = JSON.parse(await readStdinText()) as {
  pickle: string;
  buffers: string[];
};
const v = await loads<Loaded>(Uint8Array.fromBase64(pickle), {
  buffers: buffers.map((b) => Uint8Array.fromBase64(b)),
});
const inner = await v.run();
const bytes = [...await v.a, ...inner.shared.bufB];
console.log(JSON.stringify({
  sum: inner.add(bytes),
  text: await inner.blob.text(),
  bytes,
  sharedKept: inner.shared === v.shared,
}));
