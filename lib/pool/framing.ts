/**
 * Length-prefixed frames over a byte stream (a subprocess's stdin and stdout): a 32-bit
 * little-endian length, then that many bytes.
 *
 * @module
 */

/** The largest frame accepted (1 GiB): a larger claim means the stream is not frames. */
export const MAX_FRAME = 1 << 30;

/** `bytes` with its length prefix. */
export function frame(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + bytes.length);
  new DataView(out.buffer).setUint32(0, bytes.length, true);
  out.set(bytes, 4);
  return out;
}

/** Cuts a stream of chunks into frames. */
export class FrameReader {
  private chunks: Uint8Array[] = [];
  private size = 0;

  /** Adds a chunk; returns the frames it completed. Throws on an impossible length. */
  push(chunk: Uint8Array): Uint8Array[] {
    this.chunks.push(chunk);
    this.size += chunk.length;
    const out: Uint8Array[] = [];
    while (this.size >= 4) {
      const head = this.peek(4);
      const n = new DataView(head.buffer, head.byteOffset, 4).getUint32(0, true);
      if (n > MAX_FRAME) {
        throw new Error(`a frame claims ${n} bytes: the stream does not hold frames`);
      }
      if (this.size < 4 + n) break;
      out.push(this.read(4 + n).subarray(4));
    }
    return out;
  }

  private peek(n: number): Uint8Array {
    const first = this.chunks[0];
    if (first.length >= n) return first;
    return this.join().subarray(0, n);
  }

  private join(): Uint8Array {
    if (this.chunks.length === 1) return this.chunks[0];
    const all = new Uint8Array(this.size);
    let o = 0;
    for (const c of this.chunks) {
      all.set(c, o);
      o += c.length;
    }
    this.chunks = [all];
    return all;
  }

  private read(n: number): Uint8Array {
    const all = this.join();
    const out = all.slice(0, n);
    const rest = all.subarray(n);
    this.chunks = rest.length > 0 ? [rest] : [];
    this.size = rest.length;
    return out;
  }
}
