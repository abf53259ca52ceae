// Writes a signed pickle into the SharedArrayBuffer it is sent (4 bytes of length, then the
// pickle) and answers with its length.
import { dumps } from "../../mod.ts";

const scope = self as unknown as {
  onmessage: (e: MessageEvent<{ sab: SharedArrayBuffer; key: Uint8Array }>) => void;
  postMessage(v: unknown): void;
};

scope.onmessage = async (e) => {
  const { sab, key } = e.data;
  const signed = await dumps({ from: "worker", items: [1n, new Map([["k", -0]])] }, {
    signingKey: key,
  });
  new DataView(sab).setUint32(0, signed.length, true);
  new Uint8Array(sab, 4).set(signed);
  scope.postMessage(signed.length);
};
