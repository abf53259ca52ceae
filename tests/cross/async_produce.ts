// Pickles closures, promises, a Blob and out-of-band buffers with the async form (automatic
// capture) and prints {pickle, buffers} as base64 JSON: the buffers in bufferCallback order.
import { dumps } from "../../mod.ts";

function make() {
  const bufA = new Uint8Array([1, 2, 3]);
  const shared = { bufB: new Uint8Array([4, 5]) };
  const blob = new Blob(["blob!"]);
  const add = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  const later = Promise.resolve({ add, blob, shared });
  return { run: () => later, shared, a: Promise.resolve(bufA) };
}

const buffers: ArrayBuffer[] = [];
const pickle = await dumps(make(), { bufferCallback: (b) => void buffers.push(b) });
console.log(JSON.stringify({
  pickle: pickle.toBase64(),
  buffers: buffers.map((b) => new Uint8Array(b).toBase64()),
}));
