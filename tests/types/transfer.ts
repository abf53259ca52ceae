// Type-checked, never run (tests/npm_types_test.ts): the bytes the pickler returns go where
// a plain ArrayBuffer is required, without casts.
import { dumps, dumpsSync, Pickler } from "@cloudpickle/cloudpickle";

declare const worker: Worker;
declare const port: MessagePort;

export async function uses(): Promise<void> {
  const bytes = dumpsSync({ n: 1 });
  worker.postMessage(bytes, [bytes.buffer]);
  port.postMessage(bytes, { transfer: [bytes.buffer] });
  structuredClone(bytes, { transfer: [bytes.buffer] });

  const later = await dumps(new Map([[1, 2]]));
  const buffer: ArrayBuffer = later.buffer;
  await crypto.subtle.digest("SHA-256", later);
  new Blob([later]);
  new Response(later);
  void buffer;

  const pickler = new Pickler();
  const own: Uint8Array<ArrayBuffer> = pickler.dumpsSync(1);
  const ownAsync: Uint8Array<ArrayBuffer> = await pickler.dumps(1);
  void own, ownAsync;

  // @ts-expect-error the bytes are no string
  const wrong: string = dumpsSync(1);
  void wrong;
}
