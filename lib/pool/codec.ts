/**
 * Pickles the values that cross a pool channel: ArrayBuffers out of band (copied or
 * transferred by the channel), SharedArrayBuffers by reference for thread workers (the
 * same memory on both sides), and the sync forms first, the async ones when a value needs
 * them (a Promise, a Blob, a module to import).
 *
 * @module
 */

import {
  closure,
  type CodeCache,
  type DumpOptions,
  dumps,
  loads,
  loadsSync,
  Pickler,
  PicklingError,
  type Reduction,
  UnpicklingError,
} from "../../mod.ts";

/** A pickle and what travels beside it. */
export interface Payload {
  bytes: Uint8Array;
  /**
   * Thread workers: a list of primitives (no symbols) sent as it is, since structured
   * clone copies those exactly (-0, NaN, undefined, BigInt, lone surrogates); `bytes` is
   * then empty.
   */
  raw?: unknown[];
  /** Out-of-band ArrayBuffers, in the pickle's order. */
  buffers: ArrayBuffer[];
  /** SharedArrayBuffers the pickle refers to by index (thread workers only). */
  shared: SharedArrayBuffer[];
}

const SHARED_KEY = "cloudpickle.pool.shared";

/**
 * Rebuilds a SharedArrayBuffer (or a view over one) from the table the receiving side
 * installs before loading. Pickled by value with the reduction, so no import is needed.
 */
const sharedRef = closure(
  {},
  (i: number, type?: string, offset?: number, length?: number): unknown => {
    const g = globalThis as unknown as Record<string | symbol, unknown>;
    const b = (g[Symbol.for("cloudpickle.pool.shared")] as SharedArrayBuffer[])[i];
    if (type === undefined) return b;
    const C = g[type] as new (b: SharedArrayBuffer, o?: number, l?: number) => unknown;
    return new C(b, offset, length);
  },
);

const isSAB = (v: unknown): v is SharedArrayBuffer =>
  typeof SharedArrayBuffer === "function" && v instanceof SharedArrayBuffer;

/** A pickler that writes SharedArrayBuffers (and views over them) as references. */
class SharingPickler extends Pickler {
  constructor(
    options: ConstructorParameters<typeof Pickler>[0],
    readonly shared: SharedArrayBuffer[],
  ) {
    super(options);
  }

  private index(b: SharedArrayBuffer): number {
    let i = this.shared.indexOf(b);
    if (i < 0) i = this.shared.push(b) - 1;
    return i;
  }

  override reducerOverride(v: unknown): Reduction | undefined {
    if (isSAB(v)) return [sharedRef, [this.index(v)]];
    if (ArrayBuffer.isView(v) && isSAB(v.buffer)) {
      const type = Object.prototype.toString.call(v).slice(8, -1);
      // Only views of built-in types with their own prototype: anything else as usual.
      const C = (globalThis as unknown as Record<string, unknown>)[type] as { prototype: object };
      if (C === undefined || Object.getPrototypeOf(v) !== C.prototype) return undefined;
      const length = type === "DataView"
        ? v.byteLength
        : (v as unknown as { length: number }).length;
      return [sharedRef, [this.index(v.buffer), type, v.byteOffset, length]];
    }
    return undefined;
  }
}

const EMPTY = new Uint8Array(0);
const NONE: never[] = [];

/** True when every element is a primitive other than a symbol (which postMessage refuses). */
function primitives(list: readonly unknown[]): boolean {
  for (let i = 0; i < list.length; i++) {
    const v = list[i];
    const t = typeof v;
    if ((t === "object" && v !== null) || t === "function" || t === "symbol") return false;
  }
  return true;
}

/**
 * A list of arguments or results. For thread workers (`share`), a list of primitives
 * travels without pickling; anything else is pickled as by {@linkcode encode}.
 */
export function encodeList(
  list: readonly unknown[],
  share: boolean,
  outOfBand: boolean,
  extra?: DumpOptions,
): Payload | Promise<Payload> {
  if (share && Array.isArray(list) && primitives(list)) {
    return { bytes: EMPTY, raw: list as unknown[], buffers: NONE, shared: NONE };
  }
  return encode(list, share, outOfBand, extra);
}

/**
 * Pickles `value`. `share`: SharedArrayBuffers travel by reference (thread workers);
 * otherwise they are copied into the pickle. `outOfBand`: ArrayBuffers travel beside the
 * pickle (to be copied or transferred by postMessage) instead of inside it.
 */
export async function encode(
  value: unknown,
  share: boolean,
  outOfBand: boolean,
  extra?: DumpOptions,
): Promise<Payload> {
  try {
    return encodeWith(value, share, outOfBand, true, extra) as Payload;
  } catch (e) {
    if (!(e instanceof PicklingError)) throw e;
    // Values only the async form pickles (promises, Blobs); else the same error again.
    return await encodeWith(value, share, outOfBand, false, extra);
  }
}

/**
 * Pickles `value` in the sync form only (a PicklingError when it needs the async form).
 * `extra`: more options (a channel's code cache, the client's class namespace).
 */
export function encodeSync(
  value: unknown,
  share: boolean,
  outOfBand: boolean,
  extra?: DumpOptions,
): Payload {
  return encodeWith(value, share, outOfBand, true, extra) as Payload;
}

function encodeWith(
  value: unknown,
  share: boolean,
  outOfBand: boolean,
  sync: boolean,
  extra: DumpOptions | undefined,
): Payload | Promise<Payload> {
  const buffers: ArrayBuffer[] = [];
  const shared: SharedArrayBuffer[] = [];
  let options: DumpOptions | undefined = outOfBand
    ? {
      bufferCallback: (b: ArrayBuffer) => {
        buffers.push(b);
        return false;
      },
    }
    : undefined;
  if (extra !== undefined) options = { ...options, ...extra };
  if (share) {
    const p = new SharingPickler(options, shared);
    if (sync) return { bytes: p.dumpsSync(value), buffers, shared };
    return p.dumps(value).then((bytes) => ({ bytes, buffers, shared }));
  }
  if (sync) return { bytes: new Pickler(options).dumpsSync(value), buffers, shared };
  return dumps(value, options).then((bytes) => ({ bytes, buffers, shared }));
}

/**
 * Loads a payload made by `encode` (sync form first, async when the pickle needs it), with
 * the code cache of this end of the channel when the pickle was made with one.
 */
export function decode(p: Payload, codeCache?: CodeCache): unknown {
  if (p.raw !== undefined) return p.raw;
  return decodePickle(p, codeCache);
}

async function decodePickle(p: Payload, codeCache: CodeCache | undefined): Promise<unknown> {
  if (p.shared.length > 0) {
    (globalThis as unknown as Record<symbol, unknown>)[Symbol.for(SHARED_KEY)] = p.shared;
  }
  const options = p.buffers.length > 0 || codeCache !== undefined
    ? { buffers: p.buffers, codeCache }
    : undefined;
  try {
    return loadsSync(p.bytes, options);
  } catch (e) {
    if (!(e instanceof UnpicklingError)) throw e;
    return await loads(p.bytes, options);
  }
}

/** Bytes a payload carries (its pickle and the buffers beside it). */
export function payloadBytes(p: Payload): number {
  let n = p.bytes.length;
  for (const b of p.buffers) n += b.byteLength;
  return n;
}

/** The distinct buffers of a transfer list. */
export function transferList(buffers: ArrayBuffer[]): ArrayBuffer[] {
  if (buffers.length < 2) return buffers;
  return [...new Set(buffers)];
}
