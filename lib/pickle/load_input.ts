/**
 * What the load functions take: a pickle's bytes (copied when another thread may change
 * them) and the out-of-band buffers of `LoadOptions.buffers`.
 *
 * @module
 */

import type { LoadOptions } from "./options.ts";
import { typeName } from "../values/inspect.ts";

/** What the load functions take: a pickle's bytes (over a private or a shared buffer). */
export type PickleBytes = Uint8Array | ArrayBuffer | SharedArrayBuffer;

const SharedBuffer = globalThis.SharedArrayBuffer as SharedArrayBufferConstructor | undefined;

export function asBytes(data: PickleBytes): Uint8Array {
  if (data instanceof Uint8Array) {
    // Bytes another thread may change as they are read are copied first.
    return SharedBuffer !== undefined && data.buffer instanceof SharedBuffer ? data.slice() : data;
  }
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (SharedBuffer !== undefined && data instanceof SharedBuffer) {
    return new Uint8Array(data).slice();
  }
  throw new TypeError(
    `cannot load ${typeName(data)}: it is not a pickle's bytes; give a Uint8Array, an ` +
      "ArrayBuffer or a SharedArrayBuffer (load reads a ReadableStream)",
  );
}

/** `bytes` over a buffer of their own, that the caller cannot change during an await. */
export function privateCopy(bytes: Uint8Array, original: PickleBytes): Uint8Array<ArrayBuffer> {
  return bytes === original || bytes.buffer === original ? bytes.slice() : bytes as never;
}

const NO_BUFFERS: ArrayBuffer[] = [];

export function oobBuffers(buffers: LoadOptions["buffers"]): ArrayBuffer[] {
  if (buffers === undefined) return NO_BUFFERS;
  const out: ArrayBuffer[] = [];
  for (const b of buffers) {
    if (b instanceof ArrayBuffer) {
      out.push(b);
    } else if (ArrayBuffer.isView(b) && b.buffer instanceof ArrayBuffer) {
      const whole = b.byteOffset === 0 && b.byteLength === b.buffer.byteLength;
      out.push(whole ? b.buffer : b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
    } else {
      throw new TypeError(
        `cannot load with LoadOptions.buffers: it holds ${typeName(b)}, not a buffer; give ` +
          "the ArrayBuffers (or views) that bufferCallback received, in order",
      );
    }
  }
  return out;
}
